import type { QueryClient } from '@tanstack/react-query';
import { type Conversation, conversationKeys, forgetConversation, type Message, storeMessage } from './inbox.queries.js';

type ServerEvent = { type: string; data: Record<string, unknown> };

/**
 * The inbox's share of live updates. Messages go straight into the open conversation's cache;
 * lists refetch, because each user's dots, order and inbox membership are worked out by the server.
 * Answers whether the event is fully handled.
 */
export function applyInboxEvent(queryClient: QueryClient, event: ServerEvent): boolean {
  const refetchLists = () => void queryClient.invalidateQueries({ queryKey: conversationKeys.lists });
  switch (event.type) {
    // A message that changes a list (not a comment, not a status) is followed by `conversation.updated`.
    case 'message.created':
    case 'message.updated':
      storeMessage(queryClient, event.data.message as Message);
      return true;
    case 'conversation.updated': {
      // The event carries no viewer's dot: keep ours until the refetch brings the new one.
      const summary = event.data.conversation as Omit<Conversation, 'dot'>;
      queryClient.setQueryData<Conversation>(conversationKeys.detail(summary.id), (current) => current && { ...current, ...summary });
      void queryClient.invalidateQueries({ queryKey: ['conversations'] });
      return true;
    }
    case 'conversation.read':
      refetchLists();
      return true;
    case 'conversation.deleted':
      forgetConversation(queryClient, event.data.conversationId as string);
      return true;
    case 'presence.changed':
      // Red dots depend on whether the assignees are online; the provider keeps presence itself.
      refetchLists();
      return false;
    default:
      // Conversations show their contact's name, move with a (un)blocked one and go with a deleted one; the shared table refreshes the contacts.
      if (/^contacts?\.(updated|deleted|blocked|unblocked)$/.test(event.type)) void queryClient.invalidateQueries({ queryKey: ['conversations'] });
      return false;
  }
}
