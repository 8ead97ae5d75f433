import { useQuery } from '@tanstack/react-query';
import { api } from '../api.js';

export type MonthlyActiveContacts = { month: string; activeContacts: number };

/** The last `months` calendar months (UTC), newest first: the current month leads. */
export function useMacHistory(months = 12) {
  return useQuery({
    queryKey: ['usage', 'mac', 'history', months],
    queryFn: async () => (await api.get<{ items: MonthlyActiveContacts[] }>(`/api/v1/usage/mac/history?months=${months}`)).items,
  });
}
