import { describe, expect, it } from 'vitest';
import {
  defaultSpamSettings,
  isNewContact,
  linkedDomains,
  normaliseDomain,
  type SpamFacts,
  type SpamReason,
  spamAction,
  spamScore,
  spamSignals,
  textFingerprint,
} from './spam-signals.rules.js';

const settings = { ...defaultSpamSettings, blockedDomains: ['casino.example', 'xn--spm-rla.example'] };
const quiet: SpamFacts = { text: 'Hello, where is my parcel?', recentInbound: 1, repeatedTextContacts: 0 };

describe('finding the domains a message links to', () => {
  const cases: Array<[string, string, string[]]> = [
    ['a full URL', 'see https://www.Casino.example/win?x=1 now', ['casino.example']],
    ['a bare host with a path', 'go to bit.ly/abc123', ['bit.ly']],
    ['a bare host, trailing punctuation aside', 'visit casino.example, today!', ['casino.example']],
    ['a port', 'http://promo.casino.example:8080/x', ['promo.casino.example']],
    ['an internationalised name, in its ASCII form', 'https://späm.example/', ['xn--spm-rla.example']],
    ['each domain once', 'bit.ly/a and https://bit.ly/b', ['bit.ly']],
    ['no link at all', 'e.g. version 1.2 is fine', []],
  ];
  it.each(cases)('%s', (_name, text, domains) => {
    expect(linkedDomains(text)).toEqual(domains);
  });
});

describe('normalising a blocklisted domain', () => {
  const cases: Array<[string, string | null]> = [
    ['Casino.Example', 'casino.example'],
    ['https://www.casino.example/', 'casino.example'],
    ['*.casino.example', 'casino.example'],
    ['späm.example', 'xn--spm-rla.example'],
    ['localhost', null],
    ['not a domain', null],
  ];
  it.each(cases)('%s', (input, expected) => {
    expect(normaliseDomain(input)).toBe(expected);
  });
});

describe('spam signals of one message', () => {
  const cases: Array<[string, Partial<SpamFacts>, string[]]> = [
    ['an ordinary message raises none', {}, []],
    ['one message short of a burst', { recentInbound: 9 }, []],
    ['a burst: as many messages in a minute as the limit', { recentInbound: 10 }, ['burst']],
    ['a link to a blocklisted domain', { text: 'Win big at https://casino.example' }, ['blocked_domain']],
    ['a link to a subdomain of a blocklisted domain', { text: 'vip.casino.example/join' }, ['blocked_domain']],
    ['a domain that only ends like a blocklisted one', { text: 'https://notcasino.example' }, []],
    ['a link through a shortener', { text: 'Click https://bit.ly/3xYz' }, ['url_shortener']],
    ['the same text from as many new contacts as the limit', { repeatedTextContacts: 5 }, ['repeated_text']],
    ['the same text from fewer new contacts', { repeatedTextContacts: 4 }, []],
    [
      'everything at once',
      { text: 'casino.example via tinyurl.com/x', recentInbound: 30, repeatedTextContacts: 8 },
      ['burst', 'blocked_domain', 'url_shortener', 'repeated_text'],
    ],
  ];
  it.each(cases)('%s', (_name, facts, expected) => {
    expect(spamSignals({ ...quiet, ...facts }, settings).map((s) => s.signal)).toEqual(expected);
  });

  it('say why as data, with weights that add up to the score', () => {
    const reasons = spamSignals({ text: 'https://bit.ly/x', recentInbound: 12, repeatedTextContacts: 0 }, settings);
    expect(reasons).toEqual([
      { signal: 'burst', weight: 50, messages: 12, limit: 10, windowSeconds: 60 },
      { signal: 'url_shortener', weight: 50, domains: ['bit.ly'] },
    ]);
    expect(spamScore(reasons)).toBe(100);
  });

  const reasonCases: Array<[string, Partial<SpamFacts>, SpamReason]> = [
    ['a burst: how many messages, the limit and the window', { recentInbound: 30 }, { signal: 'burst', weight: 50, messages: 30, limit: 10, windowSeconds: 60 }],
    [
      'a blocklisted link: every blocklisted domain linked to',
      { text: 'casino.example and vip.casino.example, also example.org' },
      { signal: 'blocked_domain', weight: 100, domains: ['casino.example', 'vip.casino.example'] },
    ],
    ['a shortened link: the shorteners linked through', { text: 'tinyurl.com/a or https://bit.ly/b' }, { signal: 'url_shortener', weight: 50, domains: ['tinyurl.com', 'bit.ly'] }],
    [
      'repeated text: how many new contacts, the limit and the window',
      { repeatedTextContacts: 7 },
      { signal: 'repeated_text', weight: 60, contacts: 7, limit: 5, windowSeconds: 3600 },
    ],
  ];
  it.each(reasonCases)('%s', (_name, facts, reason) => {
    expect(spamSignals({ ...quiet, ...facts }, settings)).toEqual([reason]);
  });
});

describe('what a channel does with a score', () => {
  const cases: Array<[string, number, { action: 'none' | 'quarantine' | 'block'; threshold: number }, string]> = [
    ['nothing when the channel takes no action', 500, { action: 'none', threshold: 10 }, 'none'],
    ['nothing below the threshold', 99, { action: 'block', threshold: 100 }, 'none'],
    ['blocks at the threshold', 100, { action: 'block', threshold: 100 }, 'block'],
    ['quarantines above the threshold', 150, { action: 'quarantine', threshold: 100 }, 'quarantine'],
    ['never acts on a message without signals, whatever the threshold', 0, { action: 'block', threshold: 0 }, 'none'],
  ];
  it.each(cases)('%s', (_name, score, policy, expected) => {
    expect(spamAction(score, policy)).toBe(expected);
  });
});

describe('comparing texts across new contacts', () => {
  it('one fingerprint whatever the case, spacing and punctuation', () => {
    expect(textFingerprint('WIN a free iPhone now!!! Reply YES')).toBe(textFingerprint('win a free iphone now reply   yes'));
  });
  it('different texts differ', () => {
    expect(textFingerprint('win a free iphone now reply yes')).not.toBe(textFingerprint('win a free ipad now reply yes'));
  });
  it('short texts are not compared', () => {
    expect(textFingerprint('Hi, thanks!')).toBeNull();
  });
  const now = new Date('2026-03-10T12:00:00Z');
  const cases: Array<[string, number, boolean]> = [
    ['a contact created a minute ago is new', 60_000, false],
    ['one created 59 minutes ago still is', 59 * 60_000, false],
    ['one created an hour ago is not', 60 * 60_000, true],
  ];
  it.each(cases)('%s', (_name, age, old) => {
    expect(isNewContact(new Date(now.getTime() - age), now)).toBe(!old);
  });
});
