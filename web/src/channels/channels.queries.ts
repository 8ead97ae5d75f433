import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api.js';

export type ChannelStatus = 'active' | 'paused';
export type TestResult = { ok: true; detail: string; at: string } | { ok: false; error: string; at: string };

/** A channel as the API shows it; owners and managers also get its settings (never secrets), webhook URL and last test. */
export type Channel = {
  id: string;
  type: string;
  name: string;
  status: ChannelStatus;
  lastActivityAt: string | null;
  createdAt: string;
  settings?: Record<string, unknown>;
  secretsSet?: string[];
  webhookUrl?: string;
  lastTest?: TestResult | null;
  webhookVerifiedAt?: string | null;
  /** The website chat's script tag, to paste into a site's pages. */
  embedCode?: string;
};

export type SettingsField = {
  key: string;
  kind: 'text' | 'secret' | 'url' | 'number' | 'boolean' | 'list' | 'generated' | 'color' | 'choice';
  required: boolean;
  default?: string | number | boolean;
  options?: string[];
};

export type TemplateSupport = { placeholders: 'numbered' | 'named'; categories?: string[]; namePattern: string | null; maxBodyLength: number; fields?: Array<{ key: string; required: boolean; maxLength: number }> };

/** What the server says about a channel type: the connect form is drawn from it. */
export type ChannelType = {
  type: string;
  form: SettingsField[];
  webhook: { handshake: boolean };
  /** `smtp`: messages arrive at the server's SMTP listener (email), not at the webhook URL. */
  inbound: 'webhook' | 'smtp';
  testConnection: boolean;
  templates: TemplateSupport | null;
  firstContact: 'phone' | 'email' | null;
  maxTextLength: number | null;
};

export type Template = {
  id: string;
  channelId: string;
  name: string;
  language: string;
  category: string | null;
  body: string;
  fields: Record<string, string>;
  placeholders: string[];
};

const channelKeys = { all: ['channels'] as const, types: ['channel-types'] as const };

export function useChannels() {
  return useQuery({ queryKey: channelKeys.all, queryFn: async () => (await api.get<{ items: Channel[] }>('/api/v1/channels')).items });
}

export function useChannelTypes() {
  return useQuery({ queryKey: channelKeys.types, staleTime: Infinity, queryFn: async () => (await api.get<{ items: ChannelType[] }>('/api/v1/channel-types')).items });
}

export function useSaveChannel(id?: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: { type?: string; name?: string; settings?: Record<string, unknown>; status?: ChannelStatus }) =>
      id ? api.patch<Channel>(`/api/v1/channels/${id}`, input) : api.post<Channel>('/api/v1/channels', input),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: channelKeys.all }),
  });
}

export function useTestChannel() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.post<TestResult>(`/api/v1/channels/${id}/test`),
    onSettled: () => queryClient.invalidateQueries({ queryKey: channelKeys.all }),
  });
}

export function useRemoveChannel() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.delete(`/api/v1/channels/${id}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: channelKeys.all }),
  });
}

/** A channel's templates, all of them: a channel keeps a handful to a few hundred. */
export function useTemplates(channelId: string | undefined) {
  return useQuery({
    queryKey: ['templates', channelId],
    enabled: channelId !== undefined,
    queryFn: async () => {
      const templates: Template[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
        const page: { items: Template[]; nextCursor: string | null } = await api.get(`/api/v1/templates?limit=200&channelId=${channelId}${query}`);
        templates.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      return templates;
    },
  });
}

export function useSaveTemplate(id?: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: { channelId?: string; name: string; language: string; category: string | null; body: string; fields?: Record<string, string> }) =>
      id ? api.patch<Template>(`/api/v1/templates/${id}`, input) : api.post<Template>('/api/v1/templates', input),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['templates'] }),
  });
}

export function useRemoveTemplate() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.delete(`/api/v1/templates/${id}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['templates'] }),
  });
}
