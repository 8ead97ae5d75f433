/**
 * The inbox's cached lists kept current from events instead of refetched: where a changed
 * conversation goes in each list, and its dot for this viewer. Pure, over plain data and `now`.
 */
import { type ConversationViewer, canSeeConversation } from '../../../src/conversations/conversation-visibility.rules.js';
import { type Dot, statusDot } from '../../../src/conversations/status-dot.rules.js';

export type { Dot };

export type ConversationStatus = 'open' | 'snoozed' | 'closed';

/** `view` is the inbox as the API names it: `mine`, `unassigned`, `all`, `blocked` or `team:<id>`. */
export type ListFilter = { view: string; status: ConversationStatus; q: string };

/** What placing a conversation in a list and working out its dot need of it (API times as ISO strings). */
export type ListedConversation = {
  id: string;
  status: ConversationStatus;
  blocked: boolean;
  /** Held by the spam rules for review: in no inbox until released. */
  quarantined: boolean;
  assigneeId: string | null;
  teamId: string | null;
  lastMessageAt: string;
  lastInboundAt: string | null;
  awaitingReplySince: string | null;
  /** When this viewer last opened it. */
  readAt: string | null;
  dot: Dot;
};

export type Page<T> = { items: T[]; nextCursor: string | null };
type Pages<T> = { pages: Array<Page<T>> };

/** Whose lists these are, as the server's visibility rule takes them. */
export type Viewer = ConversationViewer;

export type DotContext = {
  viewer: Viewer;
  missedAfterSeconds: number;
  /** The members of a team, empty when unknown. */
  teamMembers(teamId: string): string[];
  /** Null when the user is offline. */
  onlineSince(userId: string): Date | null;
  now: Date;
};

const date = (iso: string | null) => (iso === null ? null : new Date(iso));

/** The assignee, else the team's members: whose presence the red dot watches. */
function responsibleIds(conversation: ListedConversation, context: DotContext): string[] {
  if (conversation.assigneeId) return [conversation.assigneeId];
  return conversation.teamId ? context.teamMembers(conversation.teamId) : [];
}

export function dotOf(conversation: ListedConversation, context: DotContext): Dot {
  return statusDot({
    status: conversation.status,
    assigneeId: conversation.assigneeId,
    responsible: responsibleIds(conversation, context).map((userId) => ({ userId, onlineSince: context.onlineSince(userId) })),
    lastInboundAt: date(conversation.lastInboundAt),
    awaitingReplySince: date(conversation.awaitingReplySince),
    readAt: date(conversation.readAt),
    viewerId: context.viewer.userId,
    missedAfterSeconds: context.missedAfterSeconds,
    now: context.now,
  });
}

/** The conversation with its dot worked out again; the same object when the dot stays. */
export function withDot<T extends ListedConversation>(conversation: T, context: DotContext): T {
  const dot = dotOf(conversation, context);
  return dot === conversation.dot ? conversation : { ...conversation, dot };
}

export function isResponsible(conversation: ListedConversation, userId: string, context: DotContext): boolean {
  return responsibleIds(conversation, context).includes(userId);
}

/**
 * When the dot turns red if nothing else happens (the contact's wait, restarted by a responsible
 * user coming online, passes `missedAfterSeconds`); undefined when waiting will not turn it red.
 */
export function redDeadline(conversation: ListedConversation, context: DotContext): number | undefined {
  if (conversation.status !== 'open' || conversation.awaitingReplySince === null) return undefined;
  if (dotOf(conversation, context) === 'red') return undefined;
  const online = responsibleIds(conversation, context).flatMap((userId) => context.onlineSince(userId)?.getTime() ?? []);
  return Math.max(Date.parse(conversation.awaitingReplySince), ...online) + context.missedAfterSeconds * 1000;
}

/** The later of two read times; a read time only moves forward. */
export function laterReadAt(a: string | null | undefined, b: string | null | undefined): string | null {
  if (!a || !b) return a || b || null;
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

/** Whether the conversation is in the list's inbox and status, as the API decides it. A search `q` is not judged here. */
export function belongsIn({ view, status }: ListFilter, conversation: ListedConversation, viewer: Viewer): boolean {
  const { assigneeId, teamId } = conversation;
  if (!canSeeConversation(viewer, conversation)) return false;
  // The blocked inbox holds blocked contacts' conversations whatever their status; no other inbox does.
  if (view === 'blocked') return conversation.blocked;
  if (conversation.blocked || conversation.quarantined || conversation.status !== status) return false;
  if (view === 'mine') return assigneeId === viewer.userId;
  if (view === 'unassigned') return assigneeId === null;
  if (view.startsWith('team:')) return teamId === view.slice('team:'.length);
  return view === 'all';
}

/** Inbox order: newest activity first, then the higher id (the API's keyset). Negative when `a` comes first. */
function inboxOrder(a: ListedConversation, b: ListedConversation): number {
  return Date.parse(b.lastMessageAt) - Date.parse(a.lastMessageAt) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/**
 * A list after one of its conversations changed or appeared: in it when it belongs (in inbox order,
 * among the loaded pages), out of it otherwise. A search list cannot tell whether a conversation it
 * lacks now matches (a new message may), so it asks for a `refetch` then; one it holds keeps
 * matching, since matches only grow with messages.
 */
export function placeInList<T extends ListedConversation, D extends Pages<T>>(
  data: D,
  filter: ListFilter,
  conversation: NoInfer<T>,
  viewer: Viewer,
): { data: D; refetch: boolean } {
  const held = data.pages.some((page) => page.items.some((each) => each.id === conversation.id));
  const belongs = belongsIn(filter, conversation, viewer);
  if (!held && !belongs) return { data, refetch: false };
  if (!held && filter.q.trim()) return { data, refetch: true };
  const pages = held ? data.pages.map((page) => ({ ...page, items: page.items.filter((each) => each.id !== conversation.id) })) : data.pages;
  return { data: { ...data, pages: belongs ? insertInOrder(pages, conversation) : pages }, refetch: false };
}

/** Into the page where inbox order puts it; past the last loaded row of a list with more pages, it waits for its page. */
function insertInOrder<T extends ListedConversation>(pages: Array<Page<T>>, conversation: T): Array<Page<T>> {
  for (const [index, page] of pages.entries()) {
    let at = page.items.findIndex((each) => inboxOrder(conversation, each) < 0);
    if (at < 0 && index === pages.length - 1 && page.nextCursor === null) at = page.items.length;
    if (at >= 0) {
      const items = [...page.items.slice(0, at), conversation, ...page.items.slice(at)];
      return pages.map((each, i) => (i === index ? { ...page, items } : each));
    }
  }
  return pages;
}

/** The list with `update` applied to each conversation; the same object when nothing changed. */
export function mapConversations<T extends ListedConversation, D extends Pages<T>>(data: D, update: (conversation: T) => T): D {
  let changed = false;
  const pages = data.pages.map((page) => {
    const items = page.items.map((each) => {
      const next = update(each);
      if (next !== each) changed = true;
      return next;
    });
    return { ...page, items };
  });
  return changed ? { ...data, pages } : data;
}

export function withoutConversation<T extends ListedConversation, D extends Pages<T>>(data: D, id: string): D {
  if (!data.pages.some((page) => page.items.some((each) => each.id === id))) return data;
  return { ...data, pages: data.pages.map((page) => ({ ...page, items: page.items.filter((each) => each.id !== id) })) };
}
