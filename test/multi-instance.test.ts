import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisBus } from '../src/platform/bus.js';
import { systemClock } from '../src/platform/clock.js';
import { loadConfig } from '../src/platform/config.js';
import { buildApp } from '../src/app.js';
import { createLogger } from '../src/platform/logging.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { connect } from './helpers/websocket.js';

const redisUrl = process.env.REDIS_URL;

/**
 * Two instances over one database and one Redis, as behind a load balancer: an event caused
 * through instance A reaches a WebSocket client connected to instance B.
 */
describe.skipIf(!redisUrl)('two instances behind a load balancer (REDIS_URL)', () => {
  let a: TestApp;
  let b: Awaited<ReturnType<typeof buildApp>>;
  let busB: Awaited<ReturnType<typeof createRedisBus>>;
  let urlB: string;
  beforeAll(async () => {
    a = await createTestApp({ env: { REDIS_URL: redisUrl! } });
    busB = await createRedisBus(redisUrl!);
    b = await buildApp({
      config: loadConfig({ PORT: '0', SMTP_PORT: '0', HOST: '127.0.0.1', WEB_DIST_DIR: '/nonexistent', REDIS_URL: redisUrl }, []),
      database: a.database,
      bus: busB,
      clock: systemClock,
      logger: createLogger('silent'),
    });
    urlB = await b.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await b?.close();
    await busB?.close();
    await a?.close();
  });

  it('an event published on one instance reaches a WebSocket client of the other', async () => {
    const ws = await a.createWorkspace();
    const client = await connect(urlB, ws.agent.token);
    await client.next('hello');
    const created = await a.request('POST', '/api/v1/teams', { token: ws.owner.token, body: { name: 'Across instances' } });
    expect(created.statusCode).toBe(201);
    const event = await client.next('team.created');
    expect(event.team.id).toBe(created.data.id);
    client.close();
  });

  it('presence on one instance is seen on the other', async () => {
    const ws = await a.createWorkspace();
    const client = await connect(urlB, ws.agent.token);
    await client.next('hello');
    await expect.poll(async () => (await a.request('GET', '/api/v1/presence', { token: ws.owner.token })).data.online).toContain(
      ws.agent.id,
    );
    client.close();
    await expect.poll(async () => (await a.request('GET', '/api/v1/presence', { token: ws.owner.token })).data.online).not.toContain(
      ws.agent.id,
    );
  });

  it('bulk tagging heard by both instances starts each contact’s tag workflow once', async () => {
    const ws = await a.createWorkspace();
    for (const name of ['bulk', 'seen']) await a.request('POST', '/api/v1/tags', { token: ws.owner.token, body: { name } });
    const workflow = await a.request('POST', '/api/v1/workflows', {
      token: ws.manager.token,
      body: { name: 'On bulk tag', enabled: true, trigger: { type: 'tag_added', tag: 'bulk' }, steps: [{ type: 'add_tag', tag: 'seen' }] },
    });
    expect(workflow.statusCode).toBe(201);
    // Both instances learn of the new workflow before the tags are added.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const contactIds: string[] = [];
    for (const firstName of ['Una', 'Dos', 'Tres']) contactIds.push((await a.request('POST', '/api/v1/contacts', { token: ws.owner.token, body: { firstName } })).data.id);
    const bulk = await a.request('POST', '/api/v1/contacts/bulk', { token: ws.owner.token, body: { action: 'tag', contactIds, tags: ['bulk'] } });
    expect(bulk.statusCode).toBe(202);
    const runs = async () => (await a.request('GET', `/api/v1/workflows/${workflow.data.id}/runs`, { token: ws.manager.token })).data.items as Array<{ contactId: string; status: string }>;
    await expect.poll(async () => (await runs()).filter((r) => r.status === 'completed').length, { timeout: 10_000 }).toBe(3);
    await a.services.workflows.settled();
    await b.services.workflows.settled();
    expect((await runs()).map((r) => r.contactId).sort()).toEqual([...contactIds].sort());
  });
});
