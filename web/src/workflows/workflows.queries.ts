import { useQuery } from '@tanstack/react-query';
import type { Definition, Step, Trigger } from '../../../src/workflows/workflow-definition.rules.js';
import { api } from '../api.js';

export type Workflow = { id: string; name: string; enabled: boolean; version: number; trigger: Trigger; steps: Step[]; createdAt: string; updatedAt: string };
export type RunStep = { type: string; path: string; status: 'completed' | 'failed' | 'waiting' | 'skipped'; at: string; error?: string; result?: string };
export type Run = {
  id: string;
  workflowId: string;
  version: number;
  contactId: string;
  conversationId: string | null;
  status: 'running' | 'waiting' | 'completed' | 'stopped' | 'failed';
  reason: string | null;
  steps: RunStep[];
  waitUntil: string | null;
  createdAt: string;
  finishedAt: string | null;
};
export type { Definition, Step, Trigger };

export const workflowsKey = ['workflows'];

export function useWorkflows() {
  return useQuery({
    queryKey: workflowsKey,
    queryFn: async () => {
      const all: Workflow[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
        const page: { items: Workflow[]; nextCursor: string | null } = await api.get(`/api/v1/workflows?limit=200${query}`);
        all.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      return all;
    },
  });
}

export function useRuns(workflowId: string) {
  return useQuery({
    queryKey: ['workflows', workflowId, 'runs'],
    queryFn: async () => (await api.get<{ items: Run[] }>(`/api/v1/workflows/${workflowId}/runs?limit=100`)).items,
    refetchInterval: 3000,
  });
}

/** Published shortcut workflows: what the conversation's and contact's menus offer. */
export function useShortcutWorkflows() {
  return useQuery({
    queryKey: ['workflows', 'shortcuts'],
    queryFn: async () => (await api.get<{ items: Array<{ id: string; name: string }> }>('/api/v1/workflows/shortcuts')).items,
    staleTime: 30_000,
  });
}
