import type { QueryClient } from '@tanstack/react-query';
import { followConversation } from '../contacts/contacts.queries.js';
import type { PresenceClock } from '../realtime/presence.js';
import { refreshCountsSoon } from './inbox-counts.js';
import {
  applyConversationUpdate,
  applyRead,
  type ConversationSummary,
  dotContext,
  forgetConversation,
  type Message,
  refreshDots,
  storeMessage,
} from './inbox.queries.js';

type ServerEvent = { type: string; data: Record<string, unknown> };

/**
 * The inbox's share of live updates. Messages go straight into the open conversation's cache;
 * conversations into the cached lists, each with this user's dot worked out here (no list is
 * refetched, search results aside). `presence` is already current when an event arrives.
 * Answers whether the event is fully handled.
 */
export function applyInboxEvent(queryClient: QueryClient, event: ServerEvent, presence: PresenceClock): boolean {
  if (event.type.startsWith('conversation.')) refreshCountsSoon(queryClient);
  switch (event.type) {
    // A message that changes a list (not a comment, not a status) is followed by `conversation.updated`.
    case 'message.created':
    case 'message.updated': {
      const message = event.data.message as Message;
      storeMessage(queryClient, message);
      // The composer's window follows its conversation only: a contact's message reopens it (and
      // resets WeChat's count), a reply spends one, counted once sent (Viber's monthly quota).
      const spends = message.direction === 'out' && message.status === 'sent';
      if (message.type === 'message' && (event.type === 'message.created' || spends)) {
        void queryClient.invalidateQueries({ queryKey: ['window', `/api/v1/conversations/${message.conversationId}/window`] });
      }
      return true;
    }
    case 'conversation.updated': {
      const summary = event.data.conversation as ConversationSummary;
      const context = dotContext(queryClient, presence);
      if (context) applyConversationUpdate(queryClient, summary, context);
      // The contact drawer shows the conversation's state too.
      followConversation(queryClient, summary.contactId, summary);
      return true;
    }
    case 'conversation.read': {
      // Only the reader hears it, in each of its tabs.
      const context = dotContext(queryClient, presence);
      if (context) applyRead(queryClient, event.data.conversationId as string, event.data.readAt as string, context);
      return true;
    }
    case 'conversation.deleted':
      if (typeof event.data.contactId === 'string') followConversation(queryClient, event.data.contactId, null);
      forgetConversation(queryClient, event.data.conversationId as string);
      return true;
    // Now assigned where this user may not see it: the server says only that.
    case 'conversation.hidden':
      forgetConversation(queryClient, event.data.conversationId as string);
      return true;
    case 'presence.changed': {
      // Red dots depend on whether the users answerable for a conversation are online.
      const context = dotContext(queryClient, presence);
      if (context) refreshDots(queryClient, context, event.data.userId as string);
      return true;
    }
    default:
      // Conversations show their contact's name, move with a (un)blocked one and go with a deleted one; the shared table refreshes the contacts.
      if (/^contacts?\.(updated|deleted|blocked|unblocked)$/.test(event.type)) void queryClient.invalidateQueries({ queryKey: ['conversations'] });
      return false;
  }
}
