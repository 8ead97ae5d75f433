import { createContext, type ReactNode, useContext, useEffect, useMemo } from 'react';
import { de } from './de.js';
import { type Dictionary, en, type MessageKey } from './en.js';
import { fr } from './fr.js';

export const languages = ['en', 'de', 'fr'] as const;
export type Language = (typeof languages)[number];

/** Each language is named in itself, so a reader finds theirs whatever is showing. */
export const languageNames: Record<Language, string> = { en: 'English', de: 'Deutsch', fr: 'Français' };

const dictionaries: Record<Language, Dictionary> = { en, de, fr };

export const isLanguage = (value: unknown): value is Language => languages.includes(value as Language);
export const isMessageKey = (key: string): key is MessageKey => key in en;

/** The user's saved choice, else the browser's first language we have, else English. */
export function resolveLanguage(saved: Language | null | undefined): Language {
  if (saved) return saved;
  const preferred = navigator.languages?.length ? navigator.languages : [navigator.language];
  for (const tag of preferred) {
    const base = tag.slice(0, 2).toLowerCase();
    if (isLanguage(base)) return base;
  }
  return 'en';
}

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

type I18n = { language: Language; t: Translate };

const I18nContext = createContext<I18n | undefined>(undefined);

export function I18nProvider({ language, children }: { language: Language; children: ReactNode }) {
  const value = useMemo<I18n>(() => {
    const dictionary = dictionaries[language];
    const t: Translate = (key, params) =>
      dictionary[key].replace(/\{(\w+)\}/g, (placeholder, name: string) => String(params?.[name] ?? placeholder));
    return { language, t };
  }, [language]);

  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);

  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const i18n = useContext(I18nContext);
  if (!i18n) throw new Error('useI18n needs an I18nProvider');
  return i18n;
}
