import { type QueryClient, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router-dom';
import { api, ApiError } from '../api.js';
import type { Language } from '../i18n/i18n.js';
import type { User, WorkspaceSettings } from '../workspace/workspace.queries.js';

export type Me = {
  user: User;
  workspace: { id: string; name: string; settings: WorkspaceSettings };
  teamIds: string[];
};

export function useSetupStatus() {
  return useQuery({ queryKey: ['setup'], queryFn: () => api.get<{ setUp: boolean }>('/api/v1/setup'), staleTime: Infinity });
}

/** `null` when nobody is signed in in this browser. */
export function useMeQuery(options: { enabled?: boolean } = {}) {
  return useQuery({
    queryKey: ['me'],
    enabled: options.enabled,
    queryFn: async (): Promise<Me | null> => {
      try {
        return await api.get<Me>('/api/v1/me');
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return null;
        throw error;
      }
    },
  });
}

/** The signed-in user; only for components rendered inside the signed-in app. */
export function useSession(): Me {
  const { data } = useMeQuery();
  if (!data) throw new Error('useSession needs a signed-in user');
  return data;
}

export function useSignIn() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (credentials: { email: string; password: string }) => api.post('/api/v1/auth/login', credentials),
    onSuccess: () => queryClient.refetchQueries({ queryKey: ['me'] }),
  });
}

export function useCreateWorkspace() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: { workspaceName: string; name: string; email: string; password: string }) => api.post('/api/v1/setup', input),
    onSuccess: async () => {
      queryClient.setQueryData(['setup'], { setUp: true });
      await queryClient.refetchQueries({ queryKey: ['me'] });
    },
    onError: (error) => {
      if (error instanceof ApiError && error.code === 'already_set_up') queryClient.setQueryData(['setup'], { setUp: true });
    },
  });
}

export function useSignOut() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return useMutation({
    mutationFn: () => api.post('/api/v1/auth/logout'),
    onSettled: () => {
      forgetSession(queryClient);
      navigate('/', { replace: true });
    },
  });
}

/** Back to the login page, dropping everything cached for the previous user. */
export function forgetSession(queryClient: QueryClient) {
  queryClient.setQueryData(['me'], null);
  queryClient.removeQueries({ predicate: (query) => !['me', 'setup'].includes(query.queryKey[0] as string) });
}

export function useChangeLanguage() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (language: Language) => api.patch<User>('/api/v1/me', { language }),
    onSuccess: (user) => queryClient.setQueryData<Me | null>(['me'], (me) => (me ? { ...me, user } : me)),
  });
}

export function useChangeOwnPassword() {
  return useMutation({
    mutationFn: (input: { currentPassword: string; newPassword: string }) => api.post('/api/v1/me/password', input),
  });
}
