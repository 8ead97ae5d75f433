import type { EmailContent } from './EmailMessage.js';
import { type InfiniteData, keepPreviousData, type QueryClient, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../api.js';
import { refreshWhenBlocked } from '../blocking/blocking.queries.js';
import type { PresenceClock } from '../realtime/presence.js';
import type { Me } from '../session/session.js';
import type { Team } from '../workspace/workspace.queries.js';
import {
  type ConversationStatus,
  type Dot,
  type DotContext,
  dotOf,
  isResponsible,
  laterReadAt,
  type ListedConversation,
  type ListFilter,
  mapConversations,
  type Page,
  placeInList,
  type Viewer,
  withDot,
  withoutConversation,
} from './conversation-lists.js';

export type { ConversationStatus, Dot, ListFilter };

export type Conversation = ListedConversation & {
  contactId: string;
  snoozedUntil: string | null;
  contact: { id: string; name: string | null; avatarUrl: string | null };
  /** The channel the contact last wrote on. */
  channel: { id: string; type: string; name: string } | null;
  lastMessage: { text: string; direction: 'in' | 'out'; type: 'message' | 'comment'; createdAt: string } | null;
};

/** What `conversation.updated` carries: the same for every user, so no read time and no dot; `readBy` who read it since the contact last wrote. */
export type ConversationSummary = Omit<Conversation, 'readAt' | 'dot'> & { readBy: string[] };

export type Attachment = { id: string; fileName: string; contentType: string; size: number; url: string };

export type MessageStatus = 'received' | 'pending' | 'sent' | 'delivered' | 'read' | 'failed';

/** What an inbound message is besides its text: a photo, a location, a shared contact, a kind we cannot show. */
export type MessageContent =
  | { kind: 'image' | 'audio' | 'video' | 'document' | 'sticker'; fileName?: string }
  | { kind: 'location'; latitude: number; longitude: number; name?: string; address?: string }
  | { kind: 'contacts'; contacts: Array<{ name: string; phones: string[] }> }
  | { kind: 'unsupported'; providerType: string }
  | EmailContent;

export type Message = {
  id: string;
  conversationId: string;
  direction: 'in' | 'out';
  type: 'message' | 'comment';
  text: string;
  status: MessageStatus;
  error: string | null;
  /** The provider's code of a failure (`whatsapp:131047`), worded in the reader's language where known. */
  errorCode?: string | null;
  content?: MessageContent | null;
  tag?: string | null;
  authorId: string | null;
  attachments: Attachment[];
  /** Received while the contact was blocked: listed only when asked for (`includeHidden`). */
  hidden?: boolean;
  createdAt: string;
  updatedAt: string;
};

export type SavedReply = { id: string; shortcut: string; text: string };

type ListData = InfiniteData<Page<Conversation>>;

const PAGE_SIZE = 30;

export const conversationKeys = {
  lists: ['conversations', 'list'] as const,
  list: (filter: ListFilter) => ['conversations', 'list', filter] as const,
  details: ['conversations', 'detail'] as const,
  detail: (id: string) => ['conversations', 'detail', id] as const,
};

const messagesKey = (conversationId: string) => ['messages', conversationId] as const;

function withCursor(path: string, cursor: string | null) {
  return cursor ? `${path}&cursor=${encodeURIComponent(cursor)}` : path;
}

/** The blocked inbox holds closed conversations only, so it ignores the status filter. */
function listPath({ view, status, q }: ListFilter) {
  const query = new URLSearchParams({ inbox: view, limit: String(PAGE_SIZE) });
  if (view !== 'blocked') query.set('status', status);
  if (q.trim()) query.set('q', q.trim());
  return `/api/v1/conversations?${query}`;
}

/** The inbox's conversation list, newest activity first, one page at a time. */
export function useConversationList(filter: ListFilter) {
  return useInfiniteQuery({
    queryKey: conversationKeys.list(filter),
    queryFn: ({ pageParam }) => api.get<Page<Conversation>>(withCursor(listPath(filter), pageParam)),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.nextCursor,
    // While a new search or filter loads, the previous rows stay instead of a blank list.
    placeholderData: keepPreviousData,
    // A list that cannot load says so within a second or two (Retry is beside it), not after 5–8 s of retries.
    retry: (failures, error) => failures < 1 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
    retryDelay: 500,
  });
}

export function useConversation(id: string) {
  return useQuery({ queryKey: conversationKeys.detail(id), queryFn: () => api.get<Conversation>(`/api/v1/conversations/${id}`) });
}

/**
 * Messages of one conversation; the API pages newest first, so each further page is older.
 * `includeHidden` adds those received while the contact was blocked; the shown ones stay while they load.
 */
export function useMessages(conversationId: string, includeHidden = false) {
  const path = `/api/v1/conversations/${conversationId}/messages?limit=50${includeHidden ? '&includeHidden=true' : ''}`;
  return useInfiniteQuery({
    queryKey: includeHidden ? [...messagesKey(conversationId), 'includeHidden'] : messagesKey(conversationId),
    queryFn: ({ pageParam }) => api.get<Page<Message>>(withCursor(path, pageParam)),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.nextCursor,
    placeholderData: keepPreviousData,
  });
}

/**
 * Puts a message into its conversation's caches (with and without hidden ones): replaces it when
 * known, else adds it as the newest. An answer and an event may arrive in either order (a reply's
 * `sent` before the answer saying `pending`): the later version of the message wins.
 */
export function storeMessage(queryClient: QueryClient, message: Message) {
  queryClient.setQueriesData<InfiniteData<Page<Message>>>({ queryKey: messagesKey(message.conversationId) }, (data) => {
    if (!data) return data;
    const current = data.pages.flatMap((page) => page.items).find((each) => each.id === message.id);
    if (current && Date.parse(current.updatedAt) > Date.parse(message.updatedAt)) return data;
    if (current) {
      return { ...data, pages: data.pages.map((page) => ({ ...page, items: page.items.map((each) => (each.id === message.id ? message : each)) })) };
    }
    const [newest, ...older] = data.pages;
    return { ...data, pages: [{ ...newest!, items: [message, ...newest!.items] }, ...older] };
  });
}

/** The answer of an action on the open conversation; the lists follow the event the server publishes for it. */
function useStoreConversation() {
  const queryClient = useQueryClient();
  return (conversation: Conversation) => queryClient.setQueryData(conversationKeys.detail(conversation.id), conversation);
}

export function useMarkRead() {
  const store = useStoreConversation();
  return useMutation({ mutationFn: (id: string) => api.post<Conversation>(`/api/v1/conversations/${id}/read`), onSuccess: store });
}

type ConversationAction =
  | { type: 'close' }
  | { type: 'open' }
  | { type: 'snooze'; until: Date }
  | { type: 'assign'; assigneeId?: string | null; teamId?: string | null };

export function useConversationAction(id: string) {
  const queryClient = useQueryClient();
  const store = useStoreConversation();
  return useMutation({
    mutationFn: (action: ConversationAction) => {
      const path = `/api/v1/conversations/${id}/${action.type}`;
      if (action.type === 'snooze') return api.post<Conversation>(path, { until: action.until.toISOString() });
      if (action.type === 'assign') return api.post<Conversation>(path, { assigneeId: action.assigneeId, teamId: action.teamId });
      return api.post<Conversation>(path);
    },
    onSuccess: store,
    onError: (error) => refreshWhenBlocked(queryClient, error),
  });
}

export function useDeleteConversation(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api.delete(`/api/v1/conversations/${id}`),
    onSuccess: () => forgetConversation(queryClient, id),
  });
}

/** A deleted conversation leaves the lists; whoever has it open sees it is gone when its refetch answers 404. */
export function forgetConversation(queryClient: QueryClient, id: string) {
  queryClient.removeQueries({ queryKey: messagesKey(id), type: 'inactive' });
  updateLists(queryClient, (data) => withoutConversation(data, id));
  void queryClient.invalidateQueries({ queryKey: conversationKeys.detail(id) });
}

// The lists are kept current from events rather than refetched (with many agents and many inbound
// messages a second, refetching every list on every event multiplies the load by the agents):
// each conversation's place and dot are worked out here, by the rules the server uses.

export function viewerOf(me: Me): Viewer {
  return { userId: me.user.id, role: me.user.role, teamIds: me.teamIds, agentsSeeAll: me.workspace.settings.agentsSeeAll };
}

/** What this user's dots depend on, from what the app has loaded; undefined when nobody is signed in. */
export function dotContext(queryClient: QueryClient, presence: PresenceClock, now = new Date()): DotContext | undefined {
  const me = queryClient.getQueryData<Me | null>(['me']);
  if (!me) return undefined;
  const teams = queryClient.getQueryData<Team[]>(['teams']);
  return {
    viewer: viewerOf(me),
    missedAfterSeconds: me.workspace.settings.missedAfterSeconds,
    teamMembers: (teamId) => teams?.find((team) => team.id === teamId)?.memberIds ?? [],
    onlineSince: presence.onlineSince,
    now,
  };
}

/** Applies `change` to each cached list, writing back only those it changed. */
function updateLists(queryClient: QueryClient, change: (data: ListData, filter: ListFilter) => ListData) {
  for (const [queryKey, data] of queryClient.getQueriesData<ListData>({ queryKey: conversationKeys.lists })) {
    if (!data) continue;
    const next = change(data, queryKey[2] as ListFilter);
    if (next !== data) queryClient.setQueryData(queryKey, next);
  }
}

/** Applies `update` to each cached conversation, in lists and opened. */
function updateConversations(queryClient: QueryClient, update: (conversation: Conversation) => Conversation) {
  updateLists(queryClient, (data) => mapConversations(data, update));
  for (const [queryKey, current] of queryClient.getQueriesData<Conversation>({ queryKey: conversationKeys.details })) {
    const next = current && update(current);
    if (next !== current) queryClient.setQueryData(queryKey, next);
  }
}

/** The latest time this user read the conversation, as far as anything cached knows. */
function knownReadAt(queryClient: QueryClient, id: string): string | null {
  let readAt = queryClient.getQueryData<Conversation>(conversationKeys.detail(id))?.readAt ?? null;
  for (const [, data] of queryClient.getQueriesData<ListData>({ queryKey: conversationKeys.lists })) {
    for (const page of data?.pages ?? []) for (const each of page.items) if (each.id === id) readAt = laterReadAt(readAt, each.readAt);
  }
  return readAt;
}

/**
 * `conversation.updated`: into each list whose inbox and status it now has (in inbox order), out
 * of the others, with this user's dot. A search list that may now match refetches, at most once a
 * second.
 */
export function applyConversationUpdate(queryClient: QueryClient, summary: ConversationSummary, context: DotContext) {
  const { readBy, ...fields } = summary;
  // Reading it after the contact's last message is all the dot needs of the read time.
  const readAt = laterReadAt(knownReadAt(queryClient, fields.id), readBy.includes(context.viewer.userId) ? fields.lastInboundAt : null);
  const conversation: Conversation = { ...fields, readAt, dot: 'none' };
  conversation.dot = dotOf(conversation, context);
  queryClient.setQueryData<Conversation>(conversationKeys.detail(conversation.id), (current) => current && { ...current, ...conversation });
  let searchMayChange = false;
  updateLists(queryClient, (data, filter) => {
    const placed = placeInList(data, filter, conversation, context.viewer);
    searchMayChange ||= placed.refetch;
    return placed.data;
  });
  if (searchMayChange) refetchSearchesSoon(queryClient);
}

/** `conversation.read` by this user (here or in another tab). */
export function applyRead(queryClient: QueryClient, id: string, readAt: string, context: DotContext) {
  updateConversations(queryClient, (each) => (each.id === id ? withDot({ ...each, readAt: laterReadAt(each.readAt, readAt) }, context) : each));
}

/** Dots worked out again at `context.now`: of every cached conversation, or of those `userId` answers for (their presence changed). */
export function refreshDots(queryClient: QueryClient, context: DotContext, userId?: string) {
  updateConversations(queryClient, (each) => (userId === undefined || isResponsible(each, userId, context) ? withDot(each, context) : each));
}

const SEARCH_REFETCH_MS = 1000;
const searchRefetches = new WeakMap<QueryClient, ReturnType<typeof setTimeout>>();

/** Search lists are judged by the server; during a flood of messages they refetch once a second, not once a message. */
function refetchSearchesSoon(queryClient: QueryClient) {
  if (searchRefetches.has(queryClient)) return;
  const timer = setTimeout(() => {
    searchRefetches.delete(queryClient);
    void queryClient.invalidateQueries({ queryKey: conversationKeys.lists, predicate: (query) => (query.queryKey[2] as ListFilter).q.trim() !== '' });
  }, SEARCH_REFETCH_MS);
  searchRefetches.set(queryClient, timer);
}

/** `channelId`: the channel the composer's window chose; `template`: a pre-approved message instead of text (SPEC §7). */
type OutgoingMessage = {
  type: 'reply' | 'comment';
  text: string;
  attachmentIds: string[];
  mentions: string[];
  channelId?: string;
  template?: { name: string; language: string; parameters: string[] };
};

export function useSendMessage(conversationId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (message: OutgoingMessage) =>
      api.post<Message>(`/api/v1/conversations/${conversationId}/messages`, {
        type: message.type,
        ...(message.template ? { template: message.template } : { text: message.text }),
        ...(message.channelId && { channelId: message.channelId }),
        ...(message.attachmentIds.length > 0 && { attachmentIds: message.attachmentIds }),
        ...(message.mentions.length > 0 && { mentions: message.mentions }),
      }),
    onSuccess: (message) => {
      storeMessage(queryClient, message);
      // A reply spends one of a counted window's messages (WeChat): the composer shows what is left.
      if (message.type === 'message') void queryClient.invalidateQueries({ queryKey: ['window'] });
    },
    onError: (error) => {
      refreshWhenBlocked(queryClient, error);
      void queryClient.invalidateQueries({ queryKey: ['window'] });
    },
  });
}

/** Sends a failed reply again; its outcome arrives as `message.updated`. */
export function useRetryMessage(conversationId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (messageId: string) => api.post<Message>(`/api/v1/conversations/${conversationId}/messages/${messageId}/retry`),
    onSuccess: (message) => storeMessage(queryClient, message),
    onError: (error) => refreshWhenBlocked(queryClient, error),
  });
}

/** Saved replies whose shortcut or text contains `q`, for the composer's `/` search. */
export function useSavedReplySearch(q: string | undefined) {
  return useQuery({
    queryKey: ['saved-replies', 'search', q],
    enabled: q !== undefined,
    queryFn: async () => (await api.get<Page<SavedReply>>(`/api/v1/saved-replies?limit=8&q=${encodeURIComponent(q ?? '')}`)).items,
    placeholderData: (previous) => previous,
  });
}
