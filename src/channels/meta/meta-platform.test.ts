import { describe, expect, it } from 'vitest';
import type { WebhookRequest } from '../channel-registry.js';
import { graphFailure, metaHandshake, metaSignature, verifyMetaSignature } from './meta-platform.js';

const request = (body: string, headers: Record<string, string> = {}, query: Record<string, string> = {}): WebhookRequest => ({
  rawBody: Buffer.from(body),
  headers,
  query,
  url: 'https://inbox.example.test/webhooks/whatsapp/x',
});

describe('Meta’s webhook signature', () => {
  const body = '{"object":"page","entry":[]}';
  it.each([
    ['the app secret’s HMAC over the exact bytes', { 'x-hub-signature-256': metaSignature('s3cret-app', body) }, true],
    ['another secret’s', { 'x-hub-signature-256': metaSignature('other-app', body) }, false],
    ['no header', {}, false],
    ['the hex without its sha256= prefix', { 'x-hub-signature-256': metaSignature('s3cret-app', body).slice(7) }, false],
    ['SHA-1 in the old header', { 'x-hub-signature': 'sha1=0000' }, false],
  ])('%s: %s', (_name, headers, valid) => {
    expect(verifyMetaSignature(request(body, headers), 's3cret-app')).toBe(valid);
  });

  it('fails for the same JSON with other whitespace: the bytes are signed, not the object', () => {
    const signature = metaSignature('s3cret-app', body);
    expect(verifyMetaSignature(request(body.replace(':', ': '), { 'x-hub-signature-256': signature }), 's3cret-app')).toBe(false);
  });
});

describe('Meta’s handshake', () => {
  it.each([
    ['subscribe with the channel’s token', { 'hub.mode': 'subscribe', 'hub.verify_token': 'verify-me-1', 'hub.challenge': '1158201444' }, '1158201444'],
    ['a wrong token', { 'hub.mode': 'subscribe', 'hub.verify_token': 'verify-me-2', 'hub.challenge': '1' }, null],
    ['another mode', { 'hub.mode': 'unsubscribe', 'hub.verify_token': 'verify-me-1', 'hub.challenge': '1' }, null],
    ['no challenge', { 'hub.mode': 'subscribe', 'hub.verify_token': 'verify-me-1' }, null],
  ])('%s answers %s', (_name, query, answer) => {
    expect(metaHandshake(request('', {}, query), 'verify-me-1')).toBe(answer);
  });
});

describe('Graph API refusals', () => {
  const answer = (status: number, json: unknown) => ({ response: { status, headers: {}, body: Buffer.from(JSON.stringify(json)) }, json });
  it.each([
    ['131026 undeliverable: not retried', 400, { error: { message: 'Message Undeliverable.', code: 131026 } }, { retryable: false, code: 'whatsapp:131026', error: 'Message Undeliverable. (131026)' }],
    ['130429 throughput: retried', 400, { error: { message: 'Rate limit hit', code: 130429 } }, { retryable: true, code: 'whatsapp:130429' }],
    ['an HTTP 429 whatever the code', 429, { error: { message: 'Too many', code: 100 } }, { retryable: true }],
    ['a 5xx', 502, { error: { message: 'Bad gateway', code: 1 } }, { retryable: true }],
    ['the window error with its subcode', 400, { error: { message: 'Outside window', code: 10, error_subcode: 2018278 } }, { retryable: false, code: 'whatsapp:10/2018278' }],
    ['an expired token', 401, { error: { message: 'Session has expired', code: 190 } }, { retryable: false, code: 'whatsapp:190' }],
    ['a body that is not Meta’s', 500, 'oops', { retryable: true, error: 'Meta answered 500: "oops"' }],
  ])('%s', (_name, status, json, expected) => {
    expect(graphFailure('whatsapp', answer(status, json))).toMatchObject(expected);
  });
});
