/**
 * What PostgreSQL can store. It refuses the NUL character in text, and lone UTF-16 surrogates in
 * JSON (`\ud800` in jsonb); a timestamp it can read back has a year from 1 to 9999 (`0000-01-01`
 * is not a date to it, and ISO 8601 needs a sign and six digits past 9999). Inputs are checked
 * against these at the edge, once, so no query ever fails on them.
 */
const unstorableCharacter = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const loneSurrogates = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export const isStorableText = (text: string): boolean => !unstorableCharacter.test(text);

/** NUL removed, each lone surrogate replaced by U+FFFD (as a UTF-8 encoder writes it). */
export function cleanText(text: string): string {
  return isStorableText(text) ? text : text.replace(/\u0000/g, '').replace(loneSurrogates, '\ufffd');
}

/** Data objects: parsed JSON, and parsed query strings (whose prototype holds nothing); not dates or buffers. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === null || Object.getPrototypeOf(prototype) === null;
}

/**
 * Where the first unstorable string is, in JSON-like data: the path of a bad value, or of the
 * object whose key is bad. Undefined when everything can be stored.
 */
export function findUnstorableText(value: unknown, path: string[] = []): string[] | undefined {
  if (typeof value === 'string') return isStorableText(value) ? undefined : path;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const found = findUnstorableText(value[index], [...path, String(index)]);
      if (found) return found;
    }
  } else if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (!isStorableText(key)) return path;
      const found = findUnstorableText(item, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}

/** A copy with every string (keys included) of its arrays and plain objects cleaned; other objects (dates, buffers) kept as they are. */
export function cleanTexts<T>(value: T): T {
  if (typeof value === 'string') return cleanText(value) as T;
  if (Array.isArray(value)) return value.map(cleanTexts) as T;
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [cleanText(key), cleanTexts(item)])) as T;
  return value;
}

export const MIN_STORABLE_YEAR = 1;
export const MAX_STORABLE_YEAR = 9999;

/** A valid date with a year from 1 to 9999. */
export function isStorableDate(date: Date): boolean {
  const year = date.getUTCFullYear();
  return !Number.isNaN(date.getTime()) && year >= MIN_STORABLE_YEAR && year <= MAX_STORABLE_YEAR;
}
