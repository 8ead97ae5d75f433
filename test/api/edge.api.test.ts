import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { settledJob } from './contacts.fixtures.js';
import { createApiChannel, inboundConversation, sendInbound } from './inbox-fixtures.js';

/**
 * Inputs PostgreSQL cannot store (NUL, lone surrogates, year 0) or that the code once misread
 * (tampered cursors, empty PATCH bodies): each is a clear 400 that changes nothing, never a 500;
 * webhooks instead keep the message, cleaned, so a provider does not retry it forever.
 */
let t: TestApp;
let ws: Awaited<ReturnType<TestApp['createWorkspace']>>;
let channelId: string;
beforeAll(async () => {
  t = await createTestApp();
  ws = await t.createWorkspace();
  channelId = (await createApiChannel(t, ws)).id;
});
afterAll(() => t?.close());

const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const owner = () => ({ token: ws.owner.token });

describe('a NUL character or a lone surrogate', () => {
  it.each([
    ['contacts', '/api/v1/contacts?q=a%00b'],
    ['conversations', '/api/v1/conversations?q=%00'],
    ['saved replies', '/api/v1/saved-replies?q=%00'],
    ['tags', '/api/v1/tags?q=%00'],
    ['contacts by tag', '/api/v1/contacts?tag=%00'],
    ['contacts by custom field', '/api/v1/contacts?cf.score=%00'],
  ])('in the search of %s answers 400 invalid_text naming the parameter', async (_name, url) => {
    const response = await t.request('GET', url, owner());
    expect(response.statusCode).toBe(400);
    expect(response.data.error.code).toBe('invalid_text');
    expect(response.data.error.message).toMatch(/querystring\./);
  });

  it.each([
    ['a tag name', 'POST', '/api/v1/tags', { name: 'v\u0000ip' }, 'name'],
    ['a contact’s tags', 'POST', '/api/v1/contacts', { firstName: 'Ann', tags: ['ok', 'bad\u0000'] }, 'tags.1'],
    ['a custom field value', 'POST', '/api/v1/contacts', { firstName: 'Ann', customFields: { note: 'x\u0000' } }, 'customFields.note'],
    ['a custom field value (lone surrogate)', 'POST', '/api/v1/contacts', { firstName: 'Ann', customFields: { note: '\ud800' } }, 'customFields.note'],
    ['a segment filter (lone surrogate)', 'POST', '/api/v1/segments', { name: 'S', filter: { q: 'a\udfff' } }, 'filter.q'],
    ['a channel setting (lone surrogate)', 'POST', '/api/v1/channels', { type: 'api', name: 'X', settings: { webhookUrl: 'https://example.com', secret: '\ud800'.repeat(20) } }, 'settings.secret'],
    ['a team name', 'POST', '/api/v1/teams', { name: '\u0000' }, 'name'],
    ['a key of an object', 'POST', '/api/v1/contacts', { customFields: { 'no\u0000te': 'x' } }, 'customFields'],
  ] as const)('in %s answers 400 invalid_text naming the field, and stores nothing', async (_name, method, url, body, field) => {
    const before = (await t.request('GET', '/api/v1/contacts/count', owner())).data.count;
    const response = await t.request(method, url, { ...owner(), body });
    expect(response.statusCode).toBe(400);
    expect(response.data.error).toMatchObject({ code: 'invalid_text', field });
    expect((await t.request('GET', '/api/v1/contacts/count', owner())).data.count).toBe(before);
  });

  it('in the login email answers 400, not 500', async () => {
    const response = await t.request('POST', '/api/v1/auth/login', { body: { email: 'a\u0000@example.test', password: 'whatever it is' } });
    expect(response.statusCode).toBe(400);
    expect(response.data.error).toMatchObject({ code: 'invalid_text', field: 'email' });
  });

  it('in a path parameter answers 400', async () => {
    const response = await t.request('GET', '/api/v1/contacts/%00', owner());
    expect(response.statusCode).toBe(400);
  });

  it('in a webhook’s text, identifier, name and message id is stripped: the message is kept, once', async () => {
    const payload = { identifier: 'nul-\u0000-1', name: 'Ann\u0000 Lee\ud800', text: 'Hel\u0000lo \udfffthere', id: 'msg-\u0000-1' };
    const first = await sendInbound(t, channelId, payload);
    expect(first.statusCode).toBe(200);
    expect(first.data.received[0].duplicate).toBe(false);
    const again = await sendInbound(t, channelId, payload);
    expect(again.data.received[0]).toEqual({ messageId: first.data.received[0].messageId, duplicate: true });

    const list = await t.request('GET', '/api/v1/conversations?q=Ann', owner());
    const conversation = list.data.items[0];
    expect(conversation.contact.name).toBe('Ann Lee\ufffd');
    const messages = (await t.request('GET', `/api/v1/conversations/${conversation.id}/messages`, owner())).data.items;
    expect(messages.map((m: { text: string }) => m.text)).toEqual(['Hello \ufffdthere']);
  });
});

describe('a CSV import carrying NUL bytes or broken surrogates', () => {
  const importCsv = (csv: string, mapping?: unknown) =>
    t.request('POST', `/api/v1/contacts/import${mapping === undefined ? '' : `?mapping=${encodeURIComponent(JSON.stringify(mapping))}`}`, {
      ...owner(),
      body: csv,
      headers: { 'content-type': 'text/csv' },
    });

  it('imports the rows with those characters dropped, header included', async () => {
    const response = await importCsv('first\u0000Name,email\nZo\u0000e,zoe-nul@example.test\nLo\ud800u,lou-nul@example.test\n');
    expect(response.statusCode, response.body).toBe(202);
    const job = await settledJob(t, ws.owner.token, response.data.job.id);
    expect(job.result, JSON.stringify(job)).toMatchObject({ imported: 2, refusedCount: 0 });
    const contacts = (await t.request('GET', '/api/v1/contacts?limit=200', owner())).data.items as Array<{ firstName: string; email: string }>;
    const imported = contacts.filter((c) => c.email?.endsWith('-nul@example.test')).map((c) => c.firstName);
    expect(imported.sort()).toEqual(['Lo\ufffdu', 'Zoe']);
  });

  it('refuses a mapping holding one with 400 invalid_text', async () => {
    const response = await importCsv('name\nAnn\n', { 'na\u0000me': 'firstName' });
    expect(response.statusCode).toBe(400);
    expect(response.data.error).toMatchObject({ code: 'invalid_text', field: 'mapping' });
  });
});

describe('dates PostgreSQL cannot store', () => {
  it('a webhook timestamp of year 0 keeps the message, dated when it arrived', async () => {
    const before = Date.now();
    const response = await sendInbound(t, channelId, { identifier: 'year-zero', text: 'From long ago', timestamp: '0000-01-01T00:00:00Z' });
    expect(response.statusCode).toBe(200);
    const conversation = (await t.request('GET', '/api/v1/conversations?q=year-zero', owner())).data.items[0] ?? (await inboundConversation(t, ws, channelId, { identifier: 'year-zero' }));
    const messages = (await t.request('GET', `/api/v1/conversations/${conversation.id}/messages`, owner())).data.items;
    expect(new Date(messages[0].createdAt).getTime()).toBeGreaterThanOrEqual(before - 1000);
  });

  it.each(['1e20', '-5'])('a webhook timestamp of %s is refused or ignored, never a 500', async (value) => {
    const response = await sendInbound(t, channelId, { identifier: `ts-${value}`, timestamp: Number(value) });
    expect(response.statusCode).toBeLessThan(500);
  });

  it.each(['createdFrom=0000-01-01', 'createdTo=0000-12-31T00:00:00Z', 'lastInteractionFrom=0000-01-01'])('a contact filter %s answers 400', async (query) => {
    const response = await t.request('GET', `/api/v1/contacts?${query}`, owner());
    expect(response.statusCode).toBe(400);
    expect(response.data.error.field).toBe(query.split('=')[0]);
  });

  it('a snooze until year 0 answers 400', async () => {
    const conversation = await inboundConversation(t, ws, channelId, { identifier: 'snoozer' });
    const response = await t.request('POST', `/api/v1/conversations/${conversation.id}/snooze`, { ...owner(), body: { until: '0000-01-01T00:00:00Z' } });
    expect(response.statusCode).toBe(400);
  });

  it.each([
    ['conversations', '/api/v1/conversations', ['0000-01-01T00:00:00.000Z', '00000000-0000-0000-0000-000000000000']],
    ['contacts', '/api/v1/contacts', ['created', '0000-01-01 00:00:00+00', '00000000-0000-0000-0000-000000000000']],
    ['spam decisions', '/api/v1/spam/decisions', ['+275760-09-13T00:00:00.000Z', '00000000-0000-0000-0000-000000000000']],
  ])('a cursor of %s carrying such a date answers 400 invalid_cursor', async (_name, url, values) => {
    const response = await t.request('GET', `${url}?cursor=${cursorOf(values)}`, owner());
    expect(response.statusCode).toBe(400);
    expect(response.data.error.code).toBe('invalid_cursor');
  });
});

describe('tampered cursors and ids', () => {
  it.each([
    ['users', '/api/v1/users'],
    ['saved replies', '/api/v1/saved-replies'],
    ['tags', '/api/v1/tags'],
    ['contacts', '/api/v1/contacts'],
    ['conversations', '/api/v1/conversations'],
  ])('on %s, a cursor of [1,2,3], [] or [null] answers 400 invalid_cursor', async (_name, url) => {
    for (const cursor of ['WzEsMiwzXQ', cursorOf([]), cursorOf([null]), cursorOf([{}, []]), 'not base64 at all!']) {
      const response = await t.request('GET', `${url}?cursor=${encodeURIComponent(cursor)}`, owner());
      expect({ cursor, status: response.statusCode, code: response.data.error?.code }).toEqual({ cursor, status: 400, code: 'invalid_cursor' });
    }
  });

  it('a cursor the API gave still pages', async () => {
    const first = await t.request('GET', '/api/v1/users?limit=1', owner());
    const second = await t.request('GET', `/api/v1/users?limit=1&cursor=${first.data.nextCursor}`, owner());
    expect(second.statusCode).toBe(200);
    expect(second.data.items[0].id).not.toBe(first.data.items[0].id);
  });

  it.each(['team:------------------------------------', 'team:zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz', 'team:'])('inbox=%s answers 400', async (inbox) => {
    const response = await t.request('GET', `/api/v1/conversations?inbox=${inbox}`, owner());
    expect(response.statusCode).toBe(400);
    expect(response.data.error.field).toBe('inbox');
  });
});

describe('an empty PATCH body', () => {
  it.each([
    ['/api/v1/me', () => '/api/v1/me'],
    ['/api/v1/users/:id', () => `/api/v1/users/${ws.agent.id}`],
    ['/api/v1/channels/:id', () => `/api/v1/channels/${channelId}`],
  ])('on %s answers 400 nothing_to_change', async (_name, url) => {
    const response = await t.request('PATCH', url(), { ...owner(), body: {} });
    expect(response.statusCode).toBe(400);
    expect(response.data.error.code).toBe('nothing_to_change');
  });
});
