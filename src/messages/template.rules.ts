/**
 * Templates' placeholders (SPEC §7): numbered (`Hi {{1}}, your order {{2}} is on its way.`,
 * WhatsApp) or named (`{{first_name}}`, for channel types that declare them). Pure.
 */
export type PlaceholderStyle = 'numbered' | 'named';

const NUMBERED = /\{\{\s*(\d{1,3})\s*\}\}/g;
const NAMED = /\{\{\s*([a-z][a-z0-9_]{0,49})\s*\}\}/gi;
const pattern = (style: PlaceholderStyle) => new RegExp(style === 'numbered' ? NUMBERED : NAMED);

/** The placeholders a text holds, each once: numbered in order of number, named in order of first use. */
export function placeholdersOf(text: string, style: PlaceholderStyle): string[] {
  const found = [...new Set([...text.matchAll(pattern(style))].map((match) => match[1]!))];
  return style === 'numbered' ? found.sort((a, b) => Number(a) - Number(b)) : found;
}

/** Numbered placeholders must run 1, 2, 3… without a gap (WhatsApp refuses `{{1}} {{3}}`); null when they do. */
export function placeholderProblem(text: string, style: PlaceholderStyle): string | null {
  if (style !== 'numbered') return null;
  const numbers = placeholdersOf(text, style).map(Number);
  const gap = numbers.findIndex((number, index) => number !== index + 1);
  return gap < 0 ? null : `placeholders must be numbered {{1}}, {{2}}… without a gap; {{${numbers[gap]}}} has no {{${gap + 1}}} before it`;
}

/** How many values a numbered template takes. */
export const parameterCount = (text: string) => placeholdersOf(text, 'numbered').length;

/** The text with each placeholder replaced: `{{n}}` by the n-th value, `{{name}}` by the value of that name (unknown ones stay). */
export function fillPlaceholders(text: string, style: PlaceholderStyle, values: readonly string[] | Readonly<Record<string, string>>): string {
  return text.replace(pattern(style), (whole, key: string) => {
    const value = Array.isArray(values) ? values[Number(key) - 1] : (values as Record<string, string>)[key];
    return value ?? whole;
  });
}
