import { createHmac } from 'node:crypto';
import { sameBytes } from '../platform/constant-time.js';

/**
 * Download links that work without a session, for the systems a reply's files are delivered to
 * (the API channel's integration, later providers that fetch media by URL). The link carries its
 * expiry and an HMAC over (attachment id, expiry) with a server key; nothing else grants access.
 */
export const LINK_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;

export type LinkParameters = { expires: string; signature: string };

function mac(secret: Buffer, attachmentId: string, expires: string): string {
  return createHmac('sha256', secret).update(`attachment:${attachmentId}:${expires}`).digest('base64url');
}

/** `expires` in Unix seconds. */
export function signLink(secret: Buffer, attachmentId: string, expiresAt: Date): LinkParameters {
  const expires = String(Math.floor(expiresAt.getTime() / 1000));
  return { expires, signature: mac(secret, attachmentId, expires) };
}

/** True only for a link this server signed for this attachment and that has not expired. */
export function verifyLink(secret: Buffer, attachmentId: string, link: Partial<LinkParameters>, now: Date): boolean {
  const { expires, signature } = link;
  if (typeof expires !== 'string' || !/^\d{1,12}$/.test(expires) || typeof signature !== 'string') return false;
  // The text is compared, not the decoded bytes: base64url decoding forgives stray characters.
  const expected = Buffer.from(mac(secret, attachmentId, expires));
  const given = Buffer.from(signature);
  // Compared before the expiry is looked at, so an answer's timing says nothing about the signature.
  const valid = sameBytes(given, expected);
  return valid && Number(expires) * 1000 > now.getTime();
}
