import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api.js';
import type { NotificationSettings } from './notification-rules.js';

const key = ['notification-settings'] as const;

export function useNotificationSettings() {
  return useQuery({ queryKey: key, queryFn: () => api.get<NotificationSettings>('/api/v1/me/notifications') });
}

export function useUpdateNotificationSettings() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (patch: Partial<NotificationSettings>) => api.patch<NotificationSettings>('/api/v1/me/notifications', patch),
    // Shown at once; the server's answer (or, on failure, a fresh read) settles it.
    onMutate: (patch) => queryClient.setQueryData<NotificationSettings>(key, (current) => current && { ...current, ...patch }),
    onSuccess: (settings) => queryClient.setQueryData(key, settings),
    onError: () => queryClient.invalidateQueries({ queryKey: key }),
  });
}
