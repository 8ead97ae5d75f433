import { describe, expect, it } from 'vitest';
import {
  defaultMapping,
  exportColumns,
  exportRecord,
  importRecord,
  isEmptyContact,
  mappingProblem,
  spreadsheetSafe,
  withoutFormulaQuotes,
} from './contact-csv.rules.js';
import type { ContactItem } from './contacts.repository.js';

const item: ContactItem = {
  id: '01900000-0000-7000-8000-000000000001',
  firstName: 'Zoë',
  lastName: 'Ωμέγα',
  displayName: null,
  avatarUrl: null,
  email: 'zoe@example.com',
  phone: '+4915112345678',
  country: 'DE',
  countrySource: 'phone',
  language: 'de',
  assigneeId: null,
  tags: ['VIP', 'Lead'],
  customFields: { plan: 'Pro', score: 7 },
  blocked: false,
  quarantined: false,
  channels: ['whatsapp'],
  conversationStatus: 'open',
  conversationId: null,
  lastInteractionAt: null,
  createdAt: new Date('2024-05-01T10:00:00Z'),
  updatedAt: new Date('2024-05-01T10:00:00Z'),
};

describe('CSV export', () => {
  it('has the standard columns, then one per custom field, in the definitions order', () => {
    const columns = exportColumns([{ key: 'plan' }, { key: 'score' }]);
    expect(columns.slice(0, 3)).toEqual(['id', 'firstName', 'lastName']);
    expect(columns.slice(-2)).toEqual(['cf.plan', 'cf.score']);
  });

  it('writes a contact as one row under those columns', () => {
    const columns = exportColumns([{ key: 'plan' }, { key: 'score' }]);
    const row = exportRecord(item, [{ key: 'plan' }, { key: 'score' }]);
    expect(Object.fromEntries(columns.map((c, i) => [c, row[i]]))).toMatchObject({
      firstName: 'Zoë',
      tags: 'VIP; Lead',
      blocked: 'false',
      lastInteractionAt: '',
      createdAt: '2024-05-01T10:00:00.000Z',
      'cf.plan': 'Pro',
      'cf.score': '7',
    });
  });
});

describe('CSV import', () => {
  it('maps columns named like fields, in any case, and known custom fields', () => {
    expect(defaultMapping(['First Name', 'EMAIL', 'cf.plan', 'cf.unknown', 'notes'], new Set(['plan']))).toEqual({
      'First Name': 'firstName',
      EMAIL: 'email',
      'cf.plan': 'cf.plan',
    });
  });

  it('an exported file imports back through the default mapping', () => {
    const columns = exportColumns([{ key: 'plan' }]);
    const mapping = defaultMapping(columns, new Set(['plan']));
    const record = Object.fromEntries(columns.map((c, i) => [c, exportRecord(item, [{ key: 'plan' }])[i]!]));
    expect(importRecord(record, mapping)).toEqual({
      input: { firstName: 'Zoë', lastName: 'Ωμέγα', email: 'zoe@example.com', phone: '+4915112345678', country: 'DE', language: 'de', customFields: { plan: 'Pro' } },
      tags: ['VIP', 'Lead'],
    });
  });

  it.each([
    [{ Name: 'firstName' }, ['Mail'], 'Name', /no column "Name"/],
    [{ Mail: 'mail' }, ['Mail'], 'Mail', /not a contact field/],
    [{ Mail: 'cf.nope' }, ['Mail'], 'Mail', /not a contact field/],
    [{ A: 'email', B: 'email' }, ['A', 'B'], 'B', /two columns map to email/],
    [{}, ['A'], '', /no column maps/],
  ])('refuses the mapping %j over columns %j', (mapping, headers, column, message) => {
    const problem = mappingProblem(mapping, headers, new Set());
    expect(problem?.column).toBe(column);
    expect(problem?.message).toMatch(message);
  });

  it('blank cells leave fields out; a row naming nobody is empty', () => {
    const { input } = importRecord({ a: ' ', b: '' }, { a: 'firstName', b: 'email' });
    expect(input).toEqual({});
    expect(isEmptyContact(input)).toBe(true);
    expect(isEmptyContact({ phone: '+33612345678' })).toBe(false);
  });
});

describe('formulas in cells', () => {
  const columns = ['firstName', 'phone', 'cf.note', 'email'];
  it.each([
    [['=HYPERLINK("x")', '+4915112345678', '@mention', 'a@example.com'], ["'=HYPERLINK(\"x\")", '+4915112345678', "'@mention", 'a@example.com']],
    [['-1', '', '+1', ''], ["'-1", '', "'+1", '']],
    [['Anna', '', 'plain', ''], ['Anna', '', 'plain', '']],
  ])('free text %j is exported as %j, phones and emails as they are', (values, expected) => {
    expect(spreadsheetSafe(columns, values)).toEqual(expected);
    expect(Object.values(withoutFormulaQuotes(Object.fromEntries(columns.map((c, i) => [c, expected[i]!]))))).toEqual(values);
  });

  it("keeps a leading ' that protects nothing", () => {
    expect(withoutFormulaQuotes({ lastName: "'t Hooft" })).toEqual({ lastName: "'t Hooft" });
  });
});
