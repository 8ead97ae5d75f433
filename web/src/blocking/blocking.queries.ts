import { type QueryClient, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../api.js';
import type { Contact } from '../contacts/contacts.queries.js';

/** Conversations and contacts both show whether a contact is blocked, and it decides their inbox and segment. */
function refreshBlockedState(queryClient: QueryClient) {
  void queryClient.invalidateQueries({ queryKey: ['conversations'] });
  void queryClient.invalidateQueries({ queryKey: ['contacts'] });
}

/** Blocks or unblocks one contact (SPEC §2.6); every role may, from the Inbox. Both are idempotent. */
export function useSetBlocked(contactId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (blocked: boolean) =>
      (await api.post<{ contact: Contact }>(`/api/v1/contacts/${contactId}/${blocked ? 'block' : 'unblock'}`)).contact,
    onSuccess: () => refreshBlockedState(queryClient),
  });
}

/** A 409 `contact_blocked` means someone blocked the contact meanwhile: fetch the state that explains the refusal. */
export function refreshWhenBlocked(queryClient: QueryClient, error: unknown) {
  if (error instanceof ApiError && error.code === 'contact_blocked') refreshBlockedState(queryClient);
}
