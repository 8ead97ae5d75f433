/** The widget's texts in the languages it speaks; the page's language first, then the browser's. */
const en = {
  open: 'Open chat',
  close: 'Close chat',
  title: 'Chat with us',
  message: 'Type your message',
  send: 'Send message',
  attach: 'Attach a file',
  name: 'Your name',
  email: 'Your email',
  start: 'Start chat',
  formIntro: 'Tell us who you are, and we will answer here.',
  typing: '{name} is typing…',
  someone: 'Someone',
  seen: 'Seen',
  sending: 'Sending…',
  queued: 'Waiting for the connection…',
  failed: 'Not sent',
  offlineAt: 'We are away now. We answer from {when}.',
  offline: 'No one is online right now.',
  leaveEmail: 'Leave your email and we will write back:',
  emailSaved: 'Thank you, we will write to {email}.',
  saveEmail: 'Send email address',
  slowDown: 'You are sending messages very fast: please wait {seconds} s.',
  tooLarge: 'Files may have at most 10 MB.',
  you: 'You',
};
type Texts = typeof en;

const de: Texts = {
  open: 'Chat öffnen',
  close: 'Chat schließen',
  title: 'Schreiben Sie uns',
  message: 'Ihre Nachricht',
  send: 'Nachricht senden',
  attach: 'Datei anhängen',
  name: 'Ihr Name',
  email: 'Ihre E-Mail-Adresse',
  start: 'Chat beginnen',
  formIntro: 'Sagen Sie uns, wer Sie sind; wir antworten hier.',
  typing: '{name} schreibt…',
  someone: 'Jemand',
  seen: 'Gelesen',
  sending: 'Wird gesendet…',
  queued: 'Warte auf die Verbindung…',
  failed: 'Nicht gesendet',
  offlineAt: 'Wir sind gerade nicht da. Wir antworten ab {when}.',
  offline: 'Gerade ist niemand online.',
  leaveEmail: 'Hinterlassen Sie Ihre E-Mail-Adresse, wir schreiben Ihnen:',
  emailSaved: 'Danke, wir schreiben an {email}.',
  saveEmail: 'E-Mail-Adresse senden',
  slowDown: 'Sie senden sehr schnell: bitte warten Sie {seconds} s.',
  tooLarge: 'Dateien dürfen höchstens 10 MB groß sein.',
  you: 'Sie',
};

const fr: Texts = {
  open: 'Ouvrir le chat',
  close: 'Fermer le chat',
  title: 'Écrivez-nous',
  message: 'Votre message',
  send: 'Envoyer le message',
  attach: 'Joindre un fichier',
  name: 'Votre nom',
  email: 'Votre e-mail',
  start: 'Commencer le chat',
  formIntro: 'Dites-nous qui vous êtes ; nous répondons ici.',
  typing: '{name} écrit…',
  someone: 'Quelqu’un',
  seen: 'Lu',
  sending: 'Envoi…',
  queued: 'En attente de la connexion…',
  failed: 'Non envoyé',
  offlineAt: 'Nous sommes absents. Nous répondons à partir de {when}.',
  offline: 'Personne n’est en ligne pour le moment.',
  leaveEmail: 'Laissez votre e-mail, nous vous répondrons :',
  emailSaved: 'Merci, nous écrirons à {email}.',
  saveEmail: 'Envoyer l’adresse e-mail',
  slowDown: 'Vous envoyez des messages très vite : attendez {seconds} s.',
  tooLarge: 'Les fichiers ne doivent pas dépasser 10 Mo.',
  you: 'Vous',
};

const languages = { en, de, fr } as const;
export type Language = keyof typeof languages;

export function pickLanguage(candidates: Array<string | null | undefined>): Language {
  for (const candidate of candidates) {
    const code = candidate?.slice(0, 2).toLowerCase();
    if (code && code in languages) return code as Language;
  }
  return 'en';
}

export function textsFor(language: Language) {
  const texts = languages[language];
  return (key: keyof Texts, values: Record<string, string> = {}) => texts[key].replace(/\{(\w+)\}/g, (_m, name: string) => values[name] ?? '');
}
