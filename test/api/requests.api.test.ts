import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
let ws: Awaited<ReturnType<TestApp['createWorkspace']>>;
beforeAll(async () => {
  t = await createTestApp({ env: { BODY_LIMIT_BYTES: '4096' } });
  ws = await t.createWorkspace();
});
afterAll(() => t?.close());

const post = (payload: string, contentType = 'application/json') =>
  t.app.inject({
    method: 'POST',
    url: '/api/v1/teams',
    payload,
    headers: { authorization: `Bearer ${ws.owner.token}`, 'content-type': contentType },
  });

describe('bad requests', () => {
  it('malformed JSON answers 400 invalid_json', async () => {
    const response = await post('{"name": "Support",');
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('invalid_json');
  });

  it('an unknown field answers 400 unknown_field naming it', async () => {
    const response = await post(JSON.stringify({ name: 'Support', colour: 'red' }));
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'unknown_field', field: 'colour' });
  });

  it('a wrong type answers 400 invalid_field naming it', async () => {
    const response = await post(JSON.stringify({ name: 42 }));
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'invalid_field', field: 'name' });
  });

  it('a missing field answers 400 missing_field naming it', async () => {
    const response = await post(JSON.stringify({}));
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'missing_field', field: 'name' });
  });

  it('several bad fields are all named, the first giving the code', async () => {
    const response = await t.request('POST', '/api/v1/users', { token: ws.owner.token, body: { email: 'not an email', role: 'king', colour: 'red' } });
    expect(response.statusCode).toBe(400);
    const { error } = response.data;
    expect(error.code).toBe(error.issues[0].code);
    expect(error.field).toBe(error.issues[0].field);
    expect(Object.fromEntries(error.issues.map((issue: { field: string; code: string }) => [issue.field, issue.code]))).toEqual({
      email: 'invalid_field',
      role: 'invalid_field',
      name: 'missing_field',
      password: 'missing_field',
      colour: 'unknown_field',
    });
    for (const field of ['email', 'role', 'name', 'password', 'colour']) expect(error.message).toContain(`body.${field}`);
  });

  it('a body over the limit answers 413 body_too_large', async () => {
    const response = await post(JSON.stringify({ name: 'x'.repeat(5000) }));
    expect(response.statusCode).toBe(413);
    expect(response.json().error.code).toBe('body_too_large');
  });

  it('a body that is not JSON answers 415', async () => {
    const response = await post('name=Support', 'application/x-www-form-urlencoded');
    expect(response.statusCode).toBe(415);
    expect(response.json().error.code).toBe('unsupported_media_type');
  });

  it('a malformed id answers 400 naming the parameter', async () => {
    const response = await t.request('GET', '/api/v1/teams/not-a-uuid', { token: ws.owner.token });
    expect(response.statusCode).toBe(400);
    expect(response.data.error.field).toBe('id');
  });

  it('an unknown API path answers a JSON 404', async () => {
    const response = await t.request('GET', '/api/v1/nothing-here', { token: ws.owner.token });
    expect(response.statusCode).toBe(404);
    expect(response.data.error.code).toBe('not_found');
  });

  it('none of these stored anything', async () => {
    const teams = await t.request('GET', '/api/v1/teams', { token: ws.owner.token });
    expect(teams.data.items).toEqual([]);
  });
});

describe('service endpoints', () => {
  it('/healthz and /readyz answer 200 without a session', async () => {
    expect((await t.request('GET', '/healthz')).statusCode).toBe(200);
    const ready = await t.request('GET', '/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.data.status).toBe('ready');
  });

  it('/api/openapi.json documents the API’s routes with their schemas', async () => {
    const response = await t.request('GET', '/api/openapi.json');
    expect(response.statusCode).toBe(200);
    expect(response.data.openapi).toMatch(/^3\./);
    const post = response.data.paths['/api/v1/users'].post;
    expect(Object.keys(post.requestBody.content['application/json'].schema.properties).sort()).toEqual([
      'email',
      'name',
      'password',
      'role',
    ]);
    expect(response.data.paths['/api/v1/auth/login']).toBeDefined();
    expect(response.data.paths['/api/v1/teams/{id}'].patch).toBeDefined();
  });
});
