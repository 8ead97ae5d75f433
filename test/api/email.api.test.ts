import { readFileSync } from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { startMailSink } from '../helpers/mail.js';
import { eventually } from './inbox-fixtures.js';
import { conversationOf, messagesOf } from './meta-fixtures.js';

/**
 * The email channel end to end over real SMTP: nodemailer hands mail to the server's own listener
 * (SMTP_PORT, here a free port), and a local smtp-server sink stands in for the channel's relay,
 * where the test reads the headers of our replies.
 */
let t: TestApp;
let sink: Awaited<ReturnType<typeof startMailSink>>;
let smtpPort: number;

beforeAll(async () => {
  t = await createTestApp();
  sink = await startMailSink();
  smtpPort = await t.server.listenSmtp(0);
}, 90_000);
afterAll(async () => {
  await t?.close();
  await sink?.close();
});

type Workspace = Awaited<ReturnType<TestApp['createWorkspace']>>;

const relayPort = () => Number(new URL(sink.url).port);

/** The relay stands on this machine: the workspace allows it, as a company with its own relay on its network would. */
async function connectEmail(ws: Workspace, options: { allowLocalRelay?: boolean } = {}) {
  if (options.allowLocalRelay ?? true) {
    const allowed = await t.request('PATCH', '/api/v1/settings', { token: ws.owner.token, body: { allowedPrivateHosts: ['127.0.0.1'] } });
    expect(allowed.statusCode, allowed.body).toBe(200);
  }
  const address = `support@${t.unique()}.example.test`;
  const response = await t.request('POST', '/api/v1/channels', {
    token: ws.manager.token,
    body: { type: 'email', name: 'Support mail', settings: { address, smtpHost: '127.0.0.1', smtpPort: relayPort(), smtpSecure: false, smtpUser: '', smtpPassword: '' } },
  });
  expect(response.statusCode, response.body).toBe(201);
  return { channel: response.data as { id: string; settings: Record<string, unknown> }, address };
}

/** A raw mail (CRLF line ends) handed to the listener as the given envelope. */
async function deliverRaw(raw: string, to: string, from = 'sender@customer.example') {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true });
  try {
    return await transport.sendMail({ envelope: { from, to: [to] }, raw: raw.replace(/\r?\n/g, '\r\n') });
  } finally {
    transport.close();
  }
}

async function deliver(message: Mail.Options) {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true });
  try {
    return await transport.sendMail(message);
  } finally {
    transport.close();
  }
}

const smtpFailure = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return error as { responseCode?: number; response?: string };
  }
  throw new Error('the listener accepted it');
};

async function inboxOf(ws: Workspace, channelId: string, identifier: string) {
  const conversation = await eventually(() => conversationOf(t, ws, channelId, identifier).catch(() => undefined));
  return { conversation, messages: await messagesOf(t, ws, conversation.id) };
}

const reply = (ws: Workspace, conversationId: string, text: string) =>
  t.request('POST', `/api/v1/conversations/${conversationId}/messages`, { token: ws.agent.token, body: { type: 'reply', text } });

async function relayed(count: number) {
  await eventually(async () => sink.received.length >= count);
  return simpleParser(sink.received[count - 1]!.raw);
}

describe('connecting an email channel', () => {
  it('keeps SPEC §7 settings, lower-cases the address, never shows the password, and refuses a bad address', async () => {
    const ws = await t.createWorkspace();
    const created = await t.request('POST', '/api/v1/channels', {
      token: ws.owner.token,
      body: { type: 'email', name: 'Mail', settings: { address: 'Help@Shop.Example', smtpHost: 'smtp.shop.example', smtpPort: 465, smtpSecure: true, smtpUser: 'help', smtpPassword: 'p4ss-word' } },
    });
    expect(created.statusCode).toBe(201);
    expect(created.data.settings).toEqual({ address: 'help@shop.example', smtpHost: 'smtp.shop.example', smtpPort: 465, smtpSecure: true, smtpUser: 'help' });
    expect(created.data.secretsSet).toEqual(['smtpPassword']);
    expect(created.body).not.toContain('p4ss-word');
    const bad = await t.request('POST', '/api/v1/channels', { token: ws.owner.token, body: { type: 'email', name: 'Mail', settings: { address: 'not an address', smtpHost: 'x.example' } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.data.error).toMatchObject({ code: 'invalid_field', field: 'settings.address' });
    const types = await t.request('GET', '/api/v1/channel-types', { token: ws.owner.token });
    expect(types.statusCode).toBe(200);
    const email = (types.data.items ?? types.data).find((type: { type: string }) => type.type === 'email');
    expect(email.form.map((field: { key: string }) => field.key)).toEqual(['address', 'smtpHost', 'smtpPort', 'smtpSecure', 'smtpUser', 'smtpPassword']);
    expect(email.templates.fields).toEqual([{ key: 'subject', required: true, maxLength: 250 }]);
  });

  it('refuses an address another channel receives already, in any workspace, and changes nothing', async () => {
    const ws = await t.createWorkspace();
    const other = await t.createWorkspace();
    const { channel, address } = await connectEmail(ws);
    const settings = { address: address.toUpperCase(), smtpHost: 'smtp.elsewhere.example' };
    const taken = await t.request('POST', '/api/v1/channels', { token: other.owner.token, body: { type: 'email', name: 'Theirs', settings } });
    expect(taken.statusCode).toBe(409);
    expect(taken.data.error.code).toBe('setting_taken');
    expect((await t.request('GET', '/api/v1/channels', { token: other.owner.token })).data.items).toEqual([]);
    // A second channel of the same workspace may not take it either; the channel itself may keep it.
    const { channel: second } = await connectEmail(ws);
    const moved = await t.request('PATCH', `/api/v1/channels/${second.id}`, { token: ws.owner.token, body: { settings: { address } } });
    expect(moved.statusCode).toBe(409);
    expect((await t.request('GET', `/api/v1/channels/${second.id}`, { token: ws.owner.token })).data.settings.address).toBe(second.settings.address);
    expect((await t.request('PATCH', `/api/v1/channels/${channel.id}`, { token: ws.owner.token, body: { settings: { address, smtpHost: 'smtp.new.example' } } })).statusCode).toBe(200);
  });

  it('gives an address to one of two workspaces connecting it at the same moment', async () => {
    const [first, second] = [await t.createWorkspace(), await t.createWorkspace()];
    const address = `race@${t.unique()}.example.test`;
    const connect = (ws: Workspace) =>
      t.request('POST', '/api/v1/channels', { token: ws.owner.token, body: { type: 'email', name: 'Race', settings: { address, smtpHost: 'smtp.example.test' } } });
    for (let round = 0; round < 5; round++) {
      const answers = await Promise.all([connect(first), connect(second)]);
      const statuses = answers.map((answer) => answer.statusCode).sort();
      if (round === 0) expect(statuses).toEqual([201, 409]);
      else expect(statuses).toEqual([409, 409]);
      expect(answers.find((answer) => answer.statusCode === 409)!.data.error.code).toBe('setting_taken');
    }
    const owners = await Promise.all([first, second].map(async (ws) => (await t.request('GET', '/api/v1/channels', { token: ws.owner.token })).data.items.length));
    expect(owners.sort()).toEqual([0, 1]);
  });

  it('tests the connection by logging in to the relay, sending nothing', async () => {
    const ws = await t.createWorkspace();
    const { channel } = await connectEmail(ws);
    const before = sink.received.length;
    const tested = await t.request('POST', `/api/v1/channels/${channel.id}/test`, { token: ws.manager.token });
    expect(tested.statusCode).toBe(200);
    expect(tested.data).toMatchObject({ ok: true });
    expect(sink.received.length).toBe(before);
    const down = await t.request('PATCH', `/api/v1/channels/${channel.id}`, { token: ws.manager.token, body: { settings: { smtpPort: 9 } } });
    expect(down.statusCode).toBe(200);
    const failed = await t.request('POST', `/api/v1/channels/${channel.id}/test`, { token: ws.manager.token });
    expect(failed.data).toMatchObject({ ok: false });
    expect(failed.data.error).toMatch(/could not be reached/);
  });

  it('connects to no private relay the workspace does not allow: the test says why, and a reply fails with the reason, reaching nothing', async () => {
    const ws = await t.createWorkspace();
    const { channel, address } = await connectEmail(ws, { allowLocalRelay: false });
    const before = sink.received.length;
    const tested = await t.request('POST', `/api/v1/channels/${channel.id}/test`, { token: ws.manager.token });
    expect(tested.data).toMatchObject({ ok: false });
    expect(tested.data.error).toMatch(/^The relay's address is refused: 127\.0\.0\.1 is not a public address/);
    // A name that resolves to a private address is refused too.
    await t.request('PATCH', `/api/v1/channels/${channel.id}`, { token: ws.manager.token, body: { settings: { smtpHost: 'localhost' } } });
    const byName = await t.request('POST', `/api/v1/channels/${channel.id}/test`, { token: ws.manager.token });
    expect(byName.data.error).toMatch(/^The relay's address is refused: localhost resolves to a non-public address/);
    await t.request('PATCH', `/api/v1/channels/${channel.id}`, { token: ws.manager.token, body: { settings: { smtpHost: '127.0.0.1' } } });
    await deliver({ from: 'guard@customer.example', to: address, subject: 'Hi', text: 'Hi' });
    const { conversation } = await inboxOf(ws, channel.id, 'guard@customer.example');
    const sent = await reply(ws, conversation.id, 'Answer');
    const failed = await eventually(async () => (await messagesOf(t, ws, conversation.id)).find((m) => m.id === sent.data.id && m.status !== 'pending'));
    expect(failed).toMatchObject({ status: 'failed', errorCode: 'smtp:address_refused' });
    expect(failed.error).toMatch(/address is refused/);
    expect(sink.received.length).toBe(before);
  });
});

describe('the SMTP listener', () => {
  it('refuses a recipient no channel has at RCPT with 550, and a mail over 10 MB at DATA with 552', async () => {
    const ws = await t.createWorkspace();
    const { address } = await connectEmail(ws);
    const unknown = await smtpFailure(deliver({ from: 'a@customer.example', to: 'nobody@nowhere.example', subject: 'x', text: 'x' }));
    expect(unknown.responseCode).toBe(550);
    const big = await smtpFailure(deliver({ from: 'a@customer.example', to: address, subject: 'big', text: 'x', attachments: [{ filename: 'big.bin', content: Buffer.alloc(11 * 1024 * 1024, 7) }] }));
    expect(big.responseCode).toBe(552);
    // Neither made a contact.
    await expect(conversationOf(t, ws, (await t.request('GET', '/api/v1/channels', { token: ws.owner.token })).data.items[0].id, 'a@customer.example')).rejects.toThrow();
  });

  it('makes a contact named from the RFC 2047 From, shows the subject, decodes ISO-8859-1 quoted-printable, and stores a resent mail once', async () => {
    const ws = await t.createWorkspace();
    const { channel, address } = await connectEmail(ws);
    const raw = `From: =?ISO-8859-1?Q?J=FCrgen_M=FCller?= <Juergen@Kunde.Example>
To: ${address}
Subject: =?ISO-8859-1?Q?Bestellung_f=FCr_K=F6ln?=
Message-ID: <qp-1@kunde.example>
Date: Mon, 7 Dec 2026 10:00:00 +0100
MIME-Version: 1.0
Content-Type: text/plain; charset=ISO-8859-1
Content-Transfer-Encoding: quoted-printable

Gr=FC=DFe aus K=F6ln, wo bleibt meine Bestellung?
`;
    await deliverRaw(raw, address);
    await deliverRaw(raw, address);
    const { conversation, messages } = await inboxOf(ws, channel.id, 'juergen@kunde.example');
    expect(messages).toHaveLength(1);
    expect(messages[0]!.text).toBe('Grüße aus Köln, wo bleibt meine Bestellung?');
    expect(messages[0]!.content).toMatchObject({ kind: 'email', subject: 'Bestellung für Köln', autoReply: false });
    const contact = await t.request('GET', `/api/v1/contacts/${conversation.contactId}`, { token: ws.owner.token });
    expect(contact.data).toMatchObject({ firstName: 'Jürgen', lastName: 'Müller', email: 'juergen@kunde.example' });
  });

  it('stores a resent mail without a Message-ID once, and takes malformed mail without falling over', async () => {
    const ws = await t.createWorkspace();
    const { channel, address } = await connectEmail(ws);
    const raw = `From: noid@customer.example\nTo: ${address}\nSubject: No id\n\nA mail without a Message-ID.\n`;
    await deliverRaw(raw, address);
    await deliverRaw(raw, address);
    const { messages } = await inboxOf(ws, channel.id, 'noid@customer.example');
    expect(messages.map((m) => m.text)).toEqual(['A mail without a Message-ID.']);
    for (const name of ['13-unclosed-multipart.eml', '14-unknown-charset.eml', '15-malformed-headers.eml']) {
      const fixture = readFileSync(path.resolve(import.meta.dirname, '../fixtures/email', name), 'utf8').replace(/support@shop\.example/g, address);
      await deliverRaw(fixture, address, 'mangled@customer.example');
    }
    await inboxOf(ws, channel.id, 'broken@customer.example');
    await inboxOf(ws, channel.id, 'odd@customer.example');
    await inboxOf(ws, channel.id, 'mangled@customer.example');
    // The listener still answers.
    await deliver({ from: 'after@customer.example', to: address, subject: 'still there', text: 'ok' });
    await inboxOf(ws, channel.id, 'after@customer.example');
  });

  it('decodes a base64 UTF-8 body and a Windows-1252 one', async () => {
    const ws = await t.createWorkspace();
    const { channel, address } = await connectEmail(ws);
    await deliverRaw(
      `From: Aiko <aiko@customer.example>
To: ${address}
Subject: =?UTF-8?B?5rOo5paH44Gr44Gk44GE44Gm?=
Message-ID: <b64-1@customer.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: base64

${Buffer.from('注文はどこですか？ 🙂').toString('base64')}
`,
      address,
    );
    const utf8 = await inboxOf(ws, channel.id, 'aiko@customer.example');
    expect(utf8.messages[0]).toMatchObject({ text: '注文はどこですか？ 🙂', content: { subject: '注文について' } });
    await deliverRaw(
      `From: paul@customer.example
To: ${address}
Subject: Facture
Message-ID: <cp1252-1@customer.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=windows-1252
Content-Transfer-Encoding: quoted-printable

Co=FBt: 20 =80 =96 merci
`,
      address,
    );
    const cp = await inboxOf(ws, channel.id, 'paul@customer.example');
    expect(cp.messages[0]!.text).toBe('Coût: 20 € – merci');
  });
});

describe('replies and threads', () => {
  it('sends a multipart reply from the channel address with our Message-ID, In-Reply-To, References and Re: subject; the answer threads back', async () => {
    const ws = await t.createWorkspace();
    const { channel, address } = await connectEmail(ws);
    await deliver({ from: 'Nora Lind <nora@customer.example>', to: address, subject: 'Broken kettle', text: 'It leaks.', messageId: '<first@customer.example>' });
    const { conversation } = await inboxOf(ws, channel.id, 'nora@customer.example');
    const before = sink.received.length;
    const sent = await reply(ws, conversation.id, 'Sorry to hear it, **Nora**: a new one is on its way.');
    expect(sent.statusCode, sent.body).toBe(201);
    const mail = await relayed(before + 1);
    expect(mail.from?.value[0]?.address).toBe(address);
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value[0]?.address : undefined).toBe('nora@customer.example');
    expect(mail.subject).toBe('Re: Broken kettle');
    expect(mail.inReplyTo).toBe('<first@customer.example>');
    expect(mail.references).toBe('<first@customer.example>');
    expect(mail.messageId).toMatch(new RegExp(`^<sb\\.${sent.data.id}@`));
    expect(mail.text?.trim()).toBe('Sorry to hear it, **Nora**: a new one is on its way.');
    expect(mail.html).toContain('<strong>Nora</strong>');
    const replyTo = mail.replyTo?.value[0]?.address;
    expect(replyTo).toMatch(/^support\+r[a-z0-9]+@/);
    const status = await eventually(async () => (await messagesOf(t, ws, conversation.id)).find((m) => m.id === sent.data.id && m.status === 'sent'));
    expect(status.status).toBe('sent');

    // The customer answers from another address of theirs, In-Reply-To our reply: the same conversation.
    await deliver({ from: 'nora.private@elsewhere.example', to: address, subject: 'Re: Broken kettle', text: 'Thanks!', messageId: '<second@elsewhere.example>', inReplyTo: mail.messageId, references: [mail.messageId!] });
    const answered = await eventually(async () => {
      const items = await messagesOf(t, ws, conversation.id);
      return items.find((m) => m.text === 'Thanks!');
    });
    expect(answered.direction).toBe('in');

    // A References-only answer (a client that drops In-Reply-To) threads too.
    await deliver({ from: 'nora.work@work.example', to: address, subject: 'kettle', text: 'Arrived.', messageId: '<third@work.example>', references: ['<first@customer.example>', mail.messageId!] });
    await eventually(async () => (await messagesOf(t, ws, conversation.id)).find((m) => m.text === 'Arrived.'));
  });

  it('takes CR/LF in a customer’s subject or name into no header of our reply', async () => {
    const ws = await t.createWorkspace();
    const { channel, address } = await connectEmail(ws);
    await deliverRaw(
      `From: =?UTF-8?Q?Eve=0D=0ABcc:_victim@x.example?= <eve@customer.example>\nTo: ${address}\nSubject: =?UTF-8?Q?Hello=0D=0ABcc:_victim@x.example?=\nMessage-ID: <inject-api@customer.example>\n\nPlease answer.\n`,
      address,
    );
    const { conversation } = await inboxOf(ws, channel.id, 'eve@customer.example');
    const before = sink.received.length;
    await reply(ws, conversation.id, 'Answered.');
    const mail = await relayed(before + 1);
    expect(sink.received[before]!.to).toEqual(['eve@customer.example']);
    expect(sink.received[before]!.raw).not.toMatch(/^Bcc:/im);
    expect(mail.subject).toBe('Re: Hello Bcc: victim@x.example');
  });

  it('puts a known sender’s new mail without thread headers in its conversation, reopening it when closed', async () => {
    const ws = await t.createWorkspace();
    const { channel, address } = await connectEmail(ws);
    await deliver({ from: 'back@customer.example', to: address, subject: 'First', text: 'One' });
    const { conversation } = await inboxOf(ws, channel.id, 'back@customer.example');
    const closed = await t.request('POST', `/api/v1/conversations/${conversation.id}/close`, { token: ws.owner.token });
    expect(closed.statusCode, closed.body).toBe(200);
    await deliver({ from: 'back@customer.example', to: address, subject: 'Another topic', text: 'Two' });
    const again = await inboxOf(ws, channel.id, 'back@customer.example');
    expect(again.conversation.id).toBe(conversation.id);
    expect(again.messages.map((m) => m.text)).toEqual(expect.arrayContaining(['One', 'Two']));
    const shown = await t.request('GET', `/api/v1/conversations/${conversation.id}`, { token: ws.owner.token });
    expect(shown.data.status).toBe('open');
  });

  it('threads an Outlook answer (Thread-Index, In-Reply-To rewritten, no References) by the reply address', async () => {
    const ws = await t.createWorkspace();
    const { channel, address } = await connectEmail(ws);
    await deliver({ from: 'olaf@customer.example', to: address, subject: 'Invoice', text: 'Where is it?', messageId: '<o-1@customer.example>' });
    const { conversation } = await inboxOf(ws, channel.id, 'olaf@customer.example');
    const before = sink.received.length;
    await reply(ws, conversation.id, 'Attached tomorrow.');
    const mail = await relayed(before + 1);
    const replyTo = mail.replyTo!.value[0]!.address!;
    await deliverRaw(
      `From: "Olaf (Work)" <olaf@work-outlook.example>
To: ${replyTo}
Subject: AW: Invoice
Message-ID: <AM0PR07MB1234ABCD@AM0PR07MB1234.eurprd07.prod.outlook.com>
In-Reply-To: <AM0PR07MB9999@AM0PR07MB9999.eurprd07.prod.outlook.com>
Thread-Topic: Invoice
Thread-Index: AQHZ1234abcdEFGHijklMNOPqrstUVWX
MIME-Version: 1.0
Content-Type: text/plain; charset="us-ascii"

Still waiting.
`,
      replyTo,
    );
    await eventually(async () => (await messagesOf(t, ws, conversation.id)).find((m) => m.text === 'Still waiting.'));
  });

  it('marks a reply failed with the reason when its bounce (DSN) comes back, opening no conversation', async () => {
    const ws = await t.createWorkspace();
    const { channel, address } = await connectEmail(ws);
    await deliver({ from: 'gone@customer.example', to: address, subject: 'Hello', text: 'Hi', messageId: '<g-1@customer.example>' });
    const { conversation } = await inboxOf(ws, channel.id, 'gone@customer.example');
    const before = sink.received.length;
    const sent = await reply(ws, conversation.id, 'Hello back');
    const mail = await relayed(before + 1);
    await eventually(async () => (await messagesOf(t, ws, conversation.id)).find((m) => m.id === sent.data.id && m.status === 'sent'));
    await deliverRaw(
      `From: Mail Delivery System <MAILER-DAEMON@mx.customer.example>
To: ${address}
Subject: Undelivered Mail Returned to Sender
Message-ID: <dsn-1@mx.customer.example>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="DSN-BOUNDARY"

--DSN-BOUNDARY
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not be delivered.

--DSN-BOUNDARY
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.customer.example

Final-Recipient: rfc822; gone@customer.example
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <gone@customer.example>: Recipient address rejected: User unknown

--DSN-BOUNDARY
Content-Type: text/rfc822-headers

From: ${address}
To: gone@customer.example
Subject: Re: Hello
Message-ID: ${mail.messageId}

--DSN-BOUNDARY--
`,
      address,
      '',
    );
    const failed = await eventually(async () => (await messagesOf(t, ws, conversation.id)).find((m) => m.id === sent.data.id && m.status === 'failed'));
    expect(failed.error).toContain('User unknown');
    expect(failed.errorCode).toBe('smtp:5.1.1');
    // No conversation for the mailer daemon.
    await expect(conversationOf(t, ws, channel.id, 'mailer-daemon@mx.customer.example')).rejects.toThrow();
  });

  it('marks a refused reply failed with the relay’s answer', async () => {
    const ws = await t.createWorkspace();
    const { channel, address } = await connectEmail(ws);
    await deliver({ from: 'ref@customer.example', to: address, subject: 'Hi', text: 'Hi' });
    const { conversation } = await inboxOf(ws, channel.id, 'ref@customer.example');
    sink.refuse(true);
    try {
      const sent = await reply(ws, conversation.id, 'Answer');
      const failed = await eventually(async () => (await messagesOf(t, ws, conversation.id)).find((m) => m.id === sent.data.id && m.status !== 'pending'));
      expect(failed.status).toBe('failed');
      expect(failed.error).toContain('mailbox unavailable');
    } finally {
      sink.refuse(false);
    }
  });

  it('shows an auto-reply marked as such, and drops our own Message-ID coming back (a loop)', async () => {
    const ws = await t.createWorkspace();
    const { channel, address } = await connectEmail(ws);
    await deliver({ from: 'away@customer.example', to: address, subject: 'Out of office', text: 'Back Monday.', headers: { 'Auto-Submitted': 'auto-replied' } });
    const { conversation, messages } = await inboxOf(ws, channel.id, 'away@customer.example');
    expect(messages[0]!.content).toMatchObject({ autoReply: true });
    const before = sink.received.length;
    const sent = await reply(ws, conversation.id, 'See you then');
    const mail = await relayed(before + 1);
    await eventually(async () => (await messagesOf(t, ws, conversation.id)).find((m) => m.id === sent.data.id && m.status === 'sent'));
    // A forwarding rule sends our own reply back to the support address.
    await deliverRaw(sink.received[before]!.raw, address);
    const after = await messagesOf(t, ws, conversation.id);
    expect(after.filter((m) => m.direction === 'in')).toHaveLength(1);
    expect(sink.received.length).toBe(before + 1);
  });
});

describe('email templates and first messages', () => {
  it('sends a template with its subject, the contact’s first name filled in, as a new thread', async () => {
    const ws = await t.createWorkspace();
    const { channel, address } = await connectEmail(ws);
    const template = await t.request('POST', '/api/v1/templates', {
      token: ws.manager.token,
      body: { channelId: channel.id, name: 'shipped', language: 'en', body: 'Hi {{first_name}}, your order is on its way.', fields: { subject: 'Your order, {{first_name}}' } },
    });
    expect(template.statusCode, template.body).toBe(201);
    const missing = await t.request('POST', '/api/v1/templates', { token: ws.manager.token, body: { channelId: channel.id, name: 'nosubject', language: 'en', body: 'Hi' } });
    expect(missing.statusCode).toBe(400);
    expect(missing.data.error.code).toBe('missing_field');

    await deliver({ from: 'Mara Kim <mara@customer.example>', to: address, subject: 'Order?', text: 'Where is it?' });
    const { conversation } = await inboxOf(ws, channel.id, 'mara@customer.example');
    const before = sink.received.length;
    const sent = await t.request('POST', `/api/v1/conversations/${conversation.id}/messages`, {
      token: ws.agent.token,
      body: { type: 'reply', template: { name: 'shipped', language: 'en', parameters: [] } },
    });
    expect(sent.statusCode, sent.body).toBe(201);
    const mail = await relayed(before + 1);
    expect(mail.subject).toBe('Your order, Mara');
    expect(mail.text?.trim()).toBe('Hi Mara, your order is on its way.');

    // Values given by the agent (as the composer asks for them) fill the named placeholders instead.
    const named = await t.request('POST', `/api/v1/conversations/${conversation.id}/messages`, {
      token: ws.agent.token,
      body: { type: 'reply', template: { name: 'shipped', language: 'en', parameters: ['Mrs Kim'] } },
    });
    expect(named.statusCode, named.body).toBe(201);
    expect(named.data.text).toBe('Hi Mrs Kim, your order is on its way.');
    const second = await relayed(before + 2);
    expect(second.subject).toBe('Your order, Mrs Kim');
    const wrong = await t.request('POST', `/api/v1/conversations/${conversation.id}/messages`, {
      token: ws.agent.token,
      body: { type: 'reply', template: { name: 'shipped', language: 'en', parameters: ['a', 'b'] } },
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.data.error.code).toBe('invalid_template_parameters');
  });

  it('writes first to a contact’s email address from the contact record', async () => {
    const ws = await t.createWorkspace();
    const { channel } = await connectEmail(ws);
    const contact = await t.request('POST', '/api/v1/contacts', { token: ws.owner.token, body: { firstName: 'Ida', email: 'Ida@Customer.Example' } });
    expect(contact.statusCode, contact.body).toBe(201);
    const before = sink.received.length;
    const sent = await t.request('POST', `/api/v1/contacts/${contact.data.id}/messages`, {
      token: ws.owner.token,
      body: { type: 'reply', channelId: channel.id, text: 'Welcome aboard\nWe are glad you are here.' },
    });
    expect(sent.statusCode, sent.body).toBe(201);
    const mail = await relayed(before + 1);
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value[0]?.address : undefined).toBe('ida@customer.example');
    expect(mail.subject).toBe('Welcome aboard');
    expect(mail.inReplyTo).toBeUndefined();
  });
});

describe('HTML mail', () => {
  it('stores sanitised HTML: no script, handler, form, iframe, base or javascript: link; remote images held back; quote marked', async () => {
    const ws = await t.createWorkspace();
    const { channel, address } = await connectEmail(ws);
    const hostile = `<html><head><base href="https://evil.example/"><style>body{display:none}</style><script>alert(1)</script></head>
<body onload="steal()"><p style="position:fixed;top:0;color:red">Hello <b>team</b></p>
<a href="javascript:alert(2)">click</a> <a href="https://shop.example/order">order</a>
<img src="https://tracker.example/pixel.gif" width="1" height="1"><img src="x" onerror="alert(3)">
<form action="https://evil.example"><input name="password"></form><iframe src="https://evil.example"></iframe>
<svg><script>alert(4)</script></svg>
<blockquote type="cite">On Monday you wrote: old text</blockquote></body></html>`;
    await deliver({ from: 'html@customer.example', to: address, subject: 'HTML', text: 'Hello team', html: hostile });
    const { messages } = await inboxOf(ws, channel.id, 'html@customer.example');
    const content = messages[0]!.content as { html: string; remoteImages: number };
    expect(content.html).toContain('<b>team</b>');
    for (const bad of ['<script', 'alert(', 'onload', 'onerror', '<form', '<input', '<iframe', '<base', 'javascript:', 'position', '<style', '<svg']) {
      expect(content.html).not.toContain(bad);
    }
    expect(content.html).not.toMatch(/\ssrc="https:\/\/tracker/);
    expect(content.html).toContain('data-remote-src="https://tracker.example/pixel.gif"');
    expect(content.remoteImages).toBe(1);
    expect(content.html).toMatch(/<blockquote class="sb-quoted">/);
    expect(content.html).toContain('href="https://shop.example/order"');
  });

  it('lists the attachments and the inline image of a mail, downloadable', async () => {
    const ws = await t.createWorkspace();
    const { channel, address } = await connectEmail(ws);
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
    await deliver({
      from: 'files@customer.example',
      to: address,
      subject: 'Photo',
      text: 'See attached',
      html: '<p>Look: <img src="cid:photo1@customer"></p>',
      attachments: [
        { filename: 'photo.png', content: png, cid: 'photo1@customer' },
        { filename: 'invoice.txt', content: 'Invoice 42', contentType: 'text/plain' },
      ],
    });
    // Stored before the listener answered 250: nothing is fetched later.
    const { messages } = await inboxOf(ws, channel.id, 'files@customer.example');
    const message = messages[0]!;
    expect(message.content.inline).toEqual([{ contentId: 'photo1@customer', fileName: 'photo.png' }]);
    expect(message.content.html).toContain('src="cid:photo1@customer"');
    expect(message.attachments.map((a: { fileName: string }) => a.fileName).sort()).toEqual(['invoice.txt', 'photo.png']);
    const invoice = message.attachments.find((a: { fileName: string }) => a.fileName === 'invoice.txt');
    const download = await t.request('GET', invoice.url, { token: ws.agent.token });
    expect(download.statusCode).toBe(200);
    expect(download.body).toBe('Invoice 42');
  });
});
