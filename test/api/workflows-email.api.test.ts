import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { startMailSink } from '../helpers/mail.js';
import { eventually } from './inbox-fixtures.js';

/** Email's automatic answers (Auto-Submitted, out-of-office) trigger no workflow; a person's mail does. */
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

async function deliver(message: Mail.Options) {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true });
  try {
    return await transport.sendMail(message);
  } finally {
    transport.close();
  }
}

describe('workflows and email', () => {
  it('an out-of-office answer triggers nothing; the same sender writing for real does', async () => {
    const ws = await t.createWorkspace();
    await t.request('PATCH', '/api/v1/settings', { token: ws.owner.token, body: { allowedPrivateHosts: ['127.0.0.1'] } });
    const address = `support@${t.unique()}.example.test`;
    const channel = await t.request('POST', '/api/v1/channels', {
      token: ws.manager.token,
      body: { type: 'email', name: 'Support mail', settings: { address, smtpHost: '127.0.0.1', smtpPort: Number(new URL(sink.url).port), smtpSecure: false, smtpUser: '', smtpPassword: '' } },
    });
    expect(channel.statusCode, channel.body).toBe(201);
    const workflow = await t.request('POST', '/api/v1/workflows', { token: ws.manager.token, body: { name: 'Any mail', enabled: true, trigger: { type: 'message_received' }, steps: [{ type: 'stop' }] } });
    const runs = async () => (await t.request('GET', `/api/v1/workflows/${workflow.data.id}/runs`, { token: ws.manager.token })).data.items as unknown[];

    await deliver({ from: 'away@customer.example', to: address, subject: 'Out of office', text: 'Back Monday.', headers: { 'Auto-Submitted': 'auto-replied' } });
    await eventually(async () => (await t.request('GET', '/api/v1/conversations?inbox=all', { token: ws.owner.token })).data.items.length === 1);
    await t.services.workflows.settled();
    expect(await runs()).toEqual([]);

    await deliver({ from: 'away@customer.example', to: address, subject: 'Back now', text: 'Can you help?' });
    await eventually(async () => (await runs()).length === 1);
  });
});
