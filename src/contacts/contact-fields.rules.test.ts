import { describe, expect, it } from 'vitest';
import {
  changedFields,
  type ContactState,
  type CustomFieldDefinition,
  normaliseContactInput,
  normaliseCountry,
  normaliseCustomValue,
  normaliseEmail,
  normaliseLanguage,
  normalisePhone,
  normaliseTagNames,
} from './contact-fields.rules.js';

describe('phone numbers', () => {
  it.each([
    ['+49 151 12345678', undefined, '+4915112345678', 'DE'],
    ['+4915112345678', undefined, '+4915112345678', 'DE'],
    ['0049 151 1234 5678', undefined, '+4915112345678', 'DE'],
    ['0151 12345678', 'DE', '+4915112345678', 'DE'],
    ['(0151) 123-456-78', 'DE', '+4915112345678', 'DE'],
    ['06 12 34 56 78', 'FR', '+33612345678', 'FR'],
    ['+1 (204) 234-5678', undefined, '+12042345678', 'CA'],
    ['+1 212 555 0123', undefined, '+12125550123', 'US'],
    ['8 (912) 345-67-89', 'RU', '+79123456789', 'RU'],
    ['+81 90-1234-5678', undefined, '+819012345678', 'JP'],
    ['+971 50 123 4567', undefined, '+971501234567', 'AE'],
    ['+44 7400 123456', 'DE', '+447400123456', 'GB'],
  ])('%s (default country %s) is %s in %s', (input, country, e164, expectedCountry) => {
    expect(normalisePhone(input, country)).toEqual({ ok: true, value: { e164, country: expectedCountry } });
  });

  it.each([
    ['0151 12345678', undefined, /country code/],
    ['+49 151', undefined, /not a valid phone number/],
    ['12', 'DE', /not a valid phone number/],
    ['call me', 'DE', /not a valid phone number/],
    ['', 'DE', /not a valid phone number/],
    ['+49 151 12345678 12345678 12345678 123456', undefined, /not a valid phone number/],
  ])('%s (default country %s) is refused', (input, country, reason) => {
    const result = normalisePhone(input, country);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });
});

describe('emails, countries and languages', () => {
  it.each([
    ['Anna.Schmidt@Example.COM', { ok: true, value: 'anna.schmidt@example.com' }],
    ['  bob@example.org ', { ok: true, value: 'bob@example.org' }],
    ['no-at-sign.example.com', { ok: false, reason: 'not a valid email address' }],
    ['two@@example.com', { ok: false, reason: 'not a valid email address' }],
  ])('email %s', (input, expected) => {
    expect(normaliseEmail(input)).toEqual(expected);
  });

  it.each([
    ['de', { ok: true, value: 'DE' }],
    ['FR', { ok: true, value: 'FR' }],
    ['AQ', { ok: true, value: 'AQ' }],
    ['XX', { ok: false, reason: 'not an ISO 3166 country code (e.g. DE)' }],
    ['Germany', { ok: false, reason: 'not an ISO 3166 country code (e.g. DE)' }],
  ])('country %s', (input, expected) => {
    expect(normaliseCountry(input)).toEqual(expected);
  });

  it.each([
    ['de', true, 'de'],
    ['pt-br', true, 'pt-BR'],
    ['zh-Hant-TW', true, 'zh-Hant-TW'],
    ['not a language', false, undefined],
  ])('language %s', (input, ok, value) => {
    const result = normaliseLanguage(input);
    expect(result.ok).toBe(ok);
    if (result.ok) expect(result.value).toBe(value);
  });
});

describe('custom field values', () => {
  const field = (type: CustomFieldDefinition['type'], options: string[] | null = null): CustomFieldDefinition => ({ key: 'f', type, options });

  it.each([
    ['text', '  hello ', 'hello'],
    ['number', 42, 42],
    ['number', '3.5', 3.5],
    ['number', '-7', -7],
    ['date', '2024-02-29', '2024-02-29'],
    ['checkbox', true, true],
    ['checkbox', 'yes', true],
    ['checkbox', 'FALSE', false],
    ['checkbox', '0', false],
    ['email', 'Ops@Example.com', 'ops@example.com'],
    ['phone', '+33 6 12 34 56 78', '+33612345678'],
    ['url', 'https://example.com/a?b=c', 'https://example.com/a?b=c'],
    ['url', 'example.com', 'https://example.com/'],
  ] as const)('a %s field takes %j as %j', (type, raw, value) => {
    expect(normaliseCustomValue(field(type), raw)).toEqual({ ok: true, value });
  });

  it('a dropdown takes one of its options, whatever the case, spelled as defined', () => {
    expect(normaliseCustomValue(field('dropdown', ['Gold', 'Silver']), 'gold')).toEqual({ ok: true, value: 'Gold' });
    expect(normaliseCustomValue(field('dropdown', ['Gold', 'Silver']), 'Bronze')).toEqual({ ok: false, reason: 'must be one of: Gold, Silver' });
  });

  it.each([
    ['text', 12, 'must be text'],
    ['number', 'twelve', 'must be a number'],
    ['number', true, 'must be a number'],
    ['date', '2023-02-29', 'must be a date written YYYY-MM-DD'],
    ['date', '01.02.2024', 'must be a date written YYYY-MM-DD'],
    ['checkbox', 'maybe', 'must be true or false'],
    ['email', 'nobody', 'not a valid email address'],
    ['phone', '12345', 'not a valid phone number: write it with its country code, e.g. +4915112345678'],
    ['url', 'javascript:alert(1)', 'must be an http(s) URL'],
    ['url', 'http://', 'not a valid URL'],
  ] as const)('a %s field refuses %j', (type, raw, reason) => {
    expect(normaliseCustomValue(field(type), raw)).toEqual({ ok: false, reason });
  });

  it.each([null, '', '   '])('%j clears a value of any type', (raw) => {
    for (const type of ['text', 'number', 'date', 'checkbox', 'email', 'phone', 'url'] as const) {
      expect(normaliseCustomValue(field(type), raw)).toEqual({ ok: true, value: null });
    }
  });
});

describe('a whole contact', () => {
  const definitions = new Map<string, CustomFieldDefinition>([
    ['plan', { key: 'plan', type: 'dropdown', options: ['Free', 'Pro'] }],
    ['score', { key: 'score', type: 'number', options: null }],
  ]);
  const stored = (state: Partial<ContactState>): ContactState => ({ phone: null, country: null, countrySource: null, ...state });

  it('takes the country from a new phone number', () => {
    const result = normaliseContactInput({ phone: '+33 6 12 34 56 78' }, null, definitions);
    expect(result).toEqual({ ok: true, changes: { phone: '+33612345678', country: 'FR', countrySource: 'phone' } });
  });

  it('keeps a country set by hand when the phone changes', () => {
    const current = stored({ phone: '+33612345678', country: 'CH', countrySource: 'manual' });
    const result = normaliseContactInput({ phone: '+49 151 12345678' }, current, definitions);
    expect(result).toEqual({ ok: true, changes: { phone: '+4915112345678' } });
  });

  it('reads a national number in the country set by hand', () => {
    const result = normaliseContactInput({ country: 'de', phone: '0151 12345678' }, null, definitions);
    expect(result).toEqual({ ok: true, changes: { phone: '+4915112345678', country: 'DE', countrySource: 'manual' } });
  });

  it('reads a national number in the stored country', () => {
    const current = stored({ country: 'FR', countrySource: 'manual' });
    expect(normaliseContactInput({ phone: '06 12 34 56 78' }, current, definitions)).toMatchObject({ ok: true, changes: { phone: '+33612345678' } });
  });

  it('hands the country back to the phone when the hand-set one is cleared', () => {
    const current = stored({ phone: '+33612345678', country: 'CH', countrySource: 'manual' });
    expect(normaliseContactInput({ country: null }, current, definitions)).toEqual({
      ok: true,
      changes: { country: 'FR', countrySource: 'phone' },
    });
  });

  it('clears a phone-derived country with the phone', () => {
    const current = stored({ phone: '+33612345678', country: 'FR', countrySource: 'phone' });
    expect(normaliseContactInput({ phone: null }, current, definitions)).toEqual({
      ok: true,
      changes: { phone: null, country: null, countrySource: null },
    });
  });

  it('splits custom fields into values to merge and keys to clear', () => {
    expect(normaliseContactInput({ customFields: { plan: 'pro', score: null } }, null, definitions)).toEqual({
      ok: true,
      changes: { customFieldsSet: { plan: 'Pro' }, customFieldsRemoved: ['score'] },
    });
  });

  it.each([
    [{ email: 'not-an-email' }, 'email'],
    [{ phone: '12' }, 'phone'],
    [{ country: 'XX' }, 'country'],
    [{ language: '!!' }, 'language'],
    [{ firstName: 'x'.repeat(201) }, 'firstName'],
    [{ customFields: { unknown: 'x' } }, 'customFields.unknown'],
    [{ customFields: { score: 'high' } }, 'customFields.score'],
  ])('names the invalid field of %j', (input, field) => {
    const result = normaliseContactInput(input, null, definitions);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.field).toBe(field);
      expect(result.error.message.startsWith(`${field}: `)).toBe(true);
    }
  });

  it('reports only the fields a change really alters', () => {
    const current = { firstName: 'Ann', lastName: 'Lee', email: null, customFields: { plan: 'Pro', score: 3 } };
    expect(
      changedFields(current, { firstName: 'Ann', lastName: 'Li', customFieldsSet: { plan: 'Pro', score: 4 }, customFieldsRemoved: ['gone'] }),
    ).toEqual(['lastName', 'customFields.score']);
  });
});

describe('tag names', () => {
  it('are trimmed and de-duplicated case-insensitively, the first spelling winning', () => {
    expect(normaliseTagNames([' VIP ', 'vip', 'Lead  Magnet', 'lead magnet'])).toEqual({ ok: true, value: ['VIP', 'Lead Magnet'] });
  });

  it.each([[['']], [['x'.repeat(65)]]])('refuse %j', (names) => {
    expect(normaliseTagNames(names).ok).toBe(false);
  });
});
