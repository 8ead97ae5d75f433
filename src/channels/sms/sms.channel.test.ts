import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import type { WebhookRequest } from '../channel-registry.js';
import { consentOf, smsChannel, type SmsSettings } from './sms.channel.js';
import { formParams, twilioSignature } from './twilio-platform.js';

const settings: SmsSettings = { accountSid: `AC${'a'.repeat(32)}`, authToken: '12345678901234567890abcdef', fromNumber: '+14155550100', apiBaseUrl: 'https://api.twilio.com' };

const inbound = {
  ToCountry: 'US',
  SmsMessageSid: `SM${'1'.repeat(32)}`,
  NumMedia: '0',
  SmsSid: `SM${'1'.repeat(32)}`,
  SmsStatus: 'received',
  Body: 'Hello? Ünïcode & symbols = fine',
  To: '+14155550100',
  NumSegments: '1',
  MessageSid: `SM${'1'.repeat(32)}`,
  AccountSid: settings.accountSid,
  From: '+4915112345678',
  ApiVersion: '2010-04-01',
};

const request = (url: string, params: Record<string, string>, signature: string | undefined): WebhookRequest => ({
  rawBody: Buffer.from(new URLSearchParams(params).toString()),
  headers: signature === undefined ? {} : { 'x-twilio-signature': signature },
  query: {},
  url,
});

describe('Twilio’s webhook signature, checked against the official twilio package', () => {
  const urls = ['https://inbox.example.com/webhooks/sms/5b0c6a0e-0000-4000-8000-000000000001', 'https://inbox.example.com:8443/webhooks/sms/x?from=console&b=2'];

  it.each(urls)('agrees with twilio.validateRequest on a valid request (%s)', (url) => {
    const official = twilio.getExpectedTwilioSignature(settings.authToken, url, inbound);
    expect(twilioSignature(settings.authToken, url, formParams(Buffer.from(new URLSearchParams(inbound).toString())))).toBe(official);
    expect(smsChannel.verifyWebhook(request(url, inbound, official), settings)).toBe(true);
    expect(twilio.validateRequest(settings.authToken, official, url, inbound)).toBe(true);
  });

  it('refuses what the official package refuses: another URL, a changed parameter, another token, no signature', () => {
    const url = urls[0]!;
    const good = twilio.getExpectedTwilioSignature(settings.authToken, url, inbound);
    const cases: Array<[string, string, Record<string, string>, string | undefined]> = [
      ['signed for another URL', `${url}x`, inbound, good],
      ['a changed body', url, { ...inbound, Body: 'Hello?' }, good],
      ['another token', url, inbound, twilio.getExpectedTwilioSignature('another-token-000000', url, inbound)],
      ['a truncated signature', url, inbound, good.slice(0, -2)],
    ];
    for (const [, givenUrl, params, signature] of cases) {
      expect(smsChannel.verifyWebhook(request(givenUrl, params, signature), settings)).toBe(false);
      expect(twilio.validateRequest(settings.authToken, signature!, givenUrl, params)).toBe(false);
    }
    expect(smsChannel.verifyWebhook(request(url, inbound, undefined), settings)).toBe(false);
  });
});

describe('reading Twilio’s forms', () => {
  it('an inbound SMS: the sender’s number as identity and phone, the MessageSid, the text', () => {
    const events = smsChannel.parseWebhook(request('', inbound, ''), settings);
    expect(events.messages).toEqual([{ providerMessageId: inbound.MessageSid, contact: { identifier: '+4915112345678', phone: '+4915112345678' }, text: inbound.Body }]);
    expect(events.consent).toEqual([]);
  });

  it('status callbacks: sent, delivered, and undelivered or failed with Twilio’s error code', () => {
    const status = (MessageStatus: string, extra: Record<string, string> = {}) =>
      smsChannel.parseWebhook(request('', { MessageSid: `SM${'2'.repeat(32)}`, MessageStatus, AccountSid: settings.accountSid, To: '+4915112345678', ...extra }, ''), settings);
    expect(status('sent').receipts).toEqual([{ providerMessageId: `SM${'2'.repeat(32)}`, status: 'sent' }]);
    expect(status('delivered').receipts[0]!.status).toBe('delivered');
    expect(status('undelivered', { ErrorCode: '30003' }).receipts[0]).toMatchObject({ status: 'failed', errorCode: 'sms:30003', error: expect.stringContaining('unreachable') });
    expect(status('queued')).toMatchObject({ receipts: [], ignored: ['status:queued'] });
    expect(status('failed', { ErrorCode: '21610' }).consent).toEqual([{ identifier: '+4915112345678', optedOut: true }]);
  });

  it('opt-out and opt-in words, whole messages only, any case', () => {
    const cases: Array<[string, boolean | undefined]> = [
      ['STOP', true],
      [' stop ', true],
      ['Unsubscribe', true],
      ['STOPALL', true],
      ['cancel', true],
      ['END', true],
      ['quit', true],
      ['START', false],
      ['unstop', false],
      ['please stop sending me offers', undefined],
      ['', undefined],
    ];
    for (const [text, expected] of cases) expect([text, consentOf(text)]).toEqual([text, expected]);
  });

  it('a form of another account is ignored; one without a MessageSid is a 400', () => {
    expect(smsChannel.parseWebhook(request('', { ...inbound, AccountSid: `AC${'b'.repeat(32)}` }, ''), settings)).toMatchObject({ messages: [], ignored: ['other-account'] });
    expect(() => smsChannel.parseWebhook(request('', { ...inbound, MessageSid: '', SmsSid: '' }, ''), settings)).toThrow(/MessageSid/);
  });
});
