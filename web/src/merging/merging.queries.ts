import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api.js';
import { may } from '../session/permissions.js';
import { useSession } from '../session/session.js';

export type MatchField = 'phone' | 'email';
export type Reason = { field: MatchField; value: string };
export type ContactSummary = { id: string; firstName: string | null; lastName: string | null; displayName: string | null; email: string | null; phone: string | null };
export type Suggestion = { contactIds: [string, string]; reasons: Reason[]; contacts: ContactSummary[] };
export type DuplicateGroup = { contactIds: string[]; reasons: Reason[]; size: number; contacts: ContactSummary[] };
export type Side = 'primary' | 'secondary';
export type UndoBlocker = 'merge_already_undone' | 'merge_superseded' | 'merge_contact_deleted' | 'contact_blocked' | 'merge_conversation_deleted';
export type MergeItem = {
  id: string;
  primary: { id: string; exists: boolean; name: string | null };
  secondary: { id: string; exists: boolean; name: string | null };
  fields: Record<string, Side>;
  mergedBy: string | null;
  mergedAt: string;
  undoneBy: string | null;
  undoneAt: string | null;
  undoBlocker: UndoBlocker | null;
};

type Page<T> = { items: T[]; nextCursor: string | null };

// Keys start with 'contacts': every contact event (a merge included) makes them stale.
const suggestionsKey = (contactId: string) => ['contacts', contactId, 'merge-suggestions'];
const groupsKey = ['contacts', 'merge-suggestions'];
const historyKey = ['contacts', 'merges'];

/** Whether the signed-in user may merge (SPEC §1): owners and managers, agents where the workspace allows it. */
export function useMayMerge(): boolean {
  const { user, workspace } = useSession();
  return may(user.role, 'contacts.merge') || (user.role === 'agent' && workspace.settings.agentsMayMerge);
}

export function useMergeSuggestions(contactId: string, enabled: boolean) {
  return useQuery({
    queryKey: suggestionsKey(contactId),
    queryFn: async () => (await api.get<{ items: Suggestion[] }>(`/api/v1/contacts/${contactId}/merge-suggestions`)).items,
    enabled,
  });
}

export function useDuplicateGroups(enabled: boolean) {
  return useInfiniteQuery({
    queryKey: groupsKey,
    queryFn: ({ pageParam }) => api.get<Page<DuplicateGroup>>(`/api/v1/contacts/merge-suggestions?limit=10${pageParam ? `&cursor=${pageParam}` : ''}`),
    initialPageParam: '',
    getNextPageParam: (page) => page.nextCursor ?? undefined,
    enabled,
  });
}

export function useMergeHistory() {
  return useInfiniteQuery({
    queryKey: historyKey,
    queryFn: ({ pageParam }) => api.get<Page<MergeItem>>(`/api/v1/merges?limit=25${pageParam ? `&cursor=${pageParam}` : ''}`),
    initialPageParam: '',
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  });
}

/** After a merge or an undo every contact view may have changed, and conversations moved. */
function useRefreshAfterMerge() {
  const queryClient = useQueryClient();
  return async () => {
    await queryClient.invalidateQueries({ queryKey: ['contacts'] });
    await queryClient.invalidateQueries({ queryKey: ['conversations'] });
  };
}

export function useMerge() {
  const refresh = useRefreshAfterMerge();
  return useMutation({
    mutationFn: (input: { primaryId: string; secondaryId: string; fields: Record<string, Side> }) =>
      api.post<{ merge: MergeItem; contact: { id: string } }>('/api/v1/contacts/merge', input),
    onSuccess: refresh,
  });
}

export function useUndoMerge() {
  const refresh = useRefreshAfterMerge();
  return useMutation({
    mutationFn: (mergeId: string) => api.post<{ merge: MergeItem }>(`/api/v1/merges/${mergeId}/undo`),
    onSuccess: refresh,
  });
}

export function useDismissSuggestion() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (contactIds: [string, string]) => api.post<void>('/api/v1/contacts/merge-suggestions/dismissals', { contactIds }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['contacts'] }),
  });
}

export function summaryName(contact: Pick<ContactSummary, 'firstName' | 'lastName' | 'displayName' | 'email' | 'phone'>): string | null {
  return [contact.firstName, contact.lastName].filter(Boolean).join(' ') || contact.displayName || contact.email || contact.phone || null;
}
