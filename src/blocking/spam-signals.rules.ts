import { createHash } from 'node:crypto';

/**
 * Explainable spam signals on an inbound message (issue 5, "Beyond the seeds"). Pure: the service
 * gathers a few counts with indexed queries, these rules turn them into reasons and a score.
 */
export type SpamSignalName = 'burst' | 'blocked_domain' | 'url_shortener' | 'repeated_text';
/**
 * Why a message scored, as data rather than prose: the web app words each reason in the reader's
 * language from its signal and parameters. Windows are in seconds.
 */
export type SpamReason =
  | { signal: 'burst'; weight: number; messages: number; limit: number; windowSeconds: number }
  | { signal: 'blocked_domain'; weight: number; domains: string[] }
  | { signal: 'url_shortener'; weight: number; domains: string[] }
  | { signal: 'repeated_text'; weight: number; contacts: number; limit: number; windowSeconds: number };
export type SpamAction = 'none' | 'quarantine' | 'block';
export type ChannelSpamPolicy = { action: SpamAction; threshold: number };

export type SpamSettings = {
  /** Links to these domains (or their subdomains) are a signal. */
  blockedDomains: string[];
  /** This many inbound messages from one contact within a minute is a burst. */
  burstPerMinute: number;
  /** This many distinct new contacts sending the same text within the window is a campaign. */
  repeatedTextContacts: number;
  /** By channel id; a channel not listed takes no action. */
  channels: Record<string, ChannelSpamPolicy>;
};

export const defaultSpamSettings: SpamSettings = { blockedDomains: [], burstPerMinute: 10, repeatedTextContacts: 5, channels: {} };
export const defaultChannelPolicy: ChannelSpamPolicy = { action: 'none', threshold: 100 };

export const BURST_WINDOW_MS = 60_000;
/** A contact is "new" for the repeated-text signal this long after it was created, and texts are compared over as long. */
export const REPEATED_TEXT_WINDOW_MS = 3_600_000;
/** Shorter texts ("hi", "thanks") are sent alike by many honest new contacts: they are not compared. */
export const MIN_COMPARED_TEXT_LENGTH = 20;

/**
 * One weight per kind of signal; the defaults make a blocklisted link alone, or any two other
 * signals together, reach the default threshold of 100.
 */
export const signalWeights: Record<SpamSignalName, number> = { blocked_domain: 100, repeated_text: 60, burst: 50, url_shortener: 50 };

/** Public link shorteners: they hide where a link goes, which is what spam wants. */
export const urlShorteners = [
  'bit.ly', 'bitly.com', 'tinyurl.com', 't.co', 'goo.gl', 'ow.ly', 'is.gd', 'buff.ly', 'cutt.ly', 'rebrand.ly',
  'shorturl.at', 'tiny.cc', 'rb.gy', 'shorte.st', 'adf.ly', 'bl.ink', 'lnkd.in', 't.ly', 'v.gd', 'qr.ae', 's.id', 'urlz.fr',
] as const;

/** What the service found out about one message and its sender. */
export type SpamFacts = {
  text: string;
  /** Inbound messages from the contact in the last minute, this one included. */
  recentInbound: number;
  /** Distinct new contacts that sent this text within the window, this one included (0 when not compared). */
  repeatedTextContacts: number;
};

/** `example.com` from `https://www.Example.com/x`; internationalised names in their ASCII form. */
export function normaliseDomain(value: string): string | null {
  const trimmed = value.trim().toLowerCase().replace(/^[a-z][a-z0-9+.-]*:\/\//, '').replace(/^\*\./, '');
  try {
    const host = new URL(`http://${trimmed}`).hostname.replace(/\.$/, '');
    return /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(host) ? host.replace(/^www\./, '') : null;
  } catch {
    return null;
  }
}

// With a scheme or without (`bit.ly/x`, `spam.example`): only domains on a list count, so a
// word that merely looks like a host ("file.txt") raises nothing.
const linkPattern = /https?:\/\/[^\s<>"']+|(?:[\p{L}\p{N}-]+\.)+\p{L}{2,}(?:[/?#][^\s<>"']*)?/giu;

/** The domains the text links to, each once. */
export function linkedDomains(text: string): string[] {
  const domains = new Set<string>();
  for (const match of text.matchAll(linkPattern)) {
    const host = match[0].replace(/^https?:\/\//i, '').split(/[/?#]/)[0]!.replace(/[.,;:!?)\]]+$/, '').replace(/:\d+$/, '');
    const domain = normaliseDomain(host);
    if (domain) domains.add(domain);
  }
  return [...domains];
}

const isUnder = (domain: string, parent: string) => domain === parent || domain.endsWith(`.${parent}`);

/**
 * The text as spam campaigns repeat it (case, spacing and punctuation aside), hashed: the same
 * fingerprint from many new contacts is the repeated-text signal. Null for texts too short to tell.
 */
export function textFingerprint(text: string): string | null {
  const folded = text.normalize('NFKC').toLowerCase().replace(/[\p{P}\p{S}]+/gu, ' ').replace(/\s+/g, ' ').trim();
  if (folded.length < MIN_COMPARED_TEXT_LENGTH) return null;
  return createHash('sha256').update(folded).digest('base64url');
}

/** Whether the contact is young enough for its texts to be compared with other new contacts'. */
export const isNewContact = (createdAt: Date, now: Date) => now.getTime() - createdAt.getTime() < REPEATED_TEXT_WINDOW_MS;

/** The moments the service's counts start from. */
export function spamWindows(now: Date) {
  return { burstSince: new Date(now.getTime() - BURST_WINDOW_MS), repeatedTextSince: new Date(now.getTime() - REPEATED_TEXT_WINDOW_MS) };
}

/** Every signal the message raises, each with why. */
export function spamSignals(facts: SpamFacts, settings: Pick<SpamSettings, 'blockedDomains' | 'burstPerMinute' | 'repeatedTextContacts'>): SpamReason[] {
  const reasons: SpamReason[] = [];
  if (facts.recentInbound >= settings.burstPerMinute) {
    reasons.push({
      signal: 'burst',
      weight: signalWeights.burst,
      messages: facts.recentInbound,
      limit: settings.burstPerMinute,
      windowSeconds: BURST_WINDOW_MS / 1000,
    });
  }
  const domains = linkedDomains(facts.text);
  const blocked = domains.filter((domain) => settings.blockedDomains.some((parent) => isUnder(domain, parent)));
  if (blocked.length > 0) reasons.push({ signal: 'blocked_domain', weight: signalWeights.blocked_domain, domains: blocked });
  const shortened = domains.filter((domain) => urlShorteners.some((shortener) => isUnder(domain, shortener)));
  if (shortened.length > 0) reasons.push({ signal: 'url_shortener', weight: signalWeights.url_shortener, domains: shortened });
  if (facts.repeatedTextContacts >= settings.repeatedTextContacts) {
    reasons.push({
      signal: 'repeated_text',
      weight: signalWeights.repeated_text,
      contacts: facts.repeatedTextContacts,
      limit: settings.repeatedTextContacts,
      windowSeconds: REPEATED_TEXT_WINDOW_MS / 1000,
    });
  }
  return reasons;
}

export const spamScore = (reasons: SpamReason[]) => reasons.reduce((sum, reason) => sum + reason.weight, 0);

/** What the channel's policy does with a score: nothing below its threshold. */
export function spamAction(score: number, policy: ChannelSpamPolicy): SpamAction {
  return policy.action !== 'none' && score > 0 && score >= policy.threshold ? policy.action : 'none';
}
