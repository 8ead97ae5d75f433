import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api.js';

export type SpamReason = { signal: string; detail: string; weight: number };

export type SpamDecision = {
  id: string;
  contactId: string;
  messageId: string;
  action: 'quarantine' | 'block';
  reasons: SpamReason[];
  score: number;
  createdAt: string;
  reversedAt: string | null;
};

export type DecisionState = 'active' | 'reversed';

export const spamActions = ['none', 'quarantine', 'block'] as const;
export type SpamAction = (typeof spamActions)[number];

export type ChannelSpamSettings = { action: SpamAction; threshold: number };

export type SpamSettings = {
  blockedDomains: string[];
  burstPerMinute: number;
  repeatedTextContacts: number;
  channels: Record<string, ChannelSpamSettings>;
};

export function useSpamDecisions(state: DecisionState) {
  return useQuery({
    queryKey: ['spam', 'decisions', state],
    queryFn: async () => (await api.get<{ items: SpamDecision[] }>(`/api/v1/spam/decisions?state=${state}`)).items,
  });
}

/** "Not spam": a quarantined message goes to the inbox, an auto-blocked contact is unblocked. */
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
