import { useQuery } from '@tanstack/react-query';
import { api } from '../api.js';
import type { Language } from '../i18n/i18n.js';
import type { Role } from '../session/permissions.js';

export type User = { id: string; email: string; name: string; role: Role; language: Language | null; createdAt: string };
export type Team = { id: string; name: string; memberIds: string[] };
export type WorkspaceSettings = {
  closingLogic: 'keep_assignee' | 'unassign';
  missedAfterSeconds: number;
  agentsSeeAll: boolean;
  assignOnReply: boolean;
  agentsMayDeleteAssignedContacts: boolean;
  agentsMayDeleteConversations: boolean;
  agentsMayMerge: boolean;
  /** Private hosts the API channel's deliveries may reach (`host` or `host:port`). */
  allowedPrivateHosts: string[];
  /** IANA time zone: workflows read the time of day and business hours there. */
  timeZone: string;
  businessHours: { days: number[]; start: string; end: string };
};

/** Every user of the workspace, all pages: the team member pickers need the whole list. */
export function useUsers() {
  return useQuery({
    queryKey: ['users'],
    queryFn: async () => {
      const users: User[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
        const page: { items: User[]; nextCursor: string | null } = await api.get(`/api/v1/users?limit=200${query}`);
        users.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      return users;
    },
  });
}

export function useTeams() {
  return useQuery({
    queryKey: ['teams'],
    queryFn: async () => (await api.get<{ items: Team[] }>('/api/v1/teams')).items,
  });
}

/** Who has a live connection; kept current by the realtime connection. */
export function usePresence() {
  return useQuery({
    queryKey: ['presence'],
    queryFn: async () => new Set((await api.get<{ online: string[] }>('/api/v1/presence')).online),
  });
}
