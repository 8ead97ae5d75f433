/** A duration as people say it: "45 s", "6 min", "2 h 5 min", "3 d 4 h", in their language. */
export function formatDuration(seconds: number, language: string): string {
  const unit = (value: number, name: 'second' | 'minute' | 'hour' | 'day') =>
    new Intl.NumberFormat(language, { style: 'unit', unit: name, unitDisplay: 'short', maximumFractionDigits: 0 }).format(value);
  if (seconds < 60) return unit(Math.round(seconds), 'second');
  if (seconds < 3600) return unit(Math.round(seconds / 60), 'minute');
  if (seconds < 86_400) {
    const hours = Math.floor(seconds / 3600);
    const rest = Math.round((seconds % 3600) / 60);
    return rest ? `${unit(hours, 'hour')} ${unit(rest, 'minute')}` : unit(hours, 'hour');
  }
  const days = Math.floor(seconds / 86_400);
  const rest = Math.round((seconds % 86_400) / 3600);
  return rest ? `${unit(days, 'day')} ${unit(rest, 'hour')}` : unit(days, 'day');
}
