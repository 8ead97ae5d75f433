/**
 * The conversation lifecycle (SPEC §3.2) as one explicit table: every status × event pair says
 * where the conversation goes, or `null` when the event is not allowed there.
 */
export type ConversationStatus = 'open' | 'snoozed' | 'closed';
export type LifecycleEventType = 'close' | 'open' | 'snooze' | 'wake' | 'inbound' | 'outbound';

export const transitions: Record<ConversationStatus, Record<LifecycleEventType, ConversationStatus | null>> = {
  open: { close: 'closed', open: null, snooze: 'snoozed', wake: null, inbound: 'open', outbound: 'open' },
  // Replying to a snoozed conversation leaves it snoozed: the agent chose when to look again.
  snoozed: { close: 'closed', open: 'open', snooze: 'snoozed', wake: 'open', inbound: 'open', outbound: 'snoozed' },
  closed: { close: null, open: 'open', snooze: null, wake: null, inbound: 'open', outbound: 'open' },
};

export type LifecycleEvent =
  | { type: 'close'; closingLogic: 'keep_assignee' | 'unassign' }
  | { type: 'open' }
  | { type: 'snooze'; until: Date }
  | { type: 'wake' }
  | { type: 'inbound' }
  /** `assignUnassigned`: the workspace's assignOnReply setting. */
  | { type: 'outbound'; senderId: string | null; assignUnassigned?: boolean };

export type LifecycleState = { status: ConversationStatus; snoozedUntil: Date | null; assigneeId: string | null };

/** The state after the event, or null when the table forbids it. */
export function applyLifecycleEvent(state: LifecycleState, event: LifecycleEvent): LifecycleState | null {
  const status = transitions[state.status][event.type];
  if (status === null) return null;
  const next: LifecycleState = { status, snoozedUntil: status === 'snoozed' ? state.snoozedUntil : null, assigneeId: state.assigneeId };
  if (event.type === 'snooze') next.snoozedUntil = event.until;
  if (event.type === 'close' && event.closingLogic === 'unassign') next.assigneeId = null;
  // An outbound message reopens a closed conversation, and its sender takes it (SPEC §3.2).
  if (event.type === 'outbound' && state.status === 'closed' && event.senderId) next.assigneeId = event.senderId;
  // Replying to an unassigned conversation takes it, where the workspace says so.
  if (event.type === 'outbound' && state.assigneeId === null && event.assignUnassigned && event.senderId) next.assigneeId = event.senderId;
  return next;
}

/**
 * The times a status change sets: closing stamps `closedAt`; leaving closed (the contact or an
 * agent reopening) starts a new stretch, `openedAt`, and clears `closedAt`. The dashboard's
 * resolution time is one stretch: closedAt − openedAt.
 */
export function lifecycleTimes(before: ConversationStatus, after: ConversationStatus, at: Date): { openedAt?: Date; closedAt?: Date | null } {
  if (after === 'closed' && before !== 'closed') return { closedAt: at };
  if (before === 'closed' && after !== 'closed') return { openedAt: at, closedAt: null };
  return {};
}
