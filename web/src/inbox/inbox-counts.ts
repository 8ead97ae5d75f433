import { type QueryClient, useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { api } from '../api.js';

export type InboxCount = { open: number; unread: number };
type Counts = { total: InboxCount; items: Array<InboxCount & { inbox: string }> };

const countsKey = ['conversations', 'counts'] as const;

/** Open and unread conversations of each inbox the user sees (`mine`, `unassigned`, `all`, `team:<id>`). */
export function useInboxCounts() {
  const counts = useQuery({ queryKey: countsKey, queryFn: () => api.get<Counts>('/api/v1/conversations/counts') });
  const byInbox = new Map(counts.data?.items.map((item) => [item.inbox, item]));
  return { total: counts.data?.total, of: (inbox: string) => byInbox.get(inbox) };
}

const REFRESH_MS = 2000;
const refreshes = new WeakMap<QueryClient, ReturnType<typeof setTimeout>>();

/** Conversation events change the counts: asked for again at most every 2 s, not once an event (each ask reads up to 1000 rows an inbox). */
export function refreshCountsSoon(queryClient: QueryClient) {
  if (refreshes.has(queryClient)) return;
  refreshes.set(
    queryClient,
    setTimeout(() => {
      refreshes.delete(queryClient);
      void queryClient.invalidateQueries({ queryKey: countsKey });
    }, REFRESH_MS),
  );
}

/** "(3) Inbox · Switchboard": what waits unread shows in the tab's title, whichever tab is in front. */
export function useUnreadTitle(page: string, unread: number | undefined) {
  useEffect(() => {
    document.title = `${unread ? `(${unread}) ` : ''}${page} · Switchboard`;
    return () => {
      document.title = 'Switchboard';
    };
  }, [page, unread]);
}
