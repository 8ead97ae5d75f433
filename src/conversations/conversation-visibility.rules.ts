/**
 * Who sees a conversation (SPEC §1): owners and managers all of them; an agent its own, the
 * unassigned ones and its teams', or all of them when the workspace lets agents see All.
 * Pure: the API's lists and lookups and the WebSocket gateway's fan-out apply the same rule.
 */
export type ConversationViewer = { userId: string; role: 'owner' | 'manager' | 'agent'; teamIds: readonly string[]; agentsSeeAll: boolean };
export type ConversationAudience = { assigneeId: string | null; teamId: string | null };

/** Owners, managers, and agents where the workspace lets them see All: no conversation is hidden from them. */
export function seesEveryConversation(viewer: Pick<ConversationViewer, 'role' | 'agentsSeeAll'>): boolean {
  return viewer.role !== 'agent' || viewer.agentsSeeAll;
}

/**
 * A contact, as reaching it depends on: its own assignee, and its conversation's audience (null
 * when it has none).
 */
export type ContactAudience = { assigneeId: string | null; conversation: ConversationAudience | null };

/**
 * Who reads and changes a contact (SPEC §1, "read a contact"): whoever sees every conversation; an
 * agent limited to its own inboxes only a contact assigned to it or whose conversation it may see.
 */
export function canReachContact(viewer: ConversationViewer, contact: ContactAudience): boolean {
  if (seesEveryConversation(viewer)) return true;
  return contact.assigneeId === viewer.userId || (contact.conversation !== null && canSeeConversation(viewer, contact.conversation));
}

export function canSeeConversation(viewer: ConversationViewer, conversation: ConversationAudience): boolean {
  if (seesEveryConversation(viewer)) return true;
  return (
    conversation.assigneeId === null ||
    conversation.assigneeId === viewer.userId ||
    (conversation.teamId !== null && viewer.teamIds.includes(conversation.teamId))
  );
}
