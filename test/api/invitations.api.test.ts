import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/platform/clock.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { linkIn, startMailSink } from '../helpers/mail.js';

const clock = fixedClock(new Date('2026-03-02T09:00:00Z'));
let t: TestApp;
let mail: Awaited<ReturnType<typeof startMailSink>>;
let withoutRelay: TestApp;
beforeAll(async () => {
  mail = await startMailSink();
  t = await createTestApp({ clock, env: { SMTP_URL: mail.url, PUBLIC_URL: 'https://switchboard.example' } });
});
afterAll(async () => {
  await t?.close();
  await withoutRelay?.close();
  await mail?.close();
});

describe('inviting a user by email', () => {
  it('mails a link to choose a password; accepting it creates the user, signs them in, and spends the link', async () => {
    const ws = await t.createWorkspace('Acme');
    const email = `new-${t.unique()}@example.test`;
    const invited = await t.request('POST', '/api/v1/invitations', { token: ws.manager.token, body: { email: email.toUpperCase(), name: 'Nora New', role: 'agent' } });
    expect(invited.statusCode).toBe(201);
    expect(invited.data).toMatchObject({ email, name: 'Nora New', role: 'agent', expiresAt: '2026-03-09T09:00:00.000Z' });
    expect(JSON.stringify(invited.data)).not.toMatch(/token/i);

    const sent = mail.received.at(-1)!;
    expect(sent.to).toEqual([email]);
    expect(sent.raw).toContain('Subject: Manager invites you to Acme on Switchboard');
    const link = linkIn(sent.raw)!;
    expect(link).toMatch(/^https:\/\/switchboard\.example\/invitation\//);
    const token = link.split('/').at(-1)!;

    expect((await t.request('GET', '/api/v1/invitations', { token: ws.owner.token })).data.items.map((each: { email: string }) => each.email)).toEqual([email]);
    expect((await t.request('GET', `/api/v1/invitations/by-token/${token}`)).data).toMatchObject({ email, name: 'Nora New', role: 'agent', workspaceName: 'Acme' });

    const accepted = await t.request('POST', '/api/v1/invitations/accept', { body: { token, password: 'a long new password' } });
    expect(accepted.statusCode).toBe(201);
    expect(accepted.data.user).toMatchObject({ email, name: 'Nora New', role: 'agent' });
    expect(accepted.headers['set-cookie']).toBeDefined();
    expect((await t.request('GET', '/api/v1/me', { token: accepted.data.token })).data.workspace.id).toBe(ws.id);
    expect(await t.login(email, 'a long new password')).toBeTruthy();

    const again = await t.request('POST', '/api/v1/invitations/accept', { body: { token, password: 'another password' } });
    expect(again.statusCode).toBe(404);
    expect(again.data.error.code).toBe('invitation_not_valid');
    expect((await t.request('GET', '/api/v1/invitations', { token: ws.owner.token })).data.items).toEqual([]);
  });

  it('stops working after 7 days, and when withdrawn; a new invitation replaces the old link', async () => {
    const ws = await t.createWorkspace();
    const email = `late-${t.unique()}@example.test`;
    const invite = async () => {
      await t.request('POST', '/api/v1/invitations', { token: ws.owner.token, body: { email, name: 'Lou Late', role: 'manager' } });
      return linkIn(mail.received.at(-1)!.raw)!.split('/').at(-1)!;
    };
    const first = await invite();
    const second = await invite();
    expect((await t.request('GET', `/api/v1/invitations/by-token/${first}`)).statusCode).toBe(404);
    clock.advance(7 * 86_400_000 + 1000);
    const late = await t.request('POST', '/api/v1/invitations/accept', { body: { token: second, password: 'a long new password' } });
    expect(late.statusCode).toBe(404);
    clock.advance(-(7 * 86_400_000 + 1000));

    const third = await invite();
    const { id } = (await t.request('GET', '/api/v1/invitations', { token: ws.owner.token })).data.items[0];
    expect((await t.request('DELETE', `/api/v1/invitations/${id}`, { token: ws.owner.token })).statusCode).toBe(204);
    expect((await t.request('GET', `/api/v1/invitations/by-token/${third}`)).statusCode).toBe(404);
  });

  it('refuses what cannot be: an agent inviting, a manager inviting an owner, a taken address, a short password, a relay that refuses', async () => {
    const ws = await t.createWorkspace();
    const before = mail.received.length;
    const body = { email: `x-${t.unique()}@example.test`, name: 'X', role: 'agent' };
    expect((await t.request('POST', '/api/v1/invitations', { token: ws.agent.token, body })).statusCode).toBe(403);
    const owner = await t.request('POST', '/api/v1/invitations', { token: ws.manager.token, body: { ...body, role: 'owner' } });
    expect(owner.statusCode).toBe(403);
    const taken = await t.request('POST', '/api/v1/invitations', { token: ws.owner.token, body: { ...body, email: ws.agent.email } });
    expect(taken.data.error.code).toBe('email_taken');
    expect(mail.received.length).toBe(before);

    mail.refuse(true);
    try {
      const refused = await t.request('POST', '/api/v1/invitations', { token: ws.owner.token, body });
      expect(refused.statusCode).toBe(502);
      expect(refused.data.error.code).toBe('mail_failed');
    } finally {
      mail.refuse(false);
    }
    expect((await t.request('GET', '/api/v1/invitations', { token: ws.owner.token })).data.items).toEqual([]);

    await t.request('POST', '/api/v1/invitations', { token: ws.owner.token, body });
    const token = linkIn(mail.received.at(-1)!.raw)!.split('/').at(-1)!;
    const short = await t.request('POST', '/api/v1/invitations/accept', { body: { token, password: 'short' } });
    expect(short.statusCode).toBe(400);
    expect((await t.request('GET', `/api/v1/invitations/by-token/${token}`)).statusCode).toBe(200);
  });

  it('says so when the server has no mail relay, and direct creation with a password still works', async () => {
    withoutRelay = await createTestApp();
    const ws = await withoutRelay.createWorkspace();
    const refused = await withoutRelay.request('POST', '/api/v1/invitations', { token: ws.owner.token, body: { email: 'y@example.test', name: 'Y', role: 'agent' } });
    expect(refused.statusCode).toBe(409);
    expect(refused.data.error.code).toBe('mail_not_configured');
    const created = await withoutRelay.request('POST', '/api/v1/users', {
      token: ws.owner.token,
      body: { email: 'y@example.test', name: 'Y', role: 'agent', password: 'a long enough password' },
    });
    expect(created.statusCode).toBe(201);
  });
});
