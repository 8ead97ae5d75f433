import { describe, expect, it } from 'vitest';
import { cleanText, cleanTexts, findUnstorableText, isStorableDate, isStorableText } from './storable.rules.js';

describe('text PostgreSQL can store', () => {
  it.each([
    ['plain text', 'Hello', true],
    ['an emoji (a surrogate pair)', 'Hi 😀', true],
    ['the empty string', '', true],
    ['a NUL character', 'a\u0000b', false],
    ['a lone high surrogate', 'a\ud800', false],
    ['a lone low surrogate', '\udc00b', false],
    ['a low surrogate before a high one', '\ude00\ud83d', false],
  ])('%s: %s', (_name, text, expected) => {
    expect(isStorableText(text)).toBe(expected);
  });

  it.each([
    ['a\u0000b\u0000', 'ab'],
    ['x\ud800y', 'x\ufffdy'],
    ['😀\udfff', '😀\ufffd'],
    ['fine', 'fine'],
  ])('cleans %j to %j', (text, expected) => {
    expect(cleanText(text)).toBe(expected);
  });

  it('finds the path of the first bad value, or of the object whose key is bad', () => {
    expect(findUnstorableText({ a: 'ok', b: ['x', 'y\u0000'] })).toEqual(['b', '1']);
    expect(findUnstorableText({ a: { 'k\ud800': 1 } })).toEqual(['a']);
    expect(findUnstorableText('\u0000')).toEqual([]);
    expect(findUnstorableText({ a: ['ok', 1, null, true, { b: 'fine 😀' }] })).toBeUndefined();
    expect(findUnstorableText(Buffer.from([0, 0]))).toBeUndefined();
    // A parsed query string's prototype is an empty object without a prototype.
    function Empty() {}
    Empty.prototype = Object.create(null);
    expect(findUnstorableText(Object.assign(new (Empty as unknown as new () => object)(), { q: '\u0000' }))).toEqual(['q']);
  });

  it('cleans every string of arrays and plain objects, keys included, and leaves dates alone', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    expect(cleanTexts({ 'k\u0000': ['a\u0000', { b: '\ud800' }], at, n: 1 })).toEqual({ k: ['a', { b: '\ufffd' }], at, n: 1 });
    expect(cleanTexts({ at }).at).toBe(at);
  });
});

describe('dates PostgreSQL can store', () => {
  it.each([
    ['0001-01-01T00:00:00Z', true],
    ['9999-12-31T23:59:59Z', true],
    ['2026-06-01T12:00:00Z', true],
    ['0000-01-01T00:00:00Z', false],
    ['-000001-01-01T00:00:00Z', false],
    ['+010000-01-01T00:00:00Z', false],
    ['not a date', false],
  ])('%s: %s', (text, expected) => {
    expect(isStorableDate(new Date(text))).toBe(expected);
  });
});
