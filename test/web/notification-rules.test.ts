import { describe, expect, it } from 'vitest';
import { type NoticeContext, noticeOf } from '../../web/src/notifications/notification-rules.js';

const at = '2026-03-02T09:00:00.000Z';
const later = '2026-03-02T09:05:00.000Z';
const all = { desktop: true, sound: false, newConversation: true, newMessage: true, mention: true };

function context(overrides: Partial<NoticeContext> = {}): NoticeContext {
  return { userId: 'me', teamIds: ['support'], settings: all, watching: null, listeningSince: Date.parse(at) - 1000, seen: new Map(), userName: (id) => (id === 'max' ? 'Max' : null), ...overrides };
}

const updated = (conversation: Record<string, unknown>) => ({
  type: 'conversation.updated',
  data: {
    conversation: {
      id: 'c1',
      status: 'open',
      blocked: false,
      assigneeId: null,
      teamId: null,
      createdAt: at,
      lastInboundAt: at,
      contact: { name: 'Emma' },
      lastMessage: { text: 'Hello', direction: 'in' },
      ...conversation,
    },
  },
});

describe('what a user is notified of', () => {
  it('a new conversation in an inbox of theirs: unassigned, their team’s or their own', () => {
    expect(noticeOf(updated({}), context())).toEqual({ kind: 'newConversation', conversationId: 'c1', who: 'Emma', text: 'Hello' });
    expect(noticeOf(updated({ teamId: 'support', assigneeId: 'ann' }), context())?.kind).toBe('newConversation');
    expect(noticeOf(updated({ teamId: 'billing', assigneeId: 'ann' }), context())).toBeNull();
  });

  it('the contact writing again in a conversation assigned to them, and nobody else’s', () => {
    expect(noticeOf(updated({ assigneeId: 'me', lastInboundAt: later }), context())?.kind).toBe('newMessage');
    expect(noticeOf(updated({ assigneeId: 'ann', lastInboundAt: later }), context())).toBeNull();
    expect(noticeOf(updated({ assigneeId: null, lastInboundAt: later }), context())).toBeNull();
  });

  it('each message once, however many updates follow it (an assignment, a read)', () => {
    const ctx = context();
    expect(noticeOf(updated({ assigneeId: 'me', lastInboundAt: later }), ctx)).not.toBeNull();
    expect(noticeOf(updated({ assigneeId: 'me', lastInboundAt: later }), ctx)).toBeNull();
  });

  it('nothing of the conversation in front of them, of a reply, of a blocked contact or of old messages', () => {
    expect(noticeOf(updated({}), context({ watching: 'c1' }))).toBeNull();
    expect(noticeOf(updated({ lastMessage: { text: 'On it', direction: 'out' } }), context())).toBeNull();
    expect(noticeOf(updated({ blocked: true }), context())).toBeNull();
    expect(noticeOf(updated({}), context({ listeningSince: Date.parse(later) }))).toBeNull();
  });

  it('what they turned off, not', () => {
    expect(noticeOf(updated({}), context({ settings: { ...all, newConversation: false } }))).toBeNull();
    expect(noticeOf(updated({ assigneeId: 'me', lastInboundAt: later }), context({ settings: { ...all, newMessage: false } }))).toBeNull();
  });

  it('an @mention, with who wrote it', () => {
    const mention = { type: 'mention.created', data: { conversationId: 'c2', authorId: 'max', text: '@Me have a look' } };
    expect(noticeOf(mention, context())).toEqual({ kind: 'mention', conversationId: 'c2', who: 'Max', text: '@Me have a look' });
    expect(noticeOf(mention, context({ settings: { ...all, mention: false } }))).toBeNull();
  });
});
