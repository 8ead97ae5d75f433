/**
 * Who sees a conversation (SPEC §1): owners and managers all of them; an agent its own, the
 * unassigned ones and its teams', or all of them when the workspace lets agents see All.
 * Pure: the API's lists and lookups and the WebSocket gateway's fan-out apply the same rule.
 */
export type ConversationViewer = { userId: string; role: 'owner' | 'manager' | 'agent'; teamIds: readonly string[]; agentsSeeAll: boolean };
export type ConversationAudience = { assigneeId: string | null; teamId: string | null };

export function canSeeConversation(viewer: ConversationViewer, conversation: ConversationAudience): boolean {
  if (viewer.role !== 'agent' || viewer.agentsSeeAll) return true;
  return (
    conversation.assigneeId === null ||
    conversation.assigneeId === viewer.userId ||
    (conversation.teamId !== null && viewer.teamIds.includes(conversation.teamId))
  );
}
