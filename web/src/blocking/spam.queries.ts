import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api.js';

/**
 * Why the rules acted: a signal, what it added to the score and its parameters (`burst`:
 * messages, limit, windowSeconds; `blocked_domain`, `url_shortener`: domains; `repeated_text`:
 * contacts, limit, windowSeconds). Read tolerantly: a reason in an unknown shape still shows.
 */
export type SpamReason = { signal: string; weight: number; [param: string]: unknown };

export type DecisionState = 'active' | 'reversed';

/** What the spam rules did to an inbound message, as the review list shows it. */
export type SpamDecision = {
  id: string;
  action: 'quarantine' | 'block';
  score: number;
  reasons: SpamReason[];
  contact: { id: string; name: string | null };
  /** The message that crossed the threshold, shortened; null once its conversation was deleted. */
  message: { text: string } | null;
  createdAt: string;
  reversedAt: string | null;
};

export const spamActions = ['none', 'quarantine', 'block'] as const;
export type SpamAction = (typeof spamActions)[number];

export type ChannelSpamSettings = { action: SpamAction; threshold: number };

export type SpamSettings = {
  blockedDomains: string[];
  burstPerMinute: number;
  repeatedTextContacts: number;
  /** By channel id; a channel not listed takes no action. */
  channels: Record<string, ChannelSpamSettings>;
};

type Page<T> = { items: T[]; nextCursor: string | null };

/** Newest first, a page at a time; `spam.decision.*` events refresh them. */
export function useSpamDecisions(state: DecisionState) {
  return useInfiniteQuery({
    queryKey: ['spam', 'decisions', state],
    queryFn: ({ pageParam }) =>
      api.get<Page<SpamDecision>>(`/api/v1/spam/decisions?${new URLSearchParams({ state, limit: '30', ...(pageParam && { cursor: pageParam }) })}`),
    initialPageParam: '',
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  });
}

/** "Not spam": a quarantined conversation joins the inbox, an auto-blocked contact is unblocked. Answers the reversed decision. */
export function useReverseDecision() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.post<SpamDecision>(`/api/v1/spam/decisions/${id}/reverse`),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['spam', 'decisions'] });
      void queryClient.invalidateQueries({ queryKey: ['conversations'] });
      void queryClient.invalidateQueries({ queryKey: ['contacts'] });
    },
  });
}

export function useSpamSettings() {
  return useQuery({ queryKey: ['spam', 'settings'], queryFn: () => api.get<SpamSettings>('/api/v1/spam/settings') });
}

export function useSaveSpamSettings() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (settings: SpamSettings) => api.patch<SpamSettings>('/api/v1/spam/settings', settings),
    onSuccess: (saved) => queryClient.setQueryData(['spam', 'settings'], saved),
  });
}
