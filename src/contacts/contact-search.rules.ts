import { isCountryCode, normalisePhone } from './contact-fields.rules.js';

/**
 * SPEC §2.3: a search query is read the way its user meant it. Digits (with the usual phone
 * punctuation) are a phone number in any format; anything with `@` is an email address; the rest
 * are names. Pure: the caller passes the countries its contacts live in.
 */
export type SearchKind = 'phone' | 'email' | 'name';

export type SearchTerms =
  /** `numbers`: E.164 readings of the query; `pattern`: a LIKE pattern on the E.164 column. */
  | { kind: 'phone'; numbers: string[]; pattern: string | null }
  /** A LIKE prefix pattern on the lower-cased email. */
  | { kind: 'email'; pattern: string }
  /**
   * Each word must match; the database folds case and accents of the words as of the names.
   * `emailPrefix`: a one-word query also finds emails whose address or domain starts with it
   * (`kohler2`, `example.com`), as people type them.
   */
  | { kind: 'name'; words: NameWord[]; emailPrefix?: string };

/**
 * `substring` finds the word anywhere in a name; very short words would match nearly everything
 * that way, so they match the start of a name's word instead (`prefix`).
 */
export type NameWord = { text: string; match: 'prefix' | 'substring' };

const phoneShape = /^\+?[\d\s().\-/]+$/;
// In these scripts one or two characters are a meaningful part of a name.
const shortWordScripts = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const MAX_WORDS = 6;

export function classifySearch(query: string): SearchKind | null {
  const text = query.trim();
  if (text.length === 0) return null;
  if (text.includes('@')) return 'email';
  if (phoneShape.test(text) && digitsOf(text).length >= 3) return 'phone';
  return 'name';
}

export function searchTerms(query: string, countries: readonly string[] = []): SearchTerms | null {
  const text = query.trim().slice(0, 200);
  switch (classifySearch(text)) {
    case null:
      return null;
    case 'email':
      return { kind: 'email', pattern: `${escapeLike(text.toLowerCase())}%` };
    case 'phone':
      return phoneTerms(text, countries);
    case 'name': {
      const words = text.split(/\s+/).slice(0, MAX_WORDS);
      return {
        kind: 'name',
        words: words.map((word) => ({
          text: escapeLike(word),
          match: [...word].length >= 3 || shortWordScripts.test(word) ? ('substring' as const) : ('prefix' as const),
        })),
        ...(words.length === 1 && [...text].length >= 3 && { emailPrefix: `${escapeLike(text.toLowerCase())}%` }),
      };
    }
  }
}

/**
 * An international query (`+49 151 …`, `0049 …`) is one number, or the start of numbers. A
 * national one (`0151 …`) is read in each country given; its digits without the trunk zero also
 * match anywhere in a number, so `12345678` finds `+4915112345678`.
 */
function phoneTerms(text: string, countries: readonly string[]): SearchTerms {
  const international = text.startsWith('+') || /^00[1-9]/.test(text);
  const digits = digitsOf(text).replace(/^00/, '');
  const numbers = new Set<string>();
  const readings = international ? [undefined] : countries.filter(isCountryCode);
  for (const country of readings) {
    const phone = normalisePhone(text, country);
    if (phone.ok) numbers.add(phone.value.e164);
  }
  if (international) return { kind: 'phone', numbers: [...numbers], pattern: `+${digits}%` };
  const local = digits.replace(/^0+/, '');
  return { kind: 'phone', numbers: [...numbers], pattern: local.length >= 3 ? `%${local}%` : null };
}

function digitsOf(text: string): string {
  return text.replace(/\D/g, '');
}

/** LIKE treats `%`, `_` and `\` specially; a user's query means them literally. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
