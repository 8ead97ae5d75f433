import { useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { api } from '../api.js';

export type WindowReason = 'no_window' | 'open' | 'human_agent' | 'templates_only' | 'contact_must_write' | 'message_limit' | 'chatbot_initiated' | 'quota_exceeded' | 'opted_out';

/** A monthly allowance the channel counts (Viber's chatbot-initiated messages): `paid` when messages past it still go, at a price. */
export type MonthlyQuota = { used: number; limit: number; paid: boolean };

/** What may be sent now on one channel of the contact (GET …/window), as a person sending now would get it. */
export type ChannelWindow = {
  channelId: string;
  type: string;
  name: string;
  status: 'active' | 'paused';
  identifier: string | null;
  /** The contact never wrote here: a first message starts it. */
  firstMessage: boolean;
  lastInboundAt: string | null;
  maxTextLength: number | null;
  freeText: boolean;
  templates: boolean;
  tags: string[];
  closesAt: string | null;
  remaining: number | null;
  reason: WindowReason;
  /** Present when a message sent now counts against a monthly quota. */
  quota?: MonthlyQuota;
  /** The channel sends templates at all (WhatsApp). */
  templateChannel: boolean;
};

/** The longest a browser timer waits. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The windows of a contact's channels. `since` is the contact's last message: a new one reopens
 * the window, so the query refetches with it; and again when a window closes while it is shown.
 */
export function useChannelWindows(path: string, since: string | null | undefined) {
  const query = useQuery({
    queryKey: ['window', path, since ?? null],
    queryFn: async () => (await api.get<{ items: ChannelWindow[] }>(path)).items,
  });
  const nextClose = Math.min(...(query.data ?? []).flatMap((window) => (window.closesAt ? [Date.parse(window.closesAt)] : [])));
  const { refetch } = query;
  useEffect(() => {
    if (!Number.isFinite(nextClose)) return;
    const wait = nextClose - Date.now() + 500;
    if (wait > MAX_TIMER_MS) return;
    const timer = setTimeout(() => void refetch(), Math.max(0, wait));
    return () => clearTimeout(timer);
  }, [nextClose, refetch]);
  return query;
}

/** Free text can go on this channel now: within the window, or as a person's reply with the one tag the window offers (HUMAN_AGENT). */
export const takesText = (window: ChannelWindow) => window.status === 'active' && (window.freeText || (window.tags.length === 1 && !window.templates));
