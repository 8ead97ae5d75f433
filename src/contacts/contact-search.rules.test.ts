import { describe, expect, it } from 'vitest';
import { classifySearch, escapeLike, searchTerms } from './contact-search.rules.js';

describe('reading a search query', () => {
  it.each([
    ['+49 151 12345678', 'phone'],
    ['0151 123 45678', 'phone'],
    ['(212) 555-0123', 'phone'],
    ['0049-151-12345678', 'phone'],
    ['123', 'phone'],
    ['12', 'name'],
    ['anna@example.com', 'email'],
    ['@gmail', 'email'],
    ['Anna', 'name'],
    ['Müller 2', 'name'],
    ['王小明', 'name'],
    ['   ', null],
  ])('%j is a %s query', (query, kind) => {
    expect(classifySearch(query)).toBe(kind);
  });
});

describe('phone search terms', () => {
  it('an international number matches that number, and numbers that start with it', () => {
    expect(searchTerms('+49 151 12345678')).toEqual({ kind: 'phone', numbers: ['+4915112345678'], pattern: '+4915112345678%' });
  });

  it('00 is read as +', () => {
    expect(searchTerms('0049 151 12345678')).toEqual({ kind: 'phone', numbers: ['+4915112345678'], pattern: '+4915112345678%' });
  });

  it('a partial international number matches numbers starting with it', () => {
    expect(searchTerms('+49 151')).toEqual({ kind: 'phone', numbers: [], pattern: '+49151%' });
  });

  it('a national number is read in each country present where it is valid, and its digits match anywhere', () => {
    expect(searchTerms('0151 123 45678', ['DE', 'FR', 'AT'])).toEqual({
      kind: 'phone',
      numbers: ['+4915112345678', '+4315112345678'],
      pattern: '%15112345678%',
    });
  });

  it('a national number whose trunk prefix is not 0 still finds its number through the countries', () => {
    expect(searchTerms('8 (912) 345-67-89', ['RU'])).toEqual({ kind: 'phone', numbers: ['+79123456789'], pattern: '%89123456789%' });
  });

  it('a few digits match inside numbers', () => {
    expect(searchTerms('4567', ['DE'])).toEqual({ kind: 'phone', numbers: [], pattern: '%4567%' });
  });

  it('leading zeros alone leave too little to search by digits', () => {
    expect(searchTerms('0012', ['DE'])).toEqual({ kind: 'phone', numbers: [], pattern: '+12%' });
    expect(searchTerms('00 0', ['DE'])).toEqual({ kind: 'phone', numbers: [], pattern: null });
  });
});

describe('email and name search terms', () => {
  it('an email query is a lower-cased prefix, LIKE characters taken literally', () => {
    expect(searchTerms('John_Doe@Ex')).toEqual({ kind: 'email', pattern: 'john\\_doe@ex%' });
  });

  it('one word of three characters or more also matches the start of an email address or of its domain', () => {
    expect(searchTerms('Kohler2')).toEqual({ kind: 'name', words: [{ text: 'Kohler2', match: 'substring' }], emailPrefix: 'kohler2%' });
    expect(searchTerms('example.com')).toEqual({ kind: 'name', words: [{ text: 'example.com', match: 'substring' }], emailPrefix: 'example.com%' });
    expect(searchTerms('my_shop')).toMatchObject({ emailPrefix: 'my\\_shop%' });
  });

  it('several words, or fewer than three characters, are names only', () => {
    expect(searchTerms('anna kohler')).not.toHaveProperty('emailPrefix');
    expect(searchTerms('ko')).not.toHaveProperty('emailPrefix');
  });

  it('name words of three characters or more match anywhere, shorter ones at a word start', () => {
    expect(searchTerms('  anna   MÜ ')).toEqual({
      kind: 'name',
      words: [
        { text: 'anna', match: 'substring' },
        { text: 'MÜ', match: 'prefix' },
      ],
    });
  });

  it('one or two CJK characters are a name part, matched anywhere', () => {
    expect(searchTerms('小明')).toEqual({ kind: 'name', words: [{ text: '小明', match: 'substring' }] });
  });

  it('LIKE wildcards in a name are literal', () => {
    expect(searchTerms('50%_off')).toEqual({ kind: 'name', words: [{ text: '50\\%\\_off', match: 'substring' }], emailPrefix: '50\\%\\_off%' });
    expect(escapeLike('a\\b')).toBe('a\\\\b');
  });

  it('an empty query searches nothing', () => {
    expect(searchTerms('')).toBeNull();
  });
});
