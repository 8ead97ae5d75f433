import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ParsedMail, parseMail, type ReceivedMail } from './email-inbound.js';

/**
 * The corpus: raw mails written for these tests in the shapes clients and servers send (Outlook,
 * Apple Mail, Gmail, Thunderbird; ISO-8859-1, Windows-1252, UTF-8, GB2312, ISO-2022-JP, KOI8-R;
 * quoted-printable, base64, 8bit; HTML only; a bounce; no From; an unclosed multipart; an unknown
 * charset; mangled headers; auto-replies; attachments; an inline image; a header-injection try).
 */
const dir = path.resolve(import.meta.dirname, '../../../test/fixtures/email');
const load = (name: string, envelopeFrom?: string) => parseMail(readFileSync(path.join(dir, name)), envelopeFrom);

const message = (mail: ParsedMail): ReceivedMail => {
  if (mail.kind !== 'message') throw new Error('a bounce');
  return mail;
};

type Expected = { from?: string; name?: string; subject: string; text: string | RegExp; autoReply?: boolean; foldsAt?: string; envelope?: string };

const corpus: Record<string, Expected> = {
  '01-outlook-reply.eml': { from: 'olaf.berg@contoso.example', name: 'Olaf Berg', subject: 'RE: Invoice 2026-114', text: /^The invoice still shows 20 € – please correct it\./, foldsAt: 'From: Support' },
  '02-apple-mail.eml': { from: 'renee@icloud.example', name: 'Renée Dubois', subject: 'Commande n° 4471 pas reçue', text: /^Bonjour, ma commande n° 4471 n’est toujours pas arrivée\./ },
  '03-gmail.eml': { from: 'nora.lind@gmail.example', name: 'Nora Lind', subject: 'Re: Your return', text: /^Great, thank you!/, foldsAt: 'On Sun, Dec 6' },
  '04-thunderbird-flowed.eml': { from: 'piet@posteo.example', name: 'Piet de Vries', subject: 'Question about warranty', text: /or only the device itself\?/, foldsAt: '-- \nPiet' },
  '05-iso-8859-1-qp.eml': { from: 'juergen@kunde.example', name: 'Jürgen Müller', subject: 'Bestellung für Köln', text: 'Grüße aus Köln, wo bleibt meine Bestellung?' },
  '06-windows-1252.eml': { from: 'paul@customer.example', subject: 'Facture – erreur', text: 'Coût: 20 € – merci' },
  '07-utf8-base64.eml': { from: 'aiko@customer.example', name: 'Aiko Tanaka', subject: '注文について', text: '注文はどこですか？ 🙂' },
  '08-gb2312.eml': { from: 'wangwei@mail.example.cn', name: '王伟', subject: '退货申请', text: '您好，我想退货。订单号是 8812。' },
  '09-iso-2022-jp.eml': { from: 'yamada@mail.example.jp', name: '山田太郎', subject: '配送について', text: '配送はいつになりますか。' },
  '10-html-only.eml': { from: 'reply@customer.example', name: 'Newsletter Reply', subject: 'Only HTML here', text: /^Hello team,\s+please call me back\./ },
  '12-no-from.eml': { from: 'robot@scripts.example', subject: 'Sent by a script', text: 'The backup job failed.', envelope: 'robot@scripts.example' },
  '13-unclosed-multipart.eml': { from: 'broken@customer.example', name: 'Broken Client', subject: 'Unclosed', text: 'The boundary of this mail is never closed.' },
  '14-unknown-charset.eml': { from: 'odd@customer.example', subject: 'Unknown charset', text: 'Plain ASCII in a charset nobody knows.' },
  '15-malformed-headers.eml': { from: 'mangled@customer.example', subject: /./ as unknown as string, text: 'Body of a malformed mail.', envelope: 'mangled@customer.example' },
  '16-autoreply-precedence.eml': { from: 'sales@vendor.example', name: 'Sales Team', subject: 'Out of Office: Re: Order', text: 'I am out of the office until Monday.', autoReply: true },
  '17-exchange-autoreply.eml': { from: 'mia.koch@contoso.example', name: 'Mia Koch', subject: 'Automatische Antwort: Ihre Bestellung', text: 'Ich bin bis 14.12. nicht im Büro.', autoReply: true },
  '18-attachment-pdf.eml': { from: 'lena@customer.example', name: 'Lena', subject: 'Receipt attached', text: 'Here is the receipt.' },
  '19-inline-cid.eml': { from: 'tom@customer.example', name: 'Tom', subject: 'Screenshot', text: 'The error looks like this:' },
  '20-header-injection.eml': { from: 'eve@customer.example', subject: 'Hello Bcc: victim@x.example', text: 'Please answer.' },
  '21-koi8-r.eml': { from: 'ivan@mail.example.ru', name: 'Иван', subject: 'Вопрос', text: 'Где мой заказ?' },
};

describe('the corpus', () => {
  it('holds at least 20 mails, each expected below', () => {
    const files = readdirSync(dir).filter((name) => name.endsWith('.eml'));
    expect(files.length).toBeGreaterThanOrEqual(21);
    expect(files.filter((name) => !(name in corpus) && name !== '11-bounce-postfix.eml')).toEqual([]);
  });

  for (const [name, expected] of Object.entries(corpus)) {
    it(`${name}: sender, subject and text`, async () => {
      const mail = message(await load(name, expected.envelope));
      expect(mail.from?.address).toBe(expected.from);
      if (expected.name) expect(mail.from?.name).toBe(expected.name);
      if (typeof expected.subject === 'string') expect(mail.subject).toBe(expected.subject);
      if (typeof expected.text === 'string') expect(mail.text).toBe(expected.text);
      else expect(mail.text).toMatch(expected.text);
      expect(mail.autoReply).toBe(expected.autoReply ?? false);
      if (expected.foldsAt) expect(mail.text.slice(mail.foldAt!)).toMatch(new RegExp(`^${expected.foldsAt}`));
      // Nothing that reaches a header or the inbox carries a line break or live markup.
      expect(mail.subject).not.toMatch(/[\r\n]/);
      expect(mail.from?.name ?? '').not.toMatch(/[\r\n]/);
      expect(mail.html ?? '').not.toMatch(/<script|\son\w+=|javascript:/i);
    });
  }

  it('a mail with no From and no envelope sender has no sender (dropped by the listener, not a crash)', async () => {
    expect(message(await load('12-no-from.eml')).from).toBeUndefined();
  });

  it('a Postfix bounce names the Message-ID it bounces, the status and the reason', async () => {
    expect(await load('11-bounce-postfix.eml')).toEqual({
      kind: 'bounce',
      originalMessageId: '<sb.0b7e2c1d-2222-4b4b-8c8c-abcdefabcdef@shop.example>',
      recipient: 'gone@customer.example',
      reason: '550 5.1.1 <gone@customer.example>: Recipient address rejected: User unknown in virtual mailbox table',
      status: '5.1.1',
    });
  });

  it('Outlook: Thread-Index kept, the reply header marked for folding in the HTML', async () => {
    const mail = message(await load('01-outlook-reply.eml'));
    expect(mail.threadIndex).toBe('AQHZp3k1QvX2YhGkR0eD8d7J5c0fQ==');
    expect(mail.inReplyTo).toBe('<AM0PR07MB9876@AM0PR07MB9876.eurprd07.prod.outlook.com>');
    expect(mail.html).toContain('class="sb-quoted-start"');
    expect(mail.html).not.toContain('<style');
  });

  it('Gmail: In-Reply-To and References read; the quote block kept marked', async () => {
    const mail = message(await load('03-gmail.eml'));
    expect(mail.inReplyTo).toBe('<sb.5f0c1e2a-1111-4a4a-9b9b-0123456789ab@shop.example>');
    expect(mail.references).toEqual(['<sb.5f0c1e2a-1111-4a4a-9b9b-0123456789ab@shop.example>']);
    expect(mail.html).toContain('class="gmail_quote"');
  });

  it('files: an attachment listed, an inline image known by its Content-ID', async () => {
    const pdf = message(await load('18-attachment-pdf.eml'));
    expect(pdf.files.map(({ fileName, contentType, inline }) => ({ fileName, contentType, inline }))).toEqual([{ fileName: 'receipt.pdf', contentType: 'application/pdf', inline: false }]);
    expect(pdf.files[0]!.content.toString('latin1')).toMatch(/^%PDF-1\.4/);
    const cid = message(await load('19-inline-cid.eml'));
    expect(cid.files).toMatchObject([{ fileName: 'shot.png', contentType: 'image/png', inline: true, contentId: 'shot1@customer.example' }]);
    expect(cid.html).toContain('src="cid:shot1@customer.example"');
  });

  it('HTML only: the tracking pixel held back, the script gone', async () => {
    const mail = message(await load('10-html-only.eml'));
    expect(mail.remoteImages).toBe(1);
    expect(mail.html).not.toMatch(/\ssrc="https/);
    expect(mail.html).not.toContain('evil.example');
  });

  it('a resent mail without a Message-ID gets the same stand-in id (one message)', async () => {
    const raw = Buffer.from('From: a@b.example\r\nTo: support@shop.example\r\nSubject: x\r\n\r\nno id\r\n');
    const [first, second] = await Promise.all([parseMail(raw), parseMail(raw)]);
    expect(message(first).messageId).toBe(message(second).messageId);
    expect(message(first).hasOwnMessageId).toBe(false);
  });
});
