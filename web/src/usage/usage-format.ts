import type { Language } from '../i18n/i18n.js';

/** `2026-03` as the reader says it: "March 2026", or "Mar" on a chart's axis. */
export function formatMonth(month: string, language: Language, width: 'long' | 'short'): string {
  const options: Intl.DateTimeFormatOptions = width === 'long' ? { month: 'long', year: 'numeric' } : { month: 'short' };
  return new Intl.DateTimeFormat(language, { ...options, timeZone: 'UTC' }).format(new Date(`${month}-01T00:00:00Z`));
}
