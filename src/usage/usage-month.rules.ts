/** `2026-03` → the month's first day and the next month's, in UTC. */
export function monthRange(month: string): { start: string; next: string } {
  const [year, monthIndex] = month.split('-').map(Number) as [number, number];
  const next = new Date(Date.UTC(year, monthIndex, 1));
  return { start: `${month}-01`, next: next.toISOString().slice(0, 10) };
}

/** The calendar month (UTC) a moment falls in, as its first day: `2026-03-01`. */
export const monthOf = (at: Date): string => `${at.toISOString().slice(0, 7)}-01`;

export const MONTH_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/;
