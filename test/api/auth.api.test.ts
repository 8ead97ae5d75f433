import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/platform/db/client.js';
import { fixedClock } from '../../src/platform/clock.js';
import { createTestApp, TEST_PASSWORD, type TestApp } from '../helpers/app.js';

const clock = fixedClock(new Date('2026-03-01T09:00:00Z'));
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ clock });
});
afterAll(() => t?.close());

const login = (email: string, password: string) => t.request('POST', '/api/v1/auth/login', { body: { email, password } });

describe('logging in', () => {
  it('answers a token and the user, and the token opens the API', async () => {
    const ws = await t.createWorkspace();
    const response = await login(ws.agent.email, TEST_PASSWORD);
    expect(response.statusCode).toBe(200);
    expect(response.data.user).toMatchObject({ id: ws.agent.id, role: 'agent', email: ws.agent.email });
    expect(response.data.user.passwordHash).toBeUndefined();
    const me = await t.request('GET', '/api/v1/me', { token: response.data.token });
    expect(me.statusCode).toBe(200);
    expect(me.data.user.id).toBe(ws.agent.id);
    expect(me.data.workspace.id).toBe(ws.id);
  });

  it('accepts the email in any case and with spaces around it', async () => {
    const ws = await t.createWorkspace();
    const response = await login(`  ${ws.manager.email.toUpperCase()} `, TEST_PASSWORD);
    expect(response.statusCode).toBe(200);
  });

  it('sets an httpOnly, SameSite=Lax session cookie the web app can use instead of the token', async () => {
    const ws = await t.createWorkspace();
    const response = await login(ws.owner.email, TEST_PASSWORD);
    const cookie = String(response.headers['set-cookie']);
    expect(cookie).toMatch(/sb_session=[^;]+/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i);
    const session = cookie.match(/sb_session=([^;]+)/)![1]!;
    const me = await t.request('GET', '/api/v1/me', { headers: { cookie: `sb_session=${session}` } });
    expect(me.statusCode).toBe(200);
  });

  it('answers the same 401 for a wrong password and for an unknown email', async () => {
    const ws = await t.createWorkspace();
    const wrong = await login(ws.owner.email, 'not the password');
    const unknown = await login(`nobody-${t.unique()}@example.test`, 'not the password');
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.data).toEqual(unknown.data);
    expect(wrong.data.error.code).toBe('invalid_credentials');
  });

  it('refuses a request without a token, or with a made-up one', async () => {
    expect((await t.request('GET', '/api/v1/me')).statusCode).toBe(401);
    const response = await t.request('GET', '/api/v1/me', { token: 'made-up' });
    expect(response.statusCode).toBe(401);
    expect(response.data.error.code).toBe('unauthorized');
  });
});

describe('login throttling', () => {
  it('slows down after five failures and locks after ten attempts, even for the right password', async () => {
    const ws = await t.createWorkspace();
    for (let i = 0; i < 5; i++) expect((await login(ws.agent.email, 'wrong')).statusCode).toBe(401);
    const throttled = await login(ws.agent.email, TEST_PASSWORD);
    expect(throttled.statusCode).toBe(429);
    expect(throttled.data.error.code).toBe('login_throttled');
    expect(throttled.headers['retry-after']).toBe('1');

    // The refused attempt counted too (the sixth): four more make ten.
    for (let i = 0; i < 4; i++) {
      clock.advance(60_000);
      expect((await login(ws.agent.email, 'wrong')).statusCode).toBe(401);
    }
    clock.advance(60_000);
    const locked = await login(ws.agent.email, TEST_PASSWORD);
    expect(locked.statusCode).toBe(429);
    expect(locked.data.error.code).toBe('account_locked');

    clock.advance(15 * 60_000);
    expect((await login(ws.agent.email, TEST_PASSWORD)).statusCode).toBe(200);
  });

  it('does not throttle one user for another user’s failures', async () => {
    const ws = await t.createWorkspace();
    for (let i = 0; i < 6; i++) await login(ws.agent.email, 'wrong');
    expect((await login(ws.manager.email, TEST_PASSWORD)).statusCode).toBe(200);
  });

  const loginFrom = (app: TestApp, remoteAddress: string, email: string, password: string, headers: Record<string, string> = {}) =>
    app.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password }, remoteAddress, headers });

  it('keeps an attacker’s lockout to the attacker’s address: the owner still gets in from elsewhere', async () => {
    const ws = await t.createWorkspace();
    for (let i = 0; i < 12; i++) {
      clock.advance(60_000);
      await loginFrom(t, '198.51.100.66', ws.owner.email, 'a guess');
    }
    const attacker = await loginFrom(t, '198.51.100.66', ws.owner.email, TEST_PASSWORD);
    expect(attacker.statusCode).toBe(429);
    expect(attacker.json().error.code).toBe('account_locked');
    expect((await loginFrom(t, '203.0.113.7', ws.owner.email, TEST_PASSWORD)).statusCode).toBe(200);
  });

  it('counts an IPv6 client by its /64, so a new address in the same network is no new start', async () => {
    const ws = await t.createWorkspace();
    for (let i = 0; i < 5; i++) await loginFrom(t, `2001:db8:1:2::${i + 1}`, ws.agent.email, 'a guess');
    expect((await loginFrom(t, '2001:db8:1:2:ffff::9', ws.agent.email, TEST_PASSWORD)).statusCode).toBe(429);
    expect((await loginFrom(t, '2001:db8:1:3::1', ws.agent.email, TEST_PASSWORD)).statusCode).toBe(200);
  });

  it('counts concurrent guesses one by one: of 50 at once, five are checked and all 50 count', async () => {
    const ws = await t.createWorkspace();
    const answers = await Promise.all(Array.from({ length: 50 }, () => loginFrom(t, '198.51.100.50', ws.agent.email, 'a guess')));
    const statuses = answers.map((answer) => answer.statusCode);
    expect(statuses.filter((status) => status === 401)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(45);
    // Fifty counted failures lock the address: even a second later, the right password is refused.
    clock.advance(1000);
    const after = await loginFrom(t, '198.51.100.50', ws.agent.email, TEST_PASSWORD);
    expect(after.json().error.code).toBe('account_locked');
  });

  it('forgets the counts of addresses gone quiet, and keeps the others', async () => {
    const ws = await t.createWorkspace();
    const rows = async () =>
      rowsOf<{ address: string }>(await t.database.db.execute(sql`select address from login_attempts where email = ${ws.agent.email} order by address`)).map((r) => r.address);
    await loginFrom(t, '198.51.100.90', ws.agent.email, 'a guess');
    clock.advance(10 * 60_000);
    for (let i = 0; i < 10; i++) await loginFrom(t, '198.51.100.91', ws.agent.email, 'a guess');
    expect(await rows()).toEqual(['198.51.100.90', '198.51.100.91']);
    clock.advance(6 * 60_000);
    await t.services.auth.forgetQuietLoginAttempts();
    expect(await rows()).toEqual(['198.51.100.91']);
    expect((await loginFrom(t, '198.51.100.91', ws.agent.email, TEST_PASSWORD)).json().error.code).toBe('account_locked');
    clock.advance(16 * 60_000);
    await t.services.auth.forgetQuietLoginAttempts();
    expect(await rows()).toEqual([]);
  });

  it('ignores X-Forwarded-For unless the request comes from a proxy TRUSTED_PROXIES lists', async () => {
    const ws = await t.createWorkspace();
    // Without trusted proxies a client cannot pick the address it is counted under.
    for (let i = 0; i < 10; i++) await loginFrom(t, '198.51.100.70', ws.agent.email, 'a guess', { 'x-forwarded-for': `192.0.2.${i}` });
    expect((await loginFrom(t, '198.51.100.70', ws.agent.email, TEST_PASSWORD, { 'x-forwarded-for': '192.0.2.200' })).statusCode).toBe(429);

    const proxied = await createTestApp({ clock, env: { TRUSTED_PROXIES: '10.0.0.1' } });
    try {
      const other = await proxied.createWorkspace();
      for (let i = 0; i < 10; i++) await loginFrom(proxied, '10.0.0.1', other.agent.email, 'a guess', { 'x-forwarded-for': '198.51.100.71' });
      expect((await loginFrom(proxied, '10.0.0.1', other.agent.email, TEST_PASSWORD, { 'x-forwarded-for': '198.51.100.71' })).statusCode).toBe(429);
      expect((await loginFrom(proxied, '10.0.0.1', other.agent.email, TEST_PASSWORD, { 'x-forwarded-for': '198.51.100.72' })).statusCode).toBe(200);
      // A client that is not the proxy is counted by its own address, whatever it forwards.
      for (let i = 0; i < 10; i++) await loginFrom(proxied, '10.0.0.9', other.manager.email, 'a guess', { 'x-forwarded-for': `192.0.2.${i}` });
      expect((await loginFrom(proxied, '10.0.0.9', other.manager.email, TEST_PASSWORD, { 'x-forwarded-for': '192.0.2.201' })).statusCode).toBe(429);
    } finally {
      await proxied.close();
    }
  });
});

describe('logging out', () => {
  it('revokes the token for good', async () => {
    const ws = await t.createWorkspace();
    const token = await t.login(ws.agent.email);
    expect((await t.request('POST', '/api/v1/auth/logout', { token })).statusCode).toBe(204);
    expect((await t.request('GET', '/api/v1/me', { token })).statusCode).toBe(401);
    expect((await t.request('GET', '/api/v1/me', { token: ws.agent.token })).statusCode).toBe(200);
  });
});

describe('passwords', () => {
  it('a user changes its own password: the old one stops working and other sessions end', async () => {
    const ws = await t.createWorkspace();
    const otherSession = await t.login(ws.agent.email);
    const change = await t.request('POST', '/api/v1/me/password', {
      token: ws.agent.token,
      body: { currentPassword: TEST_PASSWORD, newPassword: 'a brand new secret' },
    });
    expect(change.statusCode).toBe(204);
    expect((await t.request('GET', '/api/v1/me', { token: ws.agent.token })).statusCode).toBe(200);
    expect((await t.request('GET', '/api/v1/me', { token: otherSession })).statusCode).toBe(401);
    expect((await login(ws.agent.email, TEST_PASSWORD)).statusCode).toBe(401);
    expect((await login(ws.agent.email, 'a brand new secret')).statusCode).toBe(200);
  });

  it('refuses a change with the wrong current password, and a too short new one', async () => {
    const ws = await t.createWorkspace();
    const wrong = await t.request('POST', '/api/v1/me/password', {
      token: ws.agent.token,
      body: { currentPassword: 'nope', newPassword: 'a brand new secret' },
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.data.error).toMatchObject({ code: 'wrong_password', field: 'currentPassword' });
    const short = await t.request('POST', '/api/v1/me/password', {
      token: ws.agent.token,
      body: { currentPassword: TEST_PASSWORD, newPassword: 'short' },
    });
    expect(short.statusCode).toBe(400);
    expect(short.data.error).toMatchObject({ code: 'invalid_field', field: 'newPassword' });
    expect((await login(ws.agent.email, TEST_PASSWORD)).statusCode).toBe(200);
  });

  it('the owner resets a user’s password and signs that user out everywhere', async () => {
    const ws = await t.createWorkspace();
    const reset = await t.request('POST', `/api/v1/users/${ws.agent.id}/password`, {
      token: ws.owner.token,
      body: { password: 'reset by the owner' },
    });
    expect(reset.statusCode).toBe(204);
    expect((await t.request('GET', '/api/v1/me', { token: ws.agent.token })).statusCode).toBe(401);
    expect((await login(ws.agent.email, 'reset by the owner')).statusCode).toBe(200);
  });

  it.each(['password', '12345678', 'eleven char'])('refuses %j wherever a password is set, naming why', async (weak) => {
    const ws = await t.createWorkspace();
    const attempts = [
      ['POST', '/api/v1/users', { email: `weak-${t.unique()}@example.test`, name: 'Weak', role: 'agent', password: weak }, 'password'],
      ['POST', `/api/v1/users/${ws.agent.id}/password`, { password: weak }, 'password'],
      ['POST', '/api/v1/me/password', { currentPassword: TEST_PASSWORD, newPassword: weak }, 'newPassword'],
    ] as const;
    for (const [method, url, body, field] of attempts) {
      const response = await t.request(method, url, { token: ws.owner.token, body });
      expect(response.statusCode).toBe(400);
      expect(response.data.error).toMatchObject({ code: 'invalid_field', field });
      expect(response.data.error.message).toMatch(/at least 12 characters/);
    }
    expect((await login(ws.owner.email, TEST_PASSWORD)).statusCode).toBe(200);
    expect((await login(ws.agent.email, TEST_PASSWORD)).statusCode).toBe(200);
  });

  it('accepts twelve characters', async () => {
    const ws = await t.createWorkspace();
    const reset = await t.request('POST', `/api/v1/users/${ws.agent.id}/password`, { token: ws.owner.token, body: { password: 'twelve chars' } });
    expect(reset.statusCode).toBe(204);
  });

  it('a manager may not reset passwords', async () => {
    const ws = await t.createWorkspace();
    const reset = await t.request('POST', `/api/v1/users/${ws.agent.id}/password`, {
      token: ws.manager.token,
      body: { password: 'reset by the manager' },
    });
    expect(reset.statusCode).toBe(403);
    expect((await login(ws.agent.email, TEST_PASSWORD)).statusCode).toBe(200);
  });
});

describe('behind TLS', () => {
  it('marks the session cookie Secure when PUBLIC_URL is https', async () => {
    const tls = await createTestApp({ env: { PUBLIC_URL: 'https://inbox.example.test' } });
    try {
      const ws = await tls.createWorkspace();
      const response = await tls.request('POST', '/api/v1/auth/login', { body: { email: ws.owner.email, password: TEST_PASSWORD } });
      expect(String(response.headers['set-cookie'])).toMatch(/;\s*Secure/i);
    } finally {
      await tls.close();
    }
  });
});
