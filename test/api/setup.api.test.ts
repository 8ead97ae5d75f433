import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp | undefined;
afterEach(() => t?.close());

describe('first run', () => {
  it('an empty installation says it is not set up, and the first-run call creates workspace and owner', async () => {
    t = await createTestApp();
    expect((await t.request('GET', '/api/v1/setup')).data).toEqual({ setUp: false });
    const created = await t.request('POST', '/api/v1/setup', {
      body: { workspaceName: 'Acme', name: 'Ada', email: 'Ada@Example.test', password: 'long enough secret' },
    });
    expect(created.statusCode).toBe(201);
    expect(created.data.user).toMatchObject({ email: 'ada@example.test', role: 'owner', name: 'Ada' });
    expect(String(created.headers['set-cookie'])).toMatch(/sb_session=/);
    expect((await t.request('GET', '/api/v1/setup')).data).toEqual({ setUp: true });
    const me = await t.request('GET', '/api/v1/me', { token: created.data.token });
    expect(me.data.workspace.name).toBe('Acme');
    // The first app of this worker also makes and migrates its embedded database: seconds, more on a busy machine.
  }, 90_000);

  it('refuses a second first-run: nobody takes over an installation that has a workspace', async () => {
    t = await createTestApp();
    const body = { workspaceName: 'Acme', email: 'first@example.test', password: 'long enough secret' };
    expect((await t.request('POST', '/api/v1/setup', { body })).statusCode).toBe(201);
    const again = await t.request('POST', '/api/v1/setup', { body: { ...body, email: 'second@example.test' } });
    expect(again.statusCode).toBe(409);
    expect(again.data.error.code).toBe('already_set_up');
    const login = await t.request('POST', '/api/v1/auth/login', {
      body: { email: 'second@example.test', password: 'long enough secret' },
    });
    expect(login.statusCode).toBe(401);
  });

  it('two first-runs at once make exactly one workspace', async () => {
    t = await createTestApp();
    const attempts = await Promise.all(
      ['a', 'b', 'c'].map((name) =>
        t!.request('POST', '/api/v1/setup', {
          body: { workspaceName: name, email: `${name}@example.test`, password: 'long enough secret' },
        }),
      ),
    );
    expect(attempts.map((r) => r.statusCode).sort()).toEqual([201, 409, 409]);
  });

  it('refuses a short owner password, and sets nothing up', async () => {
    t = await createTestApp();
    const response = await t.request('POST', '/api/v1/setup', { body: { workspaceName: 'Acme', email: 'first@example.test', password: '12345678' } });
    expect(response.statusCode).toBe(400);
    expect(response.data.error).toMatchObject({ code: 'invalid_field', field: 'password' });
    expect((await t.request('GET', '/api/v1/setup')).data).toEqual({ setUp: false });
  });

  it('names the field of a bad first-run request', async () => {
    t = await createTestApp();
    const response = await t.request('POST', '/api/v1/setup', {
      body: { workspaceName: 'Acme', email: 'not-an-email', password: 'long enough secret' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.data.error).toMatchObject({ code: 'invalid_field', field: 'email' });
    expect((await t.request('GET', '/api/v1/setup')).data).toEqual({ setUp: false });
  });
});
