import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, TEST_PASSWORD, type TestApp } from '../helpers/app.js';
import { createApiChannel, inboundConversation } from './inbox-fixtures.js';

/**
 * The session cookie is sent with any request the browser makes to us, whichever page asked it to
 * (a page on another port of the same host included: same site). A cookie-authenticated unsafe
 * request or WebSocket from an origin that is not ours is refused; bearer tokens are unaffected.
 */
const PUBLIC_URL = 'https://inbox.example.test';
const DEV_SERVER = 'http://localhost:5173';
const EVIL = 'http://evil.example';

let t: TestApp;
let ws: Awaited<ReturnType<TestApp['createWorkspace']>>;
let baseUrl: string;
let cookie: string;
let contactId: string;
beforeAll(async () => {
  t = await createTestApp({ env: { PUBLIC_URL, ALLOWED_ORIGINS: DEV_SERVER } });
  baseUrl = await t.server.listen();
  ws = await t.createWorkspace();
  const channel = await createApiChannel(t, ws);
  contactId = (await inboundConversation(t, ws, channel.id, { identifier: 'csrf-target', name: 'Target' })).contactId;
  cookie = await sessionCookie(ws.agent.email);
});
afterAll(() => t?.close());

async function sessionCookie(email: string) {
  const response = await t.request('POST', '/api/v1/auth/login', { body: { email, password: TEST_PASSWORD } });
  return String(response.headers['set-cookie']).match(/sb_session=[^;]+/)![0];
}

const blocked = async (): Promise<boolean> => (await t.request('GET', `/api/v1/contacts/${contactId}`, { token: ws.owner.token })).data.blocked;
const withCookie = (headers: Record<string, string>) => ({ headers: { cookie, ...headers } });

describe('a cookie-authenticated unsafe request', () => {
  it.each([
    ['another site', { origin: EVIL }],
    ['our host on another port', { origin: 'https://inbox.example.test:8443' }],
    ['an opaque origin', { origin: 'null' }],
    ['a same-site page that sent no Origin', { 'sec-fetch-site': 'same-site' }],
    ['a cross-site page that sent no Origin', { 'sec-fetch-site': 'cross-site' }],
  ])('from %s is refused 403 cross_origin_refused and changes nothing', async (_name, headers) => {
    const response = await t.request('POST', `/api/v1/contacts/${contactId}/block`, withCookie({ ...headers, 'content-type': 'text/plain' }));
    expect(response.statusCode).toBe(403);
    expect(response.data.error.code).toBe('cross_origin_refused');
    expect(await blocked()).toBe(false);
  });

  it.each([
    ['PUBLIC_URL’s origin', { origin: PUBLIC_URL }],
    ['an origin ALLOWED_ORIGINS lists', { origin: DEV_SERVER }],
    ['a same-origin fetch that sent no Origin', { 'sec-fetch-site': 'same-origin' }],
    ['a client that is no browser (neither header)', {}],
  ])('from %s goes through', async (_name, headers) => {
    const block = await t.request('POST', `/api/v1/contacts/${contactId}/block`, withCookie(headers));
    expect(block.statusCode, block.body).toBe(200);
    expect(await blocked()).toBe(true);
    expect((await t.request('POST', `/api/v1/contacts/${contactId}/unblock`, withCookie(headers))).statusCode).toBe(200);
  });

  it('covers logout: a foreign page cannot sign the user out', async () => {
    const mine = await sessionCookie(ws.manager.email);
    const response = await t.request('POST', '/api/v1/auth/logout', { headers: { cookie: mine, origin: EVIL } });
    expect(response.statusCode).toBe(403);
    expect((await t.request('GET', '/api/v1/me', { headers: { cookie: mine } })).statusCode).toBe(200);
  });

  it('does not concern bearer tokens, which no other page can attach', async () => {
    const response = await t.request('POST', `/api/v1/contacts/${contactId}/block`, { token: ws.agent.token, headers: { origin: EVIL, cookie } });
    expect(response.statusCode).toBe(200);
    await t.request('POST', `/api/v1/contacts/${contactId}/unblock`, { token: ws.agent.token });
  });

  it('lets reads through from anywhere: the browser keeps their answers from other origins', async () => {
    expect((await t.request('GET', '/api/v1/me', withCookie({ origin: EVIL }))).statusCode).toBe(200);
  });
});

describe('the requests that set the cookie', () => {
  it('refuse a login from a foreign page (login CSRF), and set no cookie', async () => {
    const response = await t.request('POST', '/api/v1/auth/login', { body: { email: ws.agent.email, password: TEST_PASSWORD }, headers: { origin: EVIL } });
    expect(response.statusCode).toBe(403);
    expect(response.data.error.code).toBe('cross_origin_refused');
    expect(response.headers['set-cookie']).toBeUndefined();
  });

  it('accept a login from our page and from an API client', async () => {
    const body = { email: ws.agent.email, password: TEST_PASSWORD };
    expect((await t.request('POST', '/api/v1/auth/login', { body, headers: { origin: PUBLIC_URL } })).statusCode).toBe(200);
    expect((await t.request('POST', '/api/v1/auth/login', { body })).statusCode).toBe(200);
  });

  it('refuse first-run setup from a foreign page', async () => {
    const fresh = await createTestApp({ env: { PUBLIC_URL } });
    try {
      const body = { workspaceName: 'Acme', email: 'first@example.test', password: 'long enough secret' };
      const foreign = await fresh.request('POST', '/api/v1/setup', { body, headers: { origin: EVIL } });
      expect(foreign.statusCode).toBe(403);
      expect((await fresh.request('GET', '/api/v1/setup')).data.setUp).toBe(false);
      expect((await fresh.request('POST', '/api/v1/setup', { body, headers: { origin: PUBLIC_URL } })).statusCode).toBe(201);
    } finally {
      await fresh.close();
    }
  });
});

describe('the live WebSocket', () => {
  /** The first thing the server says, or how it refused: an HTTP status or a close code. `first`: a frame sent once open. */
  function handshake(url: string, headers: Record<string, string>, first?: string): Promise<string> {
    const socket = new WebSocket(url, { headers });
    socket.on('open', () => first !== undefined && socket.send(first));
    return new Promise((resolve) => {
      socket.on('message', (raw) => {
        resolve(JSON.parse(raw.toString()).type);
        socket.close();
      });
      socket.on('unexpected-response', (_request, response) => resolve(`http ${response.statusCode}`));
      socket.on('close', (code) => resolve(`closed ${code}`));
      socket.on('error', () => undefined);
    });
  }
  const wsUrl = () => `${baseUrl.replace(/^http/, 'ws')}/ws`;

  it('refuses the session cookie from a foreign origin', async () => {
    expect(await handshake(wsUrl(), { cookie, origin: EVIL })).toBe('http 403');
    expect(await handshake(wsUrl(), { cookie, origin: 'https://inbox.example.test:8443' })).toBe('http 403');
  });

  it('accepts the session cookie from our origins', async () => {
    expect(await handshake(wsUrl(), { cookie, origin: PUBLIC_URL })).toBe('hello');
    expect(await handshake(wsUrl(), { cookie, origin: DEV_SERVER })).toBe('hello');
  });

  it('accepts a token in the URL from anywhere: an API client holds it, no page can forge it', async () => {
    expect(await handshake(`${wsUrl()}?token=${encodeURIComponent(ws.agent.token)}`, { origin: EVIL })).toBe('hello');
  });

  const firstFrame = (first: string, headers: Record<string, string> = {}) => handshake(wsUrl(), headers, first);

  it('accepts a token in the first frame, keeping it out of URLs and logs', async () => {
    expect(await firstFrame(JSON.stringify({ type: 'auth', token: ws.agent.token }), { origin: EVIL })).toBe('hello');
    expect(await firstFrame(JSON.stringify({ type: 'auth', token: ws.agent.token }))).toBe('hello');
  });

  it('closes a connection whose first frame is not a valid token', async () => {
    expect(await firstFrame(JSON.stringify({ type: 'auth', token: 'not-a-token' }))).toBe('closed 4401');
    expect(await firstFrame(JSON.stringify({ type: 'ping' }))).toBe('closed 4401');
    expect(await firstFrame('not json')).toBe('closed 4401');
  });

  it('still refuses a foreign page that sends the cookie and a token frame: the cookie is checked first', async () => {
    expect(await handshake(wsUrl(), { cookie, origin: EVIL })).toBe('http 403');
    expect(await firstFrame(JSON.stringify({ type: 'auth', token: ws.agent.token }), { cookie, origin: EVIL })).toBe('http 403');
  });
});
