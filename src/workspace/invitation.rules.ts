import { createHash, randomBytes } from 'node:crypto';

/** How long an invitation's link works. */
export const INVITATION_DAYS = 7;

/** A new link's secret (what the mail carries) and its hash (what the database keeps). */
export function newInvitationToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashInvitationToken(token) };
}

export const hashInvitationToken = (token: string) => createHash('sha256').update(token).digest('hex');

export const invitationExpiry = (now: Date) => new Date(now.getTime() + INVITATION_DAYS * 86_400_000);

type MailLanguage = 'en' | 'de' | 'fr';

const texts: Record<MailLanguage, { subject: string; body: string }> = {
  en: {
    subject: '{inviter} invites you to {workspace} on Switchboard',
    body: 'Hello {name},\n\n{inviter} invites you to join {workspace} on Switchboard.\n\nChoose your password here to start (the link works for {days} days):\n{link}\n\nIf you did not expect this, ignore this mail.',
  },
  de: {
    subject: '{inviter} lädt Sie zu {workspace} auf Switchboard ein',
    body: 'Hallo {name},\n\n{inviter} lädt Sie ein, {workspace} auf Switchboard beizutreten.\n\nWählen Sie hier Ihr Passwort, um zu beginnen (der Link gilt {days} Tage):\n{link}\n\nWenn Sie das nicht erwartet haben, ignorieren Sie diese Mail.',
  },
  fr: {
    subject: '{inviter} vous invite à rejoindre {workspace} sur Switchboard',
    body: 'Bonjour {name},\n\n{inviter} vous invite à rejoindre {workspace} sur Switchboard.\n\nChoisissez votre mot de passe ici pour commencer (le lien est valable {days} jours) :\n{link}\n\nSi vous ne vous y attendiez pas, ignorez ce message.',
  },
};

/** The invitation mail, in the inviting user's language (English by default). Plain text: names are never markup. */
export function invitationMail(input: { language: string | null; name: string; inviter: string; workspace: string; link: string }) {
  const language: MailLanguage = input.language === 'de' || input.language === 'fr' ? input.language : 'en';
  const fill = (text: string) =>
    text.replace(/\{(\w+)\}/g, (_, key: string) => String({ ...input, days: INVITATION_DAYS }[key as keyof typeof input | 'days'] ?? ''));
  return { subject: fill(texts[language].subject), text: fill(texts[language].body) };
}
