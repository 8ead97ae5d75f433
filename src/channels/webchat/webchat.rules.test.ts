import { describe, expect, it } from 'vitest';
import { createRateLimiter, identitySignature, identitySignatureValid, openingState, originAllowed, signVisitorToken, verifyVisitorToken } from './webchat.rules.js';

const key = Buffer.alloc(32, 7);
const own = 'https://switchboard.example';

describe('which pages may use a widget', () => {
  it.each([
    ['https://shop.example', ['https://shop.example'], true],
    ['https://evil.example', ['https://shop.example'], false],
    ['https://shop.example.evil.example', ['https://shop.example'], false],
    ['http://shop.example', ['https://shop.example'], false],
    ['https://anything.example', [], true],
    [own, ['https://shop.example'], true],
    [undefined, [], false],
    ['null', [], false],
  ] as const)('%s with %j allowed: %s', (origin, allowed, expected) => {
    expect(originAllowed(origin, allowed, own)).toBe(expected);
  });
});

describe('visitor tokens', () => {
  const visitor = { channelId: 'c1', identifier: 'v_abc', name: 'Ann', signed: false };

  it('read back as the visitor they were made for, on their channel only', () => {
    const token = signVisitorToken(key, visitor);
    expect(verifyVisitorToken(key, token, 'c1')).toEqual({ ...visitor, email: undefined });
    expect(verifyVisitorToken(key, token, 'c2')).toBeUndefined();
  });

  it('are refused when changed or signed with another key', () => {
    const token = signVisitorToken(key, visitor);
    const [payload, signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ c: 'c1', i: 'v_someone_else', s: 0 })).toString('base64url');
    expect(verifyVisitorToken(key, `${forged}.${signature}`, 'c1')).toBeUndefined();
    expect(verifyVisitorToken(Buffer.alloc(32, 8), token, 'c1')).toBeUndefined();
    expect(verifyVisitorToken(key, `${payload}.`, 'c1')).toBeUndefined();
    expect(verifyVisitorToken(key, 'garbage', 'c1')).toBeUndefined();
  });
});

describe('signed identities', () => {
  it('accept the HMAC-SHA256 of the user id under the secret, and nothing else', () => {
    const secret = 'a-secret-of-the-site-0123';
    const signature = identitySignature(secret, 'user-42');
    expect(signature).toMatch(/^[0-9a-f]{64}$/);
    expect(identitySignatureValid(secret, 'user-42', signature)).toBe(true);
    expect(identitySignatureValid(secret, 'user-42', signature.toUpperCase())).toBe(true);
    expect(identitySignatureValid(secret, 'user-43', signature)).toBe(false);
    expect(identitySignatureValid('another-secret-0123456', 'user-42', signature)).toBe(false);
    expect(identitySignatureValid(secret, 'user-42', 'abc')).toBe(false);
  });
});

describe('opening hours', () => {
  const hours = { timezone: 'Europe/Berlin', openDays: [1, 2, 3, 4, 5], opensAt: '09:00', closesAt: '17:00' };

  it.each([
    ['a Monday at 10:00 in Berlin is open', '2026-06-01T08:00:00Z', true, null],
    ['a Monday at 08:30 opens at 09:00 the same day', '2026-06-01T06:30:00Z', false, '2026-06-01T07:00:00.000Z'],
    ['a Friday evening opens on Monday', '2026-06-05T18:00:00Z', false, '2026-06-08T07:00:00.000Z'],
    ['winter time moves the hour', '2026-12-07T07:30:00Z', false, '2026-12-07T08:00:00.000Z'],
  ])('%s', (_name, now, open, next) => {
    const state = openingState(hours, new Date(now));
    expect(state.open).toBe(open);
    expect(state.nextOpenAt?.toISOString() ?? null).toBe(next);
  });

  it('finds an odd minute exactly', () => {
    const state = openingState({ ...hours, opensAt: '09:07' }, new Date('2026-06-01T06:30:00Z'));
    expect(state.nextOpenAt?.toISOString()).toBe('2026-06-01T07:07:00.000Z');
  });

  it('never opens without an open day', () => {
    expect(openingState({ ...hours, openDays: [] }, new Date('2026-06-01T08:00:00Z'))).toEqual({ open: false, nextOpenAt: null });
  });
});

describe('the rate limiter', () => {
  it('lets the limit through in a window, then says how long to wait, then lets through again', () => {
    const limit = createRateLimiter({ limit: 2, windowMs: 1000 });
    expect(limit('a', 0)).toBe(0);
    expect(limit('a', 100)).toBe(0);
    expect(limit('a', 200)).toBe(800);
    expect(limit('b', 200)).toBe(0);
    expect(limit('a', 1000)).toBe(0);
  });
});
