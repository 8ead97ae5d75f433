import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api.js';
import type { Role } from '../session/permissions.js';

export type Invitation = { id: string; email: string; name: string; role: Role; expiresAt: string; createdAt: string };

const key = ['invitations'] as const;

export function useInvitations() {
  return useQuery({ queryKey: key, queryFn: async () => (await api.get<{ items: Invitation[] }>('/api/v1/invitations')).items });
}

export function useInvite() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: { email: string; name: string; role: Role }) => api.post<Invitation>('/api/v1/invitations', input),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: key }),
  });
}

export function useWithdrawInvitation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.delete(`/api/v1/invitations/${id}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: key }),
  });
}
