/**
 * The status dot of a conversation for one user (SPEC §3.4). Pure, with no imports, so the web
 * app can run the same function when presence changes or a timer passes `missedAfterSeconds`.
 */
export type Dot = 'none' | 'purple' | 'red';

export type DotInput = {
  status: 'open' | 'snoozed' | 'closed';
  assigneeId: string | null;
  /**
   * The users answerable for the conversation: its assignee, else its team's members; empty
   * when nobody is. `onlineSince` is null when the user is offline.
   */
  responsible: Array<{ userId: string; onlineSince: Date | null }>;
  /** When the contact last wrote (time of receipt). */
  lastInboundAt: Date | null;
  /** The contact's oldest message nobody has replied to; null once replied. */
  awaitingReplySince: Date | null;
  /** When this viewer last opened the conversation. */
  readAt: Date | null;
  viewerId: string;
  missedAfterSeconds: number;
  now: Date;
};

export function statusDot(input: DotInput): Dot {
  if (input.status !== 'open') return 'none';
  if (isMissed(input)) return 'red';
  // A replied conversation is handled, whether or not this viewer has looked at it.
  const unread =
    input.awaitingReplySince !== null && input.lastInboundAt !== null && (input.readAt === null || input.lastInboundAt > input.readAt);
  if (unread && (input.assigneeId === null || input.assigneeId === input.viewerId)) return 'purple';
  return 'none';
}

/**
 * Red while the contact waits and either every responsible user is offline, or none answered
 * within `missedAfterSeconds`. The wait restarts when a responsible user comes online: that
 * clears the red dot and gives them the same time to answer.
 */
function isMissed(input: DotInput): boolean {
  if (input.awaitingReplySince === null) return false;
  const online = input.responsible.flatMap((user) => (user.onlineSince ? [user.onlineSince.getTime()] : []));
  if (input.responsible.length > 0 && online.length === 0) return true;
  const waitingSince = Math.max(input.awaitingReplySince.getTime(), ...online);
  return input.now.getTime() - waitingSince >= input.missedAfterSeconds * 1000;
}
