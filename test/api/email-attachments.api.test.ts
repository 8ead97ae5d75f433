import nodemailer from 'nodemailer';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { startMailSink } from '../helpers/mail.js';
import { freePort } from '../helpers/ports.js';
import { eventually } from './inbox-fixtures.js';
import { conversationOf, messagesOf } from './meta-fixtures.js';

/**
 * A reply's files go out in the mail: the channel reads each through its signed download link, over
 * the same guard as every outbound call (the server's own address is private here, so the
 * workspace lists it, as a deployment whose PUBLIC_URL is private would).
 */
let t: TestApp;
let sink: Awaited<ReturnType<typeof startMailSink>>;
let smtpPort: number;
let port: number;

beforeAll(async () => {
  port = await freePort();
  t = await createTestApp({ env: { PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` } });
  await t.server.listen();
  smtpPort = t.server.smtpPort()!;
  sink = await startMailSink();
}, 90_000);
afterAll(async () => {
  await t?.close();
  await sink?.close();
});

describe('a reply with files', () => {
  it('arrives as a multipart mail carrying each file', async () => {
    const ws = await t.createWorkspace();
    const allowed = await t.request('PATCH', '/api/v1/settings', { token: ws.owner.token, body: { allowedPrivateHosts: [`127.0.0.1:${port}`, '127.0.0.1'] } });
    expect(allowed.statusCode, allowed.body).toBe(200);
    const address = `support@${t.unique()}.example.test`;
    const created = await t.request('POST', '/api/v1/channels', {
      token: ws.manager.token,
      body: { type: 'email', name: 'Mail', settings: { address, smtpHost: '127.0.0.1', smtpPort: Number(new URL(sink.url).port) } },
    });
    expect(created.statusCode, created.body).toBe(201);
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true });
    await transport.sendMail({ from: 'files@customer.example', to: address, subject: 'Invoice', text: 'Send it please' });
    transport.close();
    const conversation = await eventually(() => conversationOf(t, ws, created.data.id, 'files@customer.example').catch(() => undefined));

    const boundary = `----switchboard${t.unique()}`;
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="invoice.csv"\r\nContent-Type: text/csv\r\n\r\n`),
      Buffer.from('item,price\nkettle,20\n'),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const file = await t.request('POST', '/api/v1/attachments', { token: ws.agent.token, body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } });
    expect(file.statusCode, file.body).toBe(201);
    const before = sink.received.length;
    const sent = await t.request('POST', `/api/v1/conversations/${conversation.id}/messages`, {
      token: ws.agent.token,
      body: { type: 'reply', text: 'Here it is.', attachmentIds: [file.data.id] },
    });
    expect(sent.statusCode, sent.body).toBe(201);
    await eventually(async () => sink.received.length > before);
    const mail = await simpleParser(sink.received[before]!.raw);
    expect(mail.subject).toBe('Re: Invoice');
    expect(mail.attachments.map((a) => [a.filename, a.content.toString()])).toEqual([['invoice.csv', 'item,price\nkettle,20\n']]);
    const status = await eventually(async () => (await messagesOf(t, ws, conversation.id)).find((m) => m.id === sent.data.id && m.status === 'sent'));
    expect(status.status).toBe('sent');
  });
});
