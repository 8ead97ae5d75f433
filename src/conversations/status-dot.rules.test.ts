import { describe, expect, it } from 'vitest';
import { type Dot, type DotInput, statusDot } from './status-dot.rules.js';

const now = new Date('2026-03-02T12:00:00Z');
const secondsAgo = (s: number) => new Date(now.getTime() - s * 1000);
const me = 'me';
const online = (userId: string, since = secondsAgo(3600)) => ({ userId, onlineSince: since });
const offline = (userId: string) => ({ userId, onlineSince: null });

const base: DotInput = {
  status: 'open',
  assigneeId: null,
  responsible: [],
  lastInboundAt: secondsAgo(5),
  awaitingReplySince: secondsAgo(5),
  readAt: null,
  viewerId: me,
  missedAfterSeconds: 30,
  now,
};

describe('the status dot', () => {
  const cases: Array<[string, Partial<DotInput>, Dot]> = [
    ['a new unassigned conversation is purple', {}, 'purple'],
    ['an unassigned conversation I have opened since the contact wrote has no dot', { readAt: secondsAgo(1) }, 'none'],
    ['a new message in my conversation is purple until I open it', { assigneeId: me, responsible: [online(me)] }, 'purple'],
    ['my conversation, opened since, has no dot', { assigneeId: me, responsible: [online(me)], readAt: secondsAgo(1) }, 'none'],
    ['someone else’s conversation is not purple for me', { assigneeId: 'other', responsible: [online('other')] }, 'none'],
    ['a replied conversation has no dot', { awaitingReplySince: null, readAt: secondsAgo(1) }, 'none'],
    ['a replied conversation I have not opened has no dot either', { awaitingReplySince: null }, 'none'],
    ['a closed conversation has no dot', { status: 'closed', awaitingReplySince: secondsAgo(600) }, 'none'],
    ['a snoozed conversation has no dot', { status: 'snoozed', awaitingReplySince: secondsAgo(600) }, 'none'],
    ['unanswered past the workspace limit is red', { awaitingReplySince: secondsAgo(30), readAt: secondsAgo(1) }, 'red'],
    ['unanswered just under the limit is not red yet', { awaitingReplySince: secondsAgo(29), readAt: secondsAgo(1) }, 'none'],
    ['the limit is a workspace setting', { awaitingReplySince: secondsAgo(100), missedAfterSeconds: 120, readAt: secondsAgo(1) }, 'none'],
    ['an offline assignee makes it red at once', { assigneeId: 'other', responsible: [offline('other')] }, 'red'],
    ['a team with nobody online makes it red at once', { responsible: [offline('a'), offline('b')] }, 'red'],
    ['a team with someone online waits for the limit', { responsible: [offline('a'), online('b')] }, 'purple'],
    ['red wins over purple in my own conversation', { assigneeId: me, responsible: [online(me)], awaitingReplySince: secondsAgo(31) }, 'red'],
    [
      'an assignee coming online clears the red dot',
      { assigneeId: 'other', responsible: [online('other', secondsAgo(2))], awaitingReplySince: secondsAgo(600) },
      'none',
    ],
    [
      'and it turns red again when they do not answer in time',
      { assigneeId: 'other', responsible: [online('other', secondsAgo(31))], awaitingReplySince: secondsAgo(600) },
      'red',
    ],
    ['a reply clears the red dot', { assigneeId: 'other', responsible: [offline('other')], awaitingReplySince: null }, 'none'],
  ];

  it.each(cases)('%s', (_name, change, dot) => {
    expect(statusDot({ ...base, ...change })).toBe(dot);
  });
});
