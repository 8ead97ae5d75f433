/**
 * Which live events become a desktop notification for this user (issue 19): a new conversation in
 * one of their inboxes, the contact writing in a conversation assigned to them, an @mention.
 * Pure: the caller keeps `seen` (the contact's last message already told, per conversation).
 */
export type NotificationSettings = { desktop: boolean; sound: boolean; newConversation: boolean; newMessage: boolean; mention: boolean };

export type NotificationKind = 'newConversation' | 'newMessage' | 'mention';

export type Notice = { kind: NotificationKind; conversationId: string; who: string | null; text: string };

type Summary = {
  id: string;
  status: string;
  blocked: boolean;
  quarantined?: boolean;
  assigneeId: string | null;
  teamId: string | null;
  createdAt: string;
  lastInboundAt: string | null;
  contact: { name: string | null };
  lastMessage: { text: string; direction: 'in' | 'out' } | null;
};

export type NoticeContext = {
  userId: string;
  teamIds: readonly string[];
  settings: NotificationSettings;
  /** The conversation in front of the user (open, in a focused tab): nothing to tell of it. */
  watching: string | null;
  /** Messages from before the app listened are not news. */
  listeningSince: number;
  seen: Map<string, string>;
  userName: (userId: string) => string | null;
};

export function noticeOf(event: { type: string; data: Record<string, unknown> }, context: NoticeContext): Notice | null {
  const { settings } = context;
  if (event.type === 'mention.created') {
    const data = event.data as { conversationId: string; authorId: string; text: string };
    if (!settings.mention || data.conversationId === context.watching) return null;
    return { kind: 'mention', conversationId: data.conversationId, who: context.userName(data.authorId), text: data.text };
  }
  if (event.type !== 'conversation.updated') return null;
  const conversation = event.data.conversation as Summary;
  const inbound = conversation.lastInboundAt;
  if (!inbound || conversation.blocked || conversation.quarantined || conversation.status !== 'open') return null;
  if (conversation.lastMessage?.direction !== 'in' || Date.parse(inbound) < context.listeningSince) return null;
  if (context.seen.get(conversation.id) === inbound) return null;
  context.seen.set(conversation.id, inbound);
  if (conversation.id === context.watching) return null;

  const notice = { conversationId: conversation.id, who: conversation.contact.name, text: conversation.lastMessage.text };
  const mine = conversation.assigneeId === context.userId;
  // Its first message: the conversation was made by it.
  const isNew = conversation.createdAt === inbound;
  const inMyInboxes = mine || conversation.assigneeId === null || (conversation.teamId !== null && context.teamIds.includes(conversation.teamId));
  if (isNew && inMyInboxes && settings.newConversation) return { kind: 'newConversation', ...notice };
  if (mine && settings.newMessage) return { kind: 'newMessage', ...notice };
  return null;
}
