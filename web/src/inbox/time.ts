/** A list's time: the hour today, the weekday within a week, else the date. */
export function shortTime(iso: string, language: string, now = new Date()): string {
  const date = new Date(iso);
  const ageMs = now.getTime() - date.getTime();
  if (date.toDateString() === now.toDateString()) return date.toLocaleTimeString(language, { hour: '2-digit', minute: '2-digit' });
  if (ageMs < 6 * 24 * 3600 * 1000) return date.toLocaleDateString(language, { weekday: 'short' });
  return date.toLocaleDateString(language, { day: 'numeric', month: 'short' });
}

/** A message's time: the hour, with the date when it is not today. */
export function messageTime(iso: string, language: string, now = new Date()): string {
  const date = new Date(iso);
  const hour = date.toLocaleTimeString(language, { hour: '2-digit', minute: '2-digit' });
  if (date.toDateString() === now.toDateString()) return hour;
  return `${date.toLocaleDateString(language, { day: 'numeric', month: 'short' })}, ${hour}`;
}

/** A full date and time, for snooze times and tooltips. */
export function fullTime(iso: string | Date, language: string): string {
  return new Date(iso).toLocaleString(language, { dateStyle: 'medium', timeStyle: 'short' });
}
