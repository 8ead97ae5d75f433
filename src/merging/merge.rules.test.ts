import { describe, expect, it } from 'vitest';
import { normaliseContactInput } from '../contacts/contact-fields.rules.js';
import {
  type ConversationState,
  defaultSide,
  differingFields,
  groupIsSuggested,
  isSuggested,
  type MatchableContact,
  type MergeableContact,
  mergedConversation,
  mergedValues,
  pairKey,
  resolveChoices,
  sharedReasons,
  suggestionsFor,
  undoBlocker,
  type UndoState,
} from './merge.rules.js';

/** The match key Contacts stores for what a person typed, with the contact's country. */
function storedPhone(typed: string, country: string | null) {
  const result = normaliseContactInput({ phone: typed }, country ? { phone: null, country, countrySource: 'manual' } : null, new Map());
  return result.ok ? result.changes.phone : `refused: ${result.error.message}`;
}

function storedEmail(typed: string) {
  const result = normaliseContactInput({ email: typed }, null, new Map());
  return result.ok ? result.changes.email : `refused: ${result.error.message}`;
}

describe('normalised values (what duplicates are matched on)', () => {
  it.each([
    ['+49 151 12345678', 'DE', '+4915112345678'],
    ['0151 12345678', 'DE', '+4915112345678'],
    ['0151/123 456 78', 'DE', '+4915112345678'],
    ['0049 151 12345678', null, '+4915112345678'],
    ['+49 (0)151 12345678', null, '+4915112345678'],
    ['06 12 34 56 78', 'FR', '+33612345678'],
    ['+33 6 12 34 56 78', 'DE', '+33612345678'],
    ['(415) 555-2671', 'US', '+14155552671'],
  ])('a phone typed %s by a contact of %s is stored as %s', (typed, country, expected) => {
    expect(storedPhone(typed, country)).toBe(expected);
  });

  it('reads a national number by the contact\'s country: 0151 … is German for a German contact only', () => {
    expect(storedPhone('0151 12345678', 'DE')).toBe(storedPhone('+49 151 12345678', null));
    expect(storedPhone('0151 12345678', 'AT')).not.toBe(storedPhone('+49 151 12345678', null));
  });

  it.each([
    ['Ana@Example.COM', 'ana@example.com'],
    ['  ana@example.com ', 'ana@example.com'],
  ])('an email typed %j is stored as %s', (typed, expected) => {
    expect(storedEmail(typed)).toBe(expected);
  });
});

const contact = (id: string, phone: string | null, email: string | null): MatchableContact => ({ id, phone, email });

describe('shared values', () => {
  it.each([
    ['the same phone', contact('a', '+4915112345678', null), contact('b', '+4915112345678', 'b@x.test'), ['phone']],
    ['the same email', contact('a', null, 'ana@x.test'), contact('b', '+33612345678', 'ana@x.test'), ['email']],
    ['both, phone first', contact('a', '+4915112345678', 'ana@x.test'), contact('b', '+4915112345678', 'ana@x.test'), ['phone', 'email']],
    ['nothing', contact('a', '+4915112345678', 'ana@x.test'), contact('b', '+4915112345679', 'bo@x.test'), []],
    ['nothing when both lack a value', contact('a', null, null), contact('b', null, null), []],
  ])('%s', (_name, a, b, fields) => {
    expect(sharedReasons(a, b).map((reason) => reason.field)).toEqual(fields);
  });
});

describe('dismissals', () => {
  const phone = { field: 'phone' as const, value: '+4915112345678' };
  const email = { field: 'email' as const, value: 'ana@x.test' };
  it.each([
    ['never dismissed', [phone], undefined, true],
    ['dismissed for exactly what they share', [phone], ['phone:+4915112345678'], false],
    ['dismissed for the phone, now sharing an email too', [phone, email], ['phone:+4915112345678'], true],
    ['dismissed for an older phone, now sharing another one', [phone], ['phone:+4915100000000'], true],
    ['dismissed for both, now sharing only one', [email], ['phone:+4915112345678', 'email:ana@x.test'], false],
    ['sharing nothing', [], undefined, false],
  ])('%s: suggested %s', (_name, shared, dismissed, expected) => {
    expect(isSuggested(shared, dismissed)).toBe(expected);
  });
});

describe('suggestions for one contact', () => {
  const ana = contact('a', '+4915112345678', 'ana@x.test');
  it('lists each other contact once with every value they share, and leaves out dismissed pairs', () => {
    const candidates = [contact('b', '+4915112345678', 'ana@x.test'), contact('c', null, 'ana@x.test'), contact('d', '+4915112345678', null)];
    const dismissals = new Map([[pairKey('a', 'd'), ['phone:+4915112345678']]]);
    expect(suggestionsFor(ana, candidates, dismissals)).toEqual([
      { contactIds: ['a', 'b'], reasons: [{ field: 'phone', value: '+4915112345678' }, { field: 'email', value: 'ana@x.test' }] },
      { contactIds: ['a', 'c'], reasons: [{ field: 'email', value: 'ana@x.test' }] },
    ]);
  });
});

describe('duplicate groups', () => {
  const members = [contact('a', '+4915112345678', null), contact('b', '+4915112345678', null), contact('c', '+4915112345678', null)];
  const phone = ['phone:+4915112345678'];
  it.each([
    ['no dismissal', new Map<string, string[]>(), true],
    ['one pair dismissed of three', new Map([[pairKey('a', 'b'), phone]]), true],
    [
      'every pair dismissed',
      new Map([
        [pairKey('a', 'b'), phone],
        [pairKey('a', 'c'), phone],
        [pairKey('b', 'c'), phone],
      ]),
      false,
    ],
  ])('a group of three sharing a phone, %s: still a suggestion %s', (_name, dismissals, expected) => {
    expect(groupIsSuggested(members, dismissals)).toBe(expected);
  });
});

const base: MergeableContact = {
  firstName: null,
  lastName: null,
  email: null,
  phone: null,
  country: null,
  countrySource: null,
  language: null,
  assigneeId: null,
  customFields: {},
  displayName: null,
  avatarUrl: null,
  lastInteractionAt: null,
  quarantinedAt: null,
  updatedAt: new Date('2026-01-01T00:00:00Z'),
};
const older = new Date('2026-01-01T00:00:00Z');
const newer = new Date('2026-02-01T00:00:00Z');

describe('which value a merge keeps', () => {
  it.each([
    ['both filled, the secondary updated later', { firstName: 'Ana', updatedAt: older }, { firstName: 'Anna', updatedAt: newer }, 'secondary'],
    ['both filled, the primary updated later', { firstName: 'Ana', updatedAt: newer }, { firstName: 'Anna', updatedAt: older }, 'primary'],
    ['both filled, updated at the same time', { firstName: 'Ana', updatedAt: older }, { firstName: 'Anna', updatedAt: older }, 'primary'],
    ['only the primary filled, though older', { firstName: 'Ana', updatedAt: older }, { firstName: null, updatedAt: newer }, 'primary'],
    ['only the secondary filled', { firstName: null, updatedAt: newer }, { firstName: 'Anna', updatedAt: older }, 'secondary'],
  ] as const)('by default, %s: the %s', (_name, primary, secondary, expected) => {
    expect(defaultSide({ ...base, ...primary }, { ...base, ...secondary }, 'firstName')).toBe(expected);
  });

  it('chooses only where the values differ, custom fields by key', () => {
    const primary = { ...base, firstName: 'Ana', email: 'ana@x.test', customFields: { plan: 'pro', size: 3 } };
    const secondary = { ...base, firstName: 'Ana', email: 'anna@x.test', phone: '+4915112345678', customFields: { plan: 'free' } };
    expect(differingFields(primary, secondary)).toEqual(['email', 'phone', 'customFields.plan', 'customFields.size']);
  });

  it('takes the request\'s choices and defaults the rest; refuses a field neither contact has', () => {
    const primary = { ...base, firstName: 'Ana', lastName: 'Silva', updatedAt: newer };
    const secondary = { ...base, firstName: 'Anna', lastName: 'Souza', updatedAt: older };
    expect(resolveChoices(primary, secondary, { lastName: 'secondary' })).toEqual({ ok: true, choices: { firstName: 'primary', lastName: 'secondary' } });
    expect(resolveChoices(primary, secondary, { nickname: 'secondary' })).toEqual({ ok: false, field: 'nickname' });
    expect(resolveChoices(primary, secondary, { 'customFields.plan': 'secondary' })).toEqual({ ok: false, field: 'customFields.plan' });
  });

  it('builds the kept contact: chosen fields, the union of custom fields, the latest interaction and the profile of whoever spoke last', () => {
    const primary: MergeableContact = {
      ...base,
      firstName: 'Ana',
      phone: '+4915112345678',
      country: 'DE',
      countrySource: 'phone',
      customFields: { plan: 'pro' },
      displayName: 'ana_wa',
      avatarUrl: 'https://example.test/a.png',
      lastInteractionAt: older,
    };
    const secondary: MergeableContact = {
      ...base,
      firstName: 'Anna',
      email: 'anna@x.test',
      phone: '+33612345678',
      country: 'FR',
      countrySource: 'manual',
      language: 'fr',
      customFields: { plan: 'free', vip: true },
      displayName: 'Anna S.',
      lastInteractionAt: newer,
      quarantinedAt: older,
    };
    const merged = mergedValues(primary, secondary, { firstName: 'primary', phone: 'primary', country: 'secondary', 'customFields.plan': 'secondary' });
    expect(merged).toEqual({
      firstName: 'Ana',
      lastName: null,
      email: 'anna@x.test',
      phone: '+4915112345678',
      country: 'FR',
      countrySource: 'manual',
      language: 'fr',
      assigneeId: null,
      customFields: { plan: 'free', vip: true },
      displayName: 'Anna S.',
      avatarUrl: 'https://example.test/a.png',
      lastInteractionAt: newer,
      quarantinedAt: older,
    });
  });
});

const conversation = (overrides: Partial<ConversationState>): ConversationState => ({
  status: 'closed',
  snoozedUntil: null,
  assigneeId: null,
  teamId: null,
  lastMessageAt: older,
  lastInboundAt: null,
  lastOutboundAt: null,
  awaitingReplySince: null,
  ...overrides,
});

describe('two conversations as one timeline', () => {
  it.each([
    ['closed + open: open, with the secondary\'s assignee', 'closed', 'open', 'open', 'u2'],
    ['open + closed: open, with the primary\'s', 'open', 'closed', 'open', 'u1'],
    ['snoozed + open: open', 'snoozed', 'open', 'open', 'u2'],
    ['closed + snoozed: snoozed', 'closed', 'snoozed', 'snoozed', 'u2'],
    ['open + open: the primary\'s', 'open', 'open', 'open', 'u1'],
  ] as const)('%s', (_name, primaryStatus, secondaryStatus, status, assigneeId) => {
    const merged = mergedConversation(conversation({ status: primaryStatus, assigneeId: 'u1' }), conversation({ status: secondaryStatus, assigneeId: 'u2' }));
    expect([merged.status, merged.assigneeId]).toEqual([status, assigneeId]);
  });

  it('takes the latest times and waits for a reply to the oldest unanswered message of either', () => {
    const t = (minute: number) => new Date(Date.UTC(2026, 0, 1, 12, minute));
    const merged = mergedConversation(
      conversation({ lastMessageAt: t(10), lastInboundAt: t(10), lastOutboundAt: t(5), awaitingReplySince: t(8) }),
      conversation({ lastMessageAt: t(20), lastInboundAt: t(3), lastOutboundAt: t(20), awaitingReplySince: null }),
    );
    expect(merged).toMatchObject({ lastMessageAt: t(20), lastInboundAt: t(10), lastOutboundAt: t(20), awaitingReplySince: null });
    const waiting = mergedConversation(
      conversation({ lastMessageAt: t(10), lastOutboundAt: t(2), awaitingReplySince: t(9) }),
      conversation({ lastMessageAt: t(6), lastOutboundAt: null, awaitingReplySince: t(4) }),
    );
    expect(waiting.awaitingReplySince).toEqual(t(4));
  });
});

describe('what stops an undo', () => {
  const fine: UndoState = { undone: false, mergedAgain: false, primaryExists: true, primaryBlocked: false, conversationExists: true };
  it.each([
    ['nothing', {}, null],
    ['undone already', { undone: true }, 'merge_already_undone'],
    ['the kept contact merged again (and so gone)', { mergedAgain: true, primaryExists: false }, 'merge_superseded'],
    ['the kept contact deleted', { primaryExists: false }, 'merge_contact_deleted'],
    ['the kept contact blocked', { primaryBlocked: true }, 'contact_blocked'],
    ['the conversation with the messages deleted', { conversationExists: false }, 'merge_conversation_deleted'],
  ] as const)('%s: %s', (_name, change, expected) => {
    expect(undoBlocker({ ...fine, ...change })).toBe(expected);
  });
});
