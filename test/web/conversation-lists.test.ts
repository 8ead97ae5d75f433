import { describe, expect, it } from 'vitest';
import {
  belongsIn,
  type DotContext,
  dotOf,
  laterReadAt,
  type ListedConversation,
  type ListFilter,
  mapConversations,
  type Page,
  placeInList,
  redDeadline,
  type Viewer,
  withDot,
} from '../../web/src/inbox/conversation-lists.js';

// The web app's list logic is pure and runs here: vitest collects tests under src/ and test/ only.

const now = new Date('2026-03-02T12:00:00Z');
const secondsAgo = (s: number) => new Date(now.getTime() - s * 1000).toISOString();
const me: Viewer = { userId: 'me', role: 'manager', teamIds: [], agentsSeeAll: false };
/** An agent who sees only its own, the unassigned and team t1's conversations. */
const restricted: Viewer = { userId: 'me', role: 'agent', teamIds: ['t1'], agentsSeeAll: false };

const conversation = (id: string, fields: Partial<ListedConversation> = {}): ListedConversation => ({
  id,
  status: 'open',
  blocked: false,
  quarantined: false,
  assigneeId: null,
  teamId: null,
  lastMessageAt: secondsAgo(60),
  lastInboundAt: secondsAgo(60),
  awaitingReplySince: null,
  readAt: null,
  dot: 'none',
  ...fields,
});

const filter = (view: string, fields: Partial<ListFilter> = {}): ListFilter => ({ view, status: 'open', q: '', ...fields });
const list = (...pages: Array<Page<ListedConversation>>) => ({ pages, pageParams: pages.map((_, i) => (i === 0 ? null : `cursor-${i}`)) });
const ids = (data: { pages: Array<Page<ListedConversation>> }) => data.pages.map((page) => page.items.map((each) => each.id));

describe('which inbox a conversation is in', () => {
  const cases: Array<[string, ListFilter, Partial<ListedConversation>, boolean, Viewer?]> = [
    ['Mine holds my open conversation', filter('mine'), { assigneeId: 'me' }, true],
    ['Mine does not hold someone else’s', filter('mine'), { assigneeId: 'other' }, false],
    ['Mine does not hold the unassigned', filter('mine'), {}, false],
    ['the status filter leaves out a closed one', filter('mine'), { assigneeId: 'me', status: 'closed' }, false],
    ['the closed filter holds it', filter('mine', { status: 'closed' }), { assigneeId: 'me', status: 'closed' }, true],
    ['Unassigned holds a conversation without assignee, with or without team', filter('unassigned'), { teamId: 't1' }, true],
    ['Unassigned does not hold an assigned one', filter('unassigned'), { assigneeId: 'other' }, false],
    ['a team’s inbox holds its conversations, assigned or not', filter('team:t1'), { teamId: 't1', assigneeId: 'other' }, true],
    ['a team’s inbox does not hold another team’s', filter('team:t1'), { teamId: 't2' }, false],
    ['All holds anyone’s', filter('all'), { assigneeId: 'other', teamId: 't2' }, true],
    ['no inbox but Blocked holds a blocked contact’s conversation', filter('all'), { blocked: true }, false],
    ['no inbox holds a conversation held for spam review', filter('unassigned'), { quarantined: true }, false],
    ['Blocked holds blocked contacts’ conversations whatever the status filter', filter('blocked'), { blocked: true, status: 'closed' }, true],
    ['Blocked does not hold the others', filter('blocked'), { status: 'closed' }, false],
    ['a restricted agent’s Blocked inbox leaves out conversations it may not see', filter('blocked'), { blocked: true, assigneeId: 'other', teamId: 't2' }, false, restricted],
    ['a restricted agent sees its teams’ conversations', filter('blocked'), { blocked: true, assigneeId: 'other', teamId: 't1' }, true, restricted],
  ];
  it.each(cases)('%s', (_, listFilter, fields, expected, viewer = me) => {
    expect(belongsIn(listFilter, conversation('c', fields), viewer)).toBe(expected);
  });
});

describe('a conversation changing in a cached list', () => {
  const a = conversation('a', { lastMessageAt: secondsAgo(10) });
  const b = conversation('b', { lastMessageAt: secondsAgo(20) });
  const c = conversation('c', { lastMessageAt: secondsAgo(30) });
  const d = conversation('d', { lastMessageAt: secondsAgo(40) });

  it('a new conversation appears at the top', () => {
    const placed = placeInList(list({ items: [a, b], nextCursor: null }), filter('all'), conversation('new', { lastMessageAt: secondsAgo(1) }), me);
    expect(ids(placed.data)).toEqual([['new', 'a', 'b']]);
    expect(placed.refetch).toBe(false);
  });

  it('a conversation with a new message moves to the top, the others keep their order', () => {
    const data = list({ items: [a, b], nextCursor: 'b' }, { items: [c, d], nextCursor: null });
    const placed = placeInList(data, filter('all'), { ...c, lastMessageAt: secondsAgo(1) }, me);
    expect(ids(placed.data)).toEqual([['c', 'a', 'b'], ['d']]);
  });

  it('takes the changed fields', () => {
    const placed = placeInList(list({ items: [a, b], nextCursor: null }), filter('all'), { ...b, assigneeId: 'other' }, me);
    expect(placed.data.pages[0]!.items[1]).toMatchObject({ id: 'b', assigneeId: 'other' });
  });

  it('a conversation that leaves the inbox or the status leaves the list', () => {
    const data = list({ items: [a, b, c], nextCursor: null });
    expect(ids(placeInList(data, filter('unassigned'), { ...b, assigneeId: 'other' }, me).data)).toEqual([['a', 'c']]);
    expect(ids(placeInList(data, filter('unassigned'), { ...b, status: 'closed' }, me).data)).toEqual([['a', 'c']]);
  });

  it('goes into the later page where its time puts it', () => {
    const data = list({ items: [a, b], nextCursor: 'b' }, { items: [c, d], nextCursor: null });
    const placed = placeInList(data, filter('mine'), conversation('x', { assigneeId: 'me', lastMessageAt: secondsAgo(35) }), me);
    expect(ids(placed.data)).toEqual([['a', 'b'], ['c', 'x', 'd']]);
  });

  it('one older than every loaded row waits for its page when there are more, and ends the list when there are not', () => {
    const old = conversation('old', { lastMessageAt: secondsAgo(100) });
    expect(ids(placeInList(list({ items: [a, b], nextCursor: 'b' }), filter('all'), old, me).data)).toEqual([['a', 'b']]);
    expect(ids(placeInList(list({ items: [a, b], nextCursor: null }), filter('all'), old, me).data)).toEqual([['a', 'b', 'old']]);
    expect(ids(placeInList(list({ items: [], nextCursor: null }), filter('all'), old, me).data)).toEqual([['old']]);
  });

  it('the same time sorts by the higher id first, as the API’s keyset does', () => {
    const at = secondsAgo(15);
    const placed = placeInList(list({ items: [conversation('m', { lastMessageAt: at })], nextCursor: null }), filter('all'), conversation('z', { lastMessageAt: at }), me);
    expect(ids(placed.data)).toEqual([['z', 'm']]);
  });

  it('a conversation that is not and does not go in the list leaves it as it was', () => {
    const data = list({ items: [a, b], nextCursor: null });
    expect(placeInList(data, filter('mine'), conversation('x', { assigneeId: 'other' }), me)).toEqual({ data, refetch: false });
    expect(placeInList(data, filter('mine'), conversation('x', { assigneeId: 'other' }), me).data).toBe(data);
  });

  describe('in a search list', () => {
    const search = filter('all', { q: 'parcel' });

    it('a held conversation is updated and reordered in place: it still matches', () => {
      const placed = placeInList(list({ items: [a, b], nextCursor: null }), search, { ...b, lastMessageAt: secondsAgo(1) }, me);
      expect(ids(placed.data)).toEqual([['b', 'a']]);
      expect(placed.refetch).toBe(false);
    });

    it('a held conversation that leaves the inbox leaves the list', () => {
      expect(ids(placeInList(list({ items: [a, b], nextCursor: null }), search, { ...a, status: 'closed' }, me).data)).toEqual([['b']]);
    });

    it('a conversation it lacks that the inbox would hold asks for a refetch: only the server knows if it matches now', () => {
      const data = list({ items: [a], nextCursor: null });
      expect(placeInList(data, search, conversation('x', { lastMessageAt: secondsAgo(1) }), me)).toEqual({ data, refetch: true });
    });

    it('a conversation it lacks that the inbox would not hold changes nothing', () => {
      const data = list({ items: [a], nextCursor: null });
      expect(placeInList(data, search, conversation('x', { blocked: true }), me)).toEqual({ data, refetch: false });
    });
  });

  it('updating every conversation keeps the list itself when none changed', () => {
    const data = list({ items: [a, b], nextCursor: null });
    expect(mapConversations(data, (each) => each)).toBe(data);
    expect(ids(mapConversations(data, (each) => (each.id === 'b' ? { ...each, dot: 'red' } : each)))).toEqual([['a', 'b']]);
  });
});

describe('dots worked out in the browser', () => {
  const online = new Map<string, Date>();
  const context = (fields: Partial<DotContext> = {}): DotContext => ({
    viewer: me,
    missedAfterSeconds: 30,
    teamMembers: (teamId) => (teamId === 'support' ? ['ann', 'bob'] : []),
    onlineSince: (userId) => online.get(userId) ?? null,
    now,
    ...fields,
  });
  const waiting = (fields: Partial<ListedConversation> = {}) =>
    conversation('c', { lastInboundAt: secondsAgo(5), awaitingReplySince: secondsAgo(5), ...fields });

  it('a new unassigned conversation is purple until I open it', () => {
    expect(dotOf(waiting(), context())).toBe('purple');
    expect(dotOf(waiting({ readAt: secondsAgo(1) }), context())).toBe('none');
  });

  it('a team conversation is red when none of the team is online, and waits for the limit when one is', () => {
    online.clear();
    expect(dotOf(waiting({ teamId: 'support', readAt: secondsAgo(1) }), context())).toBe('red');
    online.set('bob', new Date(secondsAgo(3600)));
    expect(dotOf(waiting({ teamId: 'support', readAt: secondsAgo(1) }), context())).toBe('none');
    expect(dotOf(waiting({ teamId: 'support', readAt: secondsAgo(1), awaitingReplySince: secondsAgo(31) }), context())).toBe('red');
  });

  it('the dot turns red when the wait passes the limit, restarted by a responsible user coming online', () => {
    online.clear();
    online.set('ann', new Date(secondsAgo(2)));
    const conversationOfAnn = waiting({ assigneeId: 'ann', awaitingReplySince: secondsAgo(20) });
    expect(redDeadline(conversationOfAnn, context())).toBe(Date.parse(secondsAgo(2)) + 30_000);
    online.set('ann', new Date(secondsAgo(600)));
    expect(redDeadline(conversationOfAnn, context())).toBe(Date.parse(secondsAgo(20)) + 30_000);
  });

  it('no deadline for what is red already, replied or not open', () => {
    online.clear();
    expect(redDeadline(waiting({ assigneeId: 'ann' }), context())).toBeUndefined();
    expect(redDeadline(waiting({ awaitingReplySince: null }), context())).toBeUndefined();
    expect(redDeadline(waiting({ status: 'snoozed' }), context())).toBeUndefined();
  });

  it('a conversation keeps its object when its dot stays', () => {
    const purple = { ...waiting(), dot: 'purple' as const };
    expect(withDot(purple, context())).toBe(purple);
    expect(withDot({ ...purple, readAt: secondsAgo(1) }, context()).dot).toBe('none');
  });

  it('a read time only moves forward', () => {
    expect(laterReadAt(secondsAgo(5), secondsAgo(10))).toBe(secondsAgo(5));
    expect(laterReadAt(null, secondsAgo(10))).toBe(secondsAgo(10));
    expect(laterReadAt(undefined, null)).toBeNull();
  });
});
