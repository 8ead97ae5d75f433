/** The Usage page's texts, merged into each language's dictionary in web/src/i18n. */
const en = {
  'nav.usage': 'Usage',
  'usage.title': 'Usage',
  'usage.current': 'Monthly active contacts in {month}',
  'usage.explanation': 'A contact counts once per calendar month (UTC) when a message was exchanged with it while it was not blocked.',
  'usage.history': 'Last 12 months',
};

type Messages = Record<keyof typeof en, string>;

const de: Messages = {
  'nav.usage': 'Nutzung',
  'usage.title': 'Nutzung',
  'usage.current': 'Monatlich aktive Kontakte im {month}',
  'usage.explanation':
    'Ein Kontakt zählt einmal pro Kalendermonat (UTC), wenn in diesem Monat eine Nachricht mit ihm ausgetauscht wurde, während er nicht blockiert war.',
  'usage.history': 'Letzte 12 Monate',
};

const fr: Messages = {
  'nav.usage': 'Utilisation',
  'usage.title': 'Utilisation',
  'usage.current': 'Contacts actifs mensuels en {month}',
  'usage.explanation': 'Un contact compte une fois par mois civil (UTC) dès qu’un message a été échangé avec lui alors qu’il n’était pas bloqué.',
  'usage.history': '12 derniers mois',
};

export const usageMessages = { en, de, fr };
