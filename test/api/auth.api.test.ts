import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, TEST_PASSWORD, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.close());

describe('logging in', () => {
  it('answers a token and the user, and the token opens the API', async () => {
    const ws = await t.createWorkspace();
    const login = await t.request('POST', '/api/v1/auth/login', { body: { email: ws.agent.email, password: TEST_PASSWORD } });
    expect(login.statusCode).toBe(200);
    expect(login.data.user).toMatchObject({ id: ws.agent.id, role: 'agent', email: ws.agent.email });
    expect(login.data.user.passwordHash).toBeUndefined();
    const me = await t.request('GET', '/api/v1/me', { token: login.data.token });
    expect(me.statusCode).toBe(200);
    expect(me.data.user.id).toBe(ws.agent.id);
    expect(me.data.workspace.id).toBe(ws.id);
  });
});
