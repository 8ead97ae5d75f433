/** A file's size as people read it, in their language. */
export function formatBytes(bytes: number, language: string): string {
  // Bytes in words ("15 bytes", "15 octets"): the short unit is "byte" whatever the number in English.
  const format = (value: number, unit: 'byte' | 'kilobyte' | 'megabyte') =>
    new Intl.NumberFormat(language, { style: 'unit', unit, unitDisplay: unit === 'byte' ? 'long' : 'short', maximumFractionDigits: 1 }).format(value);
  if (bytes < 1024) return format(bytes, 'byte');
  if (bytes < 1024 * 1024) return format(bytes / 1024, 'kilobyte');
  return format(bytes / 1024 / 1024, 'megabyte');
}
