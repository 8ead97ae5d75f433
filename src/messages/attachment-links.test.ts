import { describe, expect, it } from 'vitest';
import { LINK_LIFETIME_MS, signLink, verifyLink } from './attachment-links.js';

const secret = Buffer.alloc(32, 7);
const otherSecret = Buffer.alloc(32, 8);
const id = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
const otherId = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c';
const signedAt = new Date('2026-03-02T09:00:00Z');
const link = signLink(secret, id, new Date(signedAt.getTime() + LINK_LIFETIME_MS));
const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);

describe('signed attachment links', () => {
  it.each([
    ['the link as signed, just made', id, link, signedAt, true],
    ['the link as signed, a second before it expires', id, link, new Date(signedAt.getTime() + LINK_LIFETIME_MS - 1000), true],
    ['an expired link', id, link, new Date(signedAt.getTime() + LINK_LIFETIME_MS), false],
    ['another attachment with this link', otherId, link, signedAt, false],
    ['a later expiry with the old signature', id, { ...link, expires: String(Number(link.expires) + 3600) }, signedAt, false],
    ['a changed first character', id, { ...link, signature: flip(link.signature, 0) }, signedAt, false],
    ['a changed last character (only padding bits)', id, { ...link, signature: flip(link.signature, link.signature.length - 1) }, signedAt, false],
    ['a character added', id, { ...link, signature: `${link.signature}=` }, signedAt, false],
    ['no signature', id, { expires: link.expires }, signedAt, false],
    ['no expiry', id, { signature: link.signature }, signedAt, false],
    ['an expiry that is not a number', id, { ...link, expires: `${link.expires}.5` }, signedAt, false],
    ['nothing', id, {}, signedAt, false],
  ])('%s', (_name, attachmentId, parameters, now, expected) => {
    expect(verifyLink(secret, attachmentId, parameters, now)).toBe(expected);
  });

  it('a link signed with another server key is refused', () => {
    expect(verifyLink(otherSecret, id, link, signedAt)).toBe(false);
  });
});
