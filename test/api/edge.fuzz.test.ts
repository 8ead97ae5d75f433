import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signBody } from '../../src/channels/api/api.channel.js';
import { channelModules } from '../../src/channels/channel-modules.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { asQueryText, encodeLoosely, type Hints, hostileString, hostileStrings, type JsonSchema, sometimes, valueOf } from '../helpers/fuzz.js';
import { settledJob } from './contacts.fixtures.js';
import { API_SECRET, createApiChannel, inboundConversation } from './inbox-fixtures.js';

/**
 * Every route of the OpenAPI document and every webhook, sent generated requests (hostile values
 * included: NUL, lone surrogates, year-0 dates, tampered cursors) as the workspace's owner: none
 * may answer 5xx, since a provider retries a 5xx webhook forever and a 500 is a bug we did not
 * name. Bounded for CI: a fixed seed (FUZZ_SEED overrides it) and FUZZ_RUNS runs per route.
 * A failure names the route, the smallest request that failed, and the seed to replay it.
 */
const seed = Number(process.env.FUZZ_SEED ?? 18);
const runs = Number(process.env.FUZZ_RUNS ?? 25);

type Operation = { method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'; path: string; parameters: Parameter[]; body?: JsonSchema };
type Parameter = { in: 'path' | 'query'; name: string; schema: JsonSchema };
type Sent = { method: Operation['method']; url: string; body?: unknown };

/** Needs a session it then revokes: every later request would be a 401 and prove nothing. */
const skipped = new Set(['POST /api/v1/auth/logout']);
/** Not JSON: the upload test below sends them files. */
const uploads = new Set(['POST /api/v1/contacts/import', 'POST /api/v1/attachments']);

let t: TestApp;
let ws: Awaited<ReturnType<TestApp['createWorkspace']>>;
let hints: Hints;
let channelId: string;
const statuses = new Map<number, number>();

async function send(request: Sent, token: string | undefined, headers: Record<string, string> = {}) {
  const response = await t.app.inject({
    method: request.method,
    url: request.url,
    payload: request.body === undefined ? undefined : typeof request.body === 'string' || Buffer.isBuffer(request.body) ? request.body : JSON.stringify(request.body),
    headers: {
      ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
  });
  statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
  return response;
}

function noServerError(response: { statusCode: number; body: string }, request: Sent) {
  if (response.statusCode >= 500) {
    throw new Error(`${request.method} ${request.url} answered ${response.statusCode}: ${response.body}\nbody: ${JSON.stringify(request.body)}`);
  }
}

const check = (property: fc.IAsyncProperty<[Sent]>, numRuns = runs) => fc.assert(property, { seed, numRuns });

function requestOf(operation: Operation): fc.Arbitrary<Sent> {
  const pathParameters = operation.parameters.filter((p) => p.in === 'path');
  const queryParameters = operation.parameters.filter((p) => p.in === 'query');
  const pathValues = fc.tuple(...pathParameters.map((p) => valueOf(p.schema, hints, resourceOf(operation.path, p.name)).map(asQueryText)));
  const query = fc.tuple(
    ...queryParameters.map((p) => sometimes(valueOf(p.schema, hints, p.name))),
    // Names the schema does not list (custom-field filters, typos) and hostile names, now and then.
    fc.oneof(
      { arbitrary: fc.constant([]), weight: 5 },
      { arbitrary: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...hints.words.map((w) => `cf.${w}`)), hostileString), hostileString), { minLength: 1, maxLength: 1 }), weight: 1 },
    ),
  );
  const body = operation.body ? fc.option(valueOf(operation.body, hints), { freq: 12 }) : fc.constant(undefined);
  return fc.tuple(pathValues, query, body).map(([values, queryValues, payload]) => {
    let path = operation.path;
    pathParameters.forEach((p, index) => (path = path.replace(`{${p.name}}`, encodeLoosely(values[index]!) || '%20')));
    const pairs: string[] = [];
    queryParameters.forEach((p, index) => {
      const value = queryValues[index];
      if (value === null || value === undefined) return;
      for (const item of Array.isArray(value) ? value : [value]) pairs.push(`${encodeLoosely(p.name)}=${encodeLoosely(asQueryText(item))}`);
    });
    for (const [name, value] of queryValues[queryParameters.length] as Array<[string, string]>) pairs.push(`${encodeLoosely(name)}=${encodeLoosely(value)}`);
    return { method: operation.method, url: pairs.length ? `${path}?${pairs.join('&')}` : path, body: payload ?? undefined };
  });
}

/** Which ids a path parameter takes: `{id}` those of the resource before it, others by their name. */
function resourceOf(path: string, parameter: string): string {
  if (parameter !== 'id') return parameter;
  const segments = path.split('/');
  return segments[segments.indexOf('{id}') - 1]!;
}

function operationsOf(document: { paths: Record<string, Record<string, any>> }): Operation[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      method: method.toUpperCase() as Operation['method'],
      path,
      parameters: (operation.parameters ?? []) as Parameter[],
      body: operation.requestBody?.content?.['application/json']?.schema,
    })),
  );
}

beforeAll(async () => {
  t = await createTestApp();
  ws = await t.createWorkspace();
  const token = ws.owner.token;
  const call = async (method: Sent['method'], url: string, body?: unknown) => {
    const response = await t.request(method, url, { token, body });
    if (response.statusCode >= 300) throw new Error(`${method} ${url}: ${response.body}`);
    return response.data;
  };
  const channel = await createApiChannel(t, ws);
  channelId = channel.id;
  const conversation = await inboundConversation(t, ws, channel.id, { identifier: 'fuzz-1', name: 'Fuzz Contact', email: 'fuzz@example.test' });
  const reply = await call('POST', `/api/v1/conversations/${conversation.id}/messages`, { type: 'reply', text: 'Hello' });
  const team = await call('POST', '/api/v1/teams', { name: 'Support', memberIds: [ws.agent.id] });
  const tag = await call('POST', '/api/v1/tags', { name: 'vip' });
  const fieldTypes = ['text', 'number', 'date', 'dropdown', 'checkbox', 'email', 'phone', 'url'] as const;
  const fields = [];
  for (const type of fieldTypes) {
    fields.push(await call('POST', '/api/v1/custom-fields', { key: `f_${type}`, label: type, type, options: type === 'dropdown' ? ['a', 'b'] : undefined }));
  }
  const segment = await call('POST', '/api/v1/segments', { name: 'VIPs', filter: { tag: 'vip' } });
  const saved = await call('POST', '/api/v1/saved-replies', { shortcut: 'hi', text: 'Hello!' });
  const job = (await call('POST', '/api/v1/contacts/bulk', { action: 'export', all: true })).job;
  // The owner's own id is left out: resetting its password would sign this test out.
  const users = [ws.agent.id, ws.manager.id];
  const ids: Hints['ids'] = {
    users,
    assigneeId: users,
    memberIds: users,
    teams: [team.id],
    teamId: [team.id],
    contacts: [conversation.contactId],
    contactIds: [conversation.contactId],
    channels: [channel.id],
    channelId: [channel.id],
    conversations: [conversation.id],
    messageId: [reply.id],
    tags: [tag.id],
    'custom-fields': fields.map((f: { id: string }) => f.id),
    ids: fields.map((f: { id: string }) => f.id),
    segments: [segment.id],
    segment: [segment.id],
    'saved-replies': [saved.id],
    savedReplyId: [saved.id],
    jobs: [job.id],
    exports: [job.id],
  };
  const words = [
    ...fieldTypes.map((type) => `f_${type}`),
    ...['api', 'vip', 'Support', 'blocked', 'mine', 'unassigned', 'all', `team:${team.id}`, 'name', 'created', 'lastInteraction'],
    ...['delete', 'tag', 'untag', 'block', 'export', 'reply', 'comment', 'open', 'closed', 'snoozed', 'none', 'a', 'b'],
    ...['https://example.com/hook', API_SECRET, 'webhookUrl', 'secret', '+4915112345678', 'someone@example.test', 'de', 'DE', 'true', '42'],
    ...['2026-01-01', '2026-01-01T00:00:00Z', 'hi', 'agent', 'manager', 'owner'],
  ];
  const values: Hints['values'] = {
    email: ['someone@example.test', 'Fuzz@Example.test'],
    phone: ['+4915112345678', '0151 123 45678'],
    country: ['DE', 'fr'],
    language: ['de', 'en-GB'],
    type: ['api', 'reply', 'comment', 'text', 'dropdown'],
    settings: [{ webhookUrl: 'https://example.com/hook', secret: API_SECRET }],
    filter: [{ tag: 'vip' }, { q: 'Fuzz' }, { blocked: true }],
    customFields: [{ f_text: 'x', f_number: 3, f_date: '2026-01-01', f_dropdown: 'a', f_checkbox: true }],
    ids: [fields.map((f: { id: string }) => f.id)],
    attachmentIds: [[]],
    tags: [['vip'], ['new', 'vip']],
  };
  hints = { ids, words, values };
}, 120_000);
afterAll(() => t?.close());

describe('generated requests never answer 5xx', () => {
  it('to the API channel webhook, signed, with hostile messages and receipts', async () => {
    // Mostly well-formed, so most payloads pass the channel's own checks and reach the inbox.
    const text = fc.oneof({ arbitrary: fc.string({ minLength: 1, maxLength: 20 }), weight: 3 }, { arbitrary: hostileString, weight: 2 });
    const timestamp = fc.oneof(
      hostileString,
      fc.constantFrom(0, -1, 1e20, 253_402_300_800_000, 8.64e15, 1.5, Number.MAX_SAFE_INTEGER),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
    );
    const message = fc.record({
      contact: fc.record({ identifier: text, name: text, email: text, phone: text, language: text }, { requiredKeys: ['identifier'] }),
      message: fc.record({ id: fc.oneof(fc.uuid(), text), text, timestamp }, { requiredKeys: ['id', 'text'] }),
    });
    const receipt = fc.record({ status: fc.record({ messageId: text, status: fc.constantFrom('delivered', 'read', 'failed', 'sent'), error: text }) });
    const payload = fc
      .oneof({ arbitrary: message, weight: 6 }, { arbitrary: receipt, weight: 2 }, { arbitrary: fc.jsonValue(), weight: 1 })
      .map((value): Sent => ({ method: 'POST', url: `/webhooks/api/${channelId}`, body: JSON.stringify(value) }));
    // Webhooks matter most (a provider retries a 5xx forever) and cost little: ten times the runs.
    await check(
      fc.asyncProperty(payload, async (request) => {
        const response = await send(request, undefined, { 'x-switchboard-signature': signBody(API_SECRET, request.body as string) });
        noServerError(response, request);
      }),
      runs * 10,
    );
  });

  it('to every channel type’s webhook, unsigned or at unknown channels', async () => {
    const types = channelModules.map((module) => module.type);
    const request = fc
      .tuple(fc.constantFrom(...types, ...hostileStrings), fc.oneof(fc.constant(channelId), fc.uuid(), hostileString), fc.oneof(fc.jsonValue(), hostileString))
      .map(([type, id, body]): Sent => ({ method: 'POST', url: `/webhooks/${encodeLoosely(type) || 'x'}/${encodeLoosely(id) || 'x'}`, body: JSON.stringify(body) }));
    await check(
      fc.asyncProperty(request, async (sent) => {
        noServerError(await send(sent, undefined), sent);
      }),
    );
  });

  it('to the upload routes (CSV import, attachments), with hostile files, names and mappings', async () => {
    const cell = fc.oneof({ arbitrary: fc.string({ maxLength: 12 }), weight: 2 }, { arbitrary: hostileString, weight: 1 });
    const header = fc.oneof({ arbitrary: fc.constantFrom('firstName,email,tags', 'first\u0000Name,email', 'firstName,f_text'), weight: 3 }, { arbitrary: cell, weight: 1 });
    const rows = fc.array(fc.array(cell, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 4 });
    const csv = fc.tuple(header, rows).map(([head, lines]) => [head, ...lines.map((line) => line.join(','))].join('\n'));
    const mapping = sometimes(fc.oneof(hostileString, fc.dictionary(cell, fc.constantFrom('firstName', 'email', 'tags', 'cf.f_text', ...hostileStrings)).map((m) => JSON.stringify(m))));
    const imports = fc.tuple(csv, mapping).map(([body, map]): Sent => ({
      method: 'POST',
      url: `/api/v1/contacts/import${map === undefined ? '' : `?mapping=${encodeLoosely(map)}`}`,
      body,
    }));
    // An accepted import must also finish: a row PostgreSQL refuses would fail its job instead of the request.
    await check(
      fc.asyncProperty(imports, async (request) => {
        const response = await send(request, ws.owner.token, { 'content-type': 'text/csv' });
        noServerError(response, request);
        if (response.statusCode !== 202) return;
        const job = await settledJob(t, ws.owner.token, response.json().job.id);
        if (job.status !== 'done') throw new Error(`the import of ${JSON.stringify(request.body)} ended ${job.status}: ${job.error}`);
      }),
    );
    const boundary = 'fuzzboundary';
    const uploads = fc.tuple(fc.oneof(hostileString, fc.string({ maxLength: 20 })), fc.uint8Array({ maxLength: 64 })).map(([name, bytes]): Sent => ({
      method: 'POST',
      url: '/api/v1/attachments',
      body: Buffer.concat([
        Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${name.replace(/["\r\n]/g, '')}"\r\ncontent-type: application/octet-stream\r\n\r\n`),
        Buffer.from(bytes),
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]),
    }));
    await check(
      fc.asyncProperty(uploads, async (request) => {
        noServerError(await send(request, ws.owner.token, { 'content-type': `multipart/form-data; boundary=${boundary}` }), request);
      }),
    );
  });

  it('to every route of the OpenAPI document, as the owner', async () => {
    const document = (await send({ method: 'GET', url: '/api/openapi.json' }, undefined)).json();
    // Deletions last (a bulk job may delete every contact), so the routes before them find the workspace's things still there.
    const destroys = (o: Operation) => o.method === 'DELETE' || o.path === '/api/v1/contacts/bulk';
    const operations = operationsOf(document)
      .filter((o) => !skipped.has(`${o.method} ${o.path}`) && !uploads.has(`${o.method} ${o.path}`) && !o.path.startsWith('/webhooks/'))
      .sort((a, b) => Number(destroys(a)) - Number(destroys(b)));
    expect(operations.length).toBeGreaterThan(50);
    // Every route is tried, and every failing one reported, not only the first.
    const failures: string[] = [];
    for (const operation of operations) {
      try {
        await check(
          fc.asyncProperty(requestOf(operation), async (request) => {
            noServerError(await send(request, ws.owner.token), request);
          }),
        );
      } catch (error) {
        failures.push(`${operation.method} ${operation.path}: ${(error as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
    // The generators reach past validation: many requests were served, not all refused.
    const served = [...statuses].filter(([status]) => status < 300).reduce((sum, [, count]) => sum + count, 0);
    const total = [...statuses.values()].reduce((sum, count) => sum + count, 0);
    expect(served / total).toBeGreaterThan(0.1);
  }, 120_000);
});
