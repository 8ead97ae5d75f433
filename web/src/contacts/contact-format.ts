import { useQuery } from '@tanstack/react-query';
import type { MessageKey } from '../i18n/en.js';
import { type Language, type Translate, useI18n } from '../i18n/i18n.js';

/** Channel products are named as their makers write them, in every language; the rest are translated. */
const brandNames: Record<string, string> = {
  whatsapp: 'WhatsApp',
  messenger: 'Messenger',
  instagram: 'Instagram',
  telegram: 'Telegram',
  line: 'LINE',
  viber: 'Viber',
  wechat: 'WeChat',
  sms: 'SMS',
  api: 'API',
};

export function channelTypeName(type: string, t: Translate): string {
  if (type === 'email') return t('contacts.channelType.email');
  if (type === 'webchat') return t('contacts.channelType.webchat');
  return brandNames[type] ?? type;
}

/** A plain date (`2024-05-01`, as date inputs and date fields hold it) is the same day everywhere. */
export function formatDate(value: string, language: Language): string {
  const plainDate = /^\d{4}-\d{2}-\d{2}$/.test(value);
  return new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeZone: plainDate ? 'UTC' : undefined }).format(new Date(value));
}

export function formatDateTime(value: string, language: Language): string {
  return new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(value));
}

const units: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['minute', 60],
  ['hour', 24],
  ['day', 7],
];

/** "5 minutes ago" within a week, the date after that. */
export function formatWhen(value: string, language: Language, now = Date.now()): string {
  let amount = (now - new Date(value).getTime()) / 60_000;
  if (amount < 1) return new Intl.RelativeTimeFormat(language, { numeric: 'auto' }).format(0, 'second');
  for (const [unit, next] of units) {
    if (amount < next) return new Intl.RelativeTimeFormat(language, { numeric: 'auto' }).format(-Math.floor(amount), unit);
    amount /= next;
  }
  return formatDate(value, language);
}

export function countryName(code: string, language: Language): string {
  return new Intl.DisplayNames(language, { type: 'region' }).of(code) ?? code;
}

export function languageName(tag: string, language: Language): string {
  try {
    return new Intl.DisplayNames(language, { type: 'language' }).of(tag) ?? tag;
  } catch {
    return tag;
  }
}

/** ISO 3166 codes with their names in the reader's language, and the country of a stored E.164 number. */
type CountryTools = {
  countryOptions: (language: Language) => Array<{ code: string; name: string }>;
  countryOfPhone: (phone: string | null) => string | null;
};

/** Phone metadata is large, so it loads when a contact's details first need it. */
export function useCountryTools(): CountryTools | undefined {
  return useQuery({
    queryKey: ['country-tools'],
    staleTime: Infinity,
    queryFn: async (): Promise<CountryTools> => {
      const { getCountries, parsePhoneNumberFromString } = await import('libphonenumber-js/min');
      return {
        countryOptions: (language) => {
          const collator = new Intl.Collator(language);
          return getCountries()
            .map((code) => ({ code, name: countryName(code, language) }))
            .sort((a, b) => collator.compare(a.name, b.name));
        },
        countryOfPhone: (phone) => (phone && parsePhoneNumberFromString(phone)?.country) || null,
      };
    },
  }).data;
}

/** Message keys that come as a pair for a count: `….one` and `….other`. */
type CountedKey = MessageKey extends infer Key ? (Key extends `${infer Base}.one` ? Base : never) : never;

/** Translates a counted message by the reader's plural rules, with `{count}` formatted for them. */
export function useCountText() {
  const { t, language } = useI18n();
  const rules = new Intl.PluralRules(language);
  return (base: CountedKey, count: number, params: Record<string, string | number> = {}) =>
    t(`${base}.${rules.select(count) === 'one' ? 'one' : 'other'}` as MessageKey, { ...params, count: count.toLocaleString(language) });
}
