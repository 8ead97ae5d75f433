/**
 * Which PostgreSQL text-search configuration reads a language (SPEC §3.1 search). Messages are
 * indexed as written ('simple') and, when the contact's language has a stemmer, stemmed in it;
 * queries are read as written and in the searching user's language. Languages without a stemmer
 * here (Japanese, Chinese, …) are indexed as written only.
 */
const configs: Record<string, string> = {
  ar: 'arabic',
  ca: 'catalan',
  da: 'danish',
  de: 'german',
  el: 'greek',
  en: 'english',
  es: 'spanish',
  eu: 'basque',
  fi: 'finnish',
  fr: 'french',
  ga: 'irish',
  hi: 'hindi',
  hu: 'hungarian',
  hy: 'armenian',
  id: 'indonesian',
  it: 'italian',
  lt: 'lithuanian',
  nb: 'norwegian',
  ne: 'nepali',
  nl: 'dutch',
  nn: 'norwegian',
  no: 'norwegian',
  pt: 'portuguese',
  ro: 'romanian',
  ru: 'russian',
  sr: 'serbian',
  sv: 'swedish',
  ta: 'tamil',
  tr: 'turkish',
  yi: 'yiddish',
};

export type TextSearchConfig = string;

/** The stemmers by primary language subtag, for statements that choose one in SQL. */
export const stemmingConfigs: ReadonlyArray<readonly [string, string]> = Object.entries(configs);

/** The stemming configuration for a BCP 47 tag (`de-AT` → german), or 'simple'. */
export function textSearchConfig(language: string | null | undefined): TextSearchConfig {
  const primary = language?.trim().toLowerCase().split(/[-_]/)[0];
  return (primary && configs[primary]) || 'simple';
}
