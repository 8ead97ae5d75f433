import { describe, expect, it } from 'vitest';
import { baseAddress, findThread, normaliseMessageId, oneLine, replyReferences, replySubject, replyTokenOf } from './email-threading.js';

const known = new Map([
  ['<sent-1@shop.example>', 'nora@customer.example'],
  ['<received-1@customer.example>', 'nora@customer.example'],
  ['<other@customer.example>', 'olaf@customer.example'],
]);
const tokens = new Map([['abc12345def0', 'olaf@customer.example']]);
const lookup = { byMessageId: async (id: string) => known.get(id), byToken: async (token: string) => tokens.get(token) };
const none = { inReplyTo: undefined, references: [] as string[], recipients: [] as string[], subject: '' };

describe('findThread', () => {
  it('matches In-Reply-To first, case-insensitively', async () => {
    expect(await findThread({ ...none, inReplyTo: '<SENT-1@Shop.Example>', references: ['<other@customer.example>'] }, 'support@shop.example', lookup)).toEqual({
      identifier: 'nora@customer.example',
      by: 'in-reply-to',
    });
  });

  it('then each References id, newest first', async () => {
    const match = await findThread({ ...none, inReplyTo: '<unknown@x>', references: ['<received-1@customer.example>', '<other@customer.example>'] }, 'support@shop.example', lookup);
    expect(match).toEqual({ identifier: 'olaf@customer.example', by: 'references' });
  });

  it('then the reply-address token (Outlook: In-Reply-To rewritten, References dropped, Thread-Index instead)', async () => {
    const match = await findThread({ ...none, inReplyTo: '<AM0PR07MB9999@outlook.com>', recipients: ['support+rabc12345def0@shop.example'] }, 'support@shop.example', lookup);
    expect(match).toEqual({ identifier: 'olaf@customer.example', by: 'reply-address' });
    // A token on another domain's address is not ours.
    expect(await findThread({ ...none, recipients: ['support+rabc12345def0@evil.example'] }, 'support@shop.example', lookup)).toBeUndefined();
  });

  it('then a subject token, else nothing', async () => {
    expect(await findThread({ ...none, subject: 'Re: [#abc12345def0] Invoice' }, 'support@shop.example', lookup)).toEqual({ identifier: 'olaf@customer.example', by: 'subject' });
    expect(await findThread({ ...none, subject: 'Re: Invoice' }, 'support@shop.example', lookup)).toBeUndefined();
  });
});

describe('threading helpers', () => {
  it('normalises Message-IDs and refuses what cannot be one', () => {
    expect(normaliseMessageId(' <A.B@C> ')).toBe('<a.b@c>');
    expect(normaliseMessageId('a@b')).toBe('<a@b>');
    expect(normaliseMessageId('<a b@c>')).toBeUndefined();
    expect(normaliseMessageId('')).toBeUndefined();
  });

  it('makes one Re: whatever the client prefixed', () => {
    expect(replySubject('Re: AW: RE: Fwd: Order 42')).toBe('Re: Order 42');
    expect(replySubject('Order 42')).toBe('Re: Order 42');
  });

  it('keeps References to 20, the first of the thread kept', () => {
    const many = Array.from({ length: 25 }, (_, i) => `<m${i}@x>`);
    const refs = replyReferences(many, '<new@x>');
    expect(refs).toHaveLength(20);
    expect(refs[0]).toBe('<m0@x>');
    expect(refs.at(-1)).toBe('<new@x>');
  });

  it('takes CR/LF out of anything that goes into a header (no injection)', () => {
    expect(oneLine('Order\r\nBcc: victim@x.example')).toBe('Order Bcc: victim@x.example');
  });

  it('reads reply tokens and base addresses', () => {
    expect(replyTokenOf('Support+rABC12345def0@Shop.Example', 'support@shop.example')).toBe('abc12345def0');
    expect(replyTokenOf('support+sales@shop.example', 'support@shop.example')).toBeUndefined();
    expect(baseAddress('Support+anything@Shop.Example')).toBe('support@shop.example');
  });
});
