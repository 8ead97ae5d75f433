import { type InfiniteData, keepPreviousData, type QueryClient, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api.js';
import { refreshWhenBlocked } from '../blocking/blocking.queries.js';

export type ConversationStatus = 'open' | 'snoozed' | 'closed';
export type Dot = 'none' | 'purple' | 'red';

export type Conversation = {
  id: string;
  contactId: string;
  status: ConversationStatus;
  snoozedUntil: string | null;
  blocked: boolean;
  assigneeId: string | null;
  teamId: string | null;
  lastMessageAt: string;
  lastInboundAt: string | null;
  awaitingReplySince: string | null;
  contact: { id: string; name: string | null; avatarUrl: string | null };
  lastMessage: { text: string; direction: 'in' | 'out'; type: 'message' | 'comment'; createdAt: string } | null;
  dot: Dot;
};

export type Attachment = { id: string; fileName: string; contentType: string; size: number; url: string };

export type MessageStatus = 'received' | 'pending' | 'sent' | 'delivered' | 'read' | 'failed';

export type Message = {
  id: string;
  conversationId: string;
  direction: 'in' | 'out';
  type: 'message' | 'comment';
  text: string;
  status: MessageStatus;
  error: string | null;
  authorId: string | null;
  attachments: Attachment[];
  /** Received while the contact was blocked: listed only when asked for (`includeHidden`). */
  hidden?: boolean;
  createdAt: string;
};

export type SavedReply = { id: string; shortcut: string; text: string };

type Page<T> = { items: T[]; nextCursor: string | null };

/** `view` is the inbox as the API names it: `mine`, `unassigned`, `all`, `blocked` or `team:<id>`. */
export type ListFilter = { view: string; status: ConversationStatus; q: string };

const PAGE_SIZE = 30;

export const conversationKeys = {
  lists: ['conversations', 'list'] as const,
  list: (filter: ListFilter) => ['conversations', 'list', filter] as const,
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

/** Puts a message into its conversation's caches (with and without hidden ones): replaces it when known, else adds it as the newest. */
export function storeMessage(queryClient: QueryClient, message: Message) {
  queryClient.setQueriesData<InfiniteData<Page<Message>>>({ queryKey: messagesKey(message.conversationId) }, (data) => {
    if (!data) return data;
    const known = data.pages.some((page) => page.items.some((each) => each.id === message.id));
    if (known) {
      return { ...data, pages: data.pages.map((page) => ({ ...page, items: page.items.map((each) => (each.id === message.id ? message : each)) })) };
    }
    const [newest, ...older] = data.pages;
    return { ...data, pages: [{ ...newest!, items: [message, ...newest!.items] }, ...older] };
  });
}

function useStoreConversation() {
  const queryClient = useQueryClient();
  return (conversation: Conversation) => {
    queryClient.setQueryData(conversationKeys.detail(conversation.id), conversation);
    void queryClient.invalidateQueries({ queryKey: conversationKeys.lists });
  };
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
  void queryClient.invalidateQueries({ queryKey: ['conversations'] });
}

type OutgoingMessage = { type: 'reply' | 'comment'; text: string; attachmentIds: string[]; mentions: string[] };

export function useSendMessage(conversationId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (message: OutgoingMessage) =>
      api.post<Message>(`/api/v1/conversations/${conversationId}/messages`, {
        type: message.type,
        text: message.text,
        ...(message.attachmentIds.length > 0 && { attachmentIds: message.attachmentIds }),
        ...(message.mentions.length > 0 && { mentions: message.mentions }),
      }),
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
