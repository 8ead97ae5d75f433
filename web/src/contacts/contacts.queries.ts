import { keepPreviousData, type QueryClient, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../api.js';
import { type ContactFilter, type ContactSort, filterParams, type SortOrder } from './contact-filter.js';

type ConversationStatus = 'open' | 'snoozed' | 'closed';

/** A contact as the API answers it (SPEC §2.1). */
export type Contact = {
  id: string;
  firstName: string | null;
  lastName: string | null;
  displayName: string | null;
  email: string | null;
  phone: string | null;
  country: string | null;
  countrySource: 'phone' | 'manual' | null;
  language: string | null;
  assigneeId: string | null;
  tags: string[];
  customFields: Record<string, unknown>;
  blocked: boolean;
  /** Held by the spam rules for review (a pending quarantine decision). */
  quarantined: boolean;
  /** Types of the channels the contact has an identity on. */
  channels: string[];
  conversationStatus: ConversationStatus | null;
  conversationId: string | null;
  lastInteractionAt: string | null;
  createdAt: string;
};

export type ContactPatch = Partial<{
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  country: string | null;
  language: string | null;
  assigneeId: string | null;
  tags: string[];
  customFields: Record<string, unknown>;
}>;

export const customFieldTypes = ['text', 'number', 'date', 'dropdown', 'checkbox', 'email', 'phone', 'url'] as const;
export type CustomFieldType = (typeof customFieldTypes)[number];
export type CustomField = { id: string; key: string; label: string; type: CustomFieldType; options: string[] | null; position: number };

export type Tag = { id: string; name: string; count: number };
export type Segment = { id: string; name: string; builtIn: boolean; filter: Record<string, unknown> };
type Channel = { id: string; type: string; name: string };

type ChannelState = 'active' | 'inactive' | 'unavailable';
export type ContactChannel = { channelId: string; type: string; name: string; state: ChannelState; connectedAt: string | null; identifier: string | null };

type JobStatus = 'queued' | 'running' | 'done' | 'failed';
export type Job = { id: string; type: string; status: JobStatus; progress: number; total: number | null; error: string | null; result: unknown };

type Page<T> = { items: T[]; nextCursor: string | null };

const PAGE_SIZE = 50;

/** The name a person would call the contact by, or null when the contact has none yet. */
export function contactName(contact: Pick<Contact, 'firstName' | 'lastName' | 'displayName' | 'email' | 'phone'>): string | null {
  const name = [contact.firstName, contact.lastName].filter(Boolean).join(' ');
  return name || contact.displayName || contact.email || contact.phone || null;
}

export function useContactList(filter: ContactFilter, sort: ContactSort, order: SortOrder) {
  const query = filterParams(filter);
  query.set('sort', sort);
  query.set('order', order);
  query.set('limit', String(PAGE_SIZE));
  return useInfiniteQuery({
    queryKey: ['contacts', 'list', query.toString()],
    queryFn: ({ pageParam }) => {
      const params = new URLSearchParams(query);
      if (pageParam) params.set('cursor', pageParam);
      return api.get<Page<Contact>>(`/api/v1/contacts?${params}`);
    },
    initialPageParam: '',
    getNextPageParam: (page) => page.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
}

export function useContactCount(filter: ContactFilter) {
  const query = filterParams(filter).toString();
  return useQuery({
    queryKey: ['contacts', 'count', query],
    queryFn: async () => (await api.get<{ count: number }>(`/api/v1/contacts/count?${query}`)).count,
    placeholderData: keepPreviousData,
  });
}

export function useContact(id: string) {
  return useQuery({ queryKey: ['contacts', id], queryFn: () => api.get<Contact>(`/api/v1/contacts/${id}`) });
}

/** A conversation event keeps the contact's cached conversation line current (null: deleted). */
export function followConversation(queryClient: QueryClient, contactId: string, conversation: { id: string; status: ConversationStatus } | null) {
  queryClient.setQueryData<Contact>(['contacts', contactId], (contact) =>
    contact && { ...contact, conversationId: conversation?.id ?? null, conversationStatus: conversation?.status ?? null },
  );
}

export function useContactChannels(id: string) {
  return useQuery({
    queryKey: ['contacts', id, 'channels'],
    queryFn: async () => (await api.get<Page<ContactChannel>>(`/api/v1/contacts/${id}/channels`)).items,
  });
}

/** Changes the fields sent; the answer replaces the cached contact and lists refresh. */
export function useUpdateContact(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (patch: ContactPatch) => api.patch<Contact>(`/api/v1/contacts/${id}`, patch),
    onSuccess: (contact) => {
      queryClient.setQueryData(['contacts', id], contact);
      void queryClient.invalidateQueries({ queryKey: ['contacts', 'list'] });
      void queryClient.invalidateQueries({ queryKey: ['tags'] });
    },
  });
}

export function useCustomFields() {
  return useQuery({
    queryKey: ['custom-fields'],
    queryFn: async () => (await api.get<{ items: CustomField[] }>('/api/v1/custom-fields')).items,
  });
}

/** Tags whose name contains `q`, by name, with how many contacts carry each. */
export const tagsQuery = (q: string, limit: number) => ({
  queryKey: ['tags', q, limit],
  queryFn: async () => (await api.get<Page<Tag>>(`/api/v1/tags?${new URLSearchParams({ q, limit: String(limit) })}`)).items,
});

export function useTags(q = '', limit = 20) {
  return useQuery({ ...tagsQuery(q, limit), placeholderData: keepPreviousData });
}

export function useSegments() {
  return useQuery({
    queryKey: ['segments'],
    queryFn: async () => (await api.get<Page<Segment>>('/api/v1/segments')).items,
  });
}

export function useChannels() {
  return useQuery({
    queryKey: ['channels'],
    queryFn: async () => (await api.get<{ items: Channel[] }>('/api/v1/channels')).items,
  });
}

export const isFinished = (job: Job | undefined) => job?.status === 'done' || job?.status === 'failed';

/** A background job: `job.updated` events keep it current; polling covers a lost connection. */
export function useJob(id: string) {
  return useQuery({
    queryKey: ['jobs', id],
    queryFn: () => api.get<Job>(`/api/v1/jobs/${id}`),
    refetchInterval: (query) => (isFinished(query.state.data) ? false : 2000),
  });
}

type BulkAction = 'tag' | 'untag' | 'export' | 'delete' | 'block' | 'unblock';

/** Which contacts a bulk action applies to: chosen ones, all that match a filter, or every contact. */
export type BulkSelection = { contactIds: string[] } | { filter: ContactFilter } | { all: true };

export async function startBulkJob(action: BulkAction, selection: BulkSelection, tags?: string[]): Promise<Job> {
  return (await api.post<{ job: Job }>('/api/v1/contacts/bulk', { action, ...selection, tags })).job;
}

/**
 * Uploads a CSV with its column mapping as multipart form data (the JSON client cannot), and
 * answers the queued import job.
 */
export async function startImport(file: File, mapping: Record<string, string>): Promise<Job> {
  const body = new FormData();
  body.append('mapping', JSON.stringify(mapping));
  body.append('file', file);
  let response: Response;
  try {
    response = await fetch('/api/v1/contacts/import', { method: 'POST', credentials: 'same-origin', body, headers: { accept: 'application/json' } });
  } catch {
    throw new ApiError(0, 'network_error', 'The server cannot be reached');
  }
  const payload = (await response.json().catch(() => undefined)) as { job?: Job; error?: { code?: string; message?: string; field?: string } } | undefined;
  if (!response.ok || !payload?.job) {
    const error = payload?.error;
    throw new ApiError(response.status, error?.code ?? 'http_error', error?.message ?? `HTTP ${response.status}`, error?.field);
  }
  return payload.job;
}
