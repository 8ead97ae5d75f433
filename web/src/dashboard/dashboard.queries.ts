import { useQuery } from '@tanstack/react-query';
import { api } from '../api.js';

type Channel = { id: string; type: string; name: string } | null;
type OpenCounts = { open: number; unassigned: number; missed: number };
export type Times = { median: number | null; p90: number | null; count: number };
export type Period = {
  since: string;
  firstResponse: Times;
  resolution: Times;
  byChannel: Array<{ channel: Channel; inbound: number; outbound: number }>;
  inboundByHour: number[];
};
export type Figures = {
  generatedAt: string;
  missedAfterSeconds: number;
  open: OpenCounts & { byTeam: Array<OpenCounts & { team: { id: string; name: string } | null }>; byChannel: Array<OpenCounts & { channel: Channel }> };
  today: Period;
  week: Period;
};

/** The reader's midnight and offset from UTC, so "today" and the hours are theirs. */
function localDay() {
  const midnight = new Date();
  midnight.setHours(0, 0, 0, 0);
  return new URLSearchParams({ todayStart: midnight.toISOString(), utcOffsetMinutes: String(-new Date().getTimezoneOffset()) });
}

/** The dashboard's figures; shared by every section, asked for again each minute while shown. */
export function useDashboard() {
  return useQuery({ queryKey: ['dashboard'], queryFn: () => api.get<Figures>(`/api/v1/dashboard?${localDay()}`), refetchInterval: 60_000 });
}
