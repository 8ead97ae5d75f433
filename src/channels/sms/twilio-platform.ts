import { createHmac } from 'node:crypto';
import { sameBytes } from '../../platform/constant-time.js';
import type { WebhookRequest } from '../channel-registry.js';

/**
 * Twilio's webhook signature (../shared/CHANNELS.md, "SMS via Twilio"): `X-Twilio-Signature` is
 * Base64(HMAC-SHA1(auth token, the full URL Twilio called + each POST parameter's name and value,
 * sorted by name)). The official `twilio` package's `validateRequest` is the reference; a test
 * checks that both agree.
 */
export const TWILIO_SIGNATURE_HEADER = 'x-twilio-signature';

/** The form's parameters, each name with all its values (a repeated name keeps each one). */
export function formParams(rawBody: Buffer): Map<string, string[]> {
  const params = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(rawBody.toString('utf8'))) params.set(name, [...(params.get(name) ?? []), value]);
  return params;
}

export function twilioSignature(authToken: string, url: string, params: Map<string, string[]>): string {
  let data = url;
  for (const name of [...params.keys()].sort()) {
    for (const value of [...params.get(name)!].sort()) data += name + value;
  }
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

/** Over the URL the server is reached at (`PUBLIC_URL` + path and query) and the raw form, in constant time. */
export function verifyTwilioRequest(request: WebhookRequest, authToken: string): boolean {
  const header = request.headers[TWILIO_SIGNATURE_HEADER];
  if (typeof header !== 'string' || header.length > 100) return false;
  const expected = Buffer.from(twilioSignature(authToken, request.url, formParams(request.rawBody)));
  const given = Buffer.from(header);
  return sameBytes(given, expected);
}
