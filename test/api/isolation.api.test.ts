import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteInfo } from '../../src/platform/http/app.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

type Workspace = Awaited<ReturnType<TestApp['createWorkspace']>>;

let t: TestApp;
let mine: Workspace;
let theirs: Workspace;
/** Everything of the other workspace that must never show through: ids and distinctive names. */
let secrets: string[];
let theirTeamId: string;
beforeAll(async () => {
  t = await createTestApp();
  mine = await t.createWorkspace('Mine');
  theirs = await t.createWorkspace('Theirs');
  const team = await t.request('POST', '/api/v1/teams', {
    token: theirs.owner.token,
    body: { name: 'Their secret team', memberIds: [theirs.agent.id] },
  });
  theirTeamId = team.data.id;
  secrets = [theirs.id, theirs.owner.id, theirs.manager.id, theirs.agent.id, theirTeamId, 'Their secret team', theirs.agent.email];
});
afterAll(() => t?.close());

describe('two workspaces', () => {
  it('no route, called with the other workspace’s ids, answers with its data', async () => {
    const routes = t.server.routes.filter((r: RouteInfo) => r.url.startsWith('/api/v1/') && !r.public && r.url !== '/api/v1/auth/logout');
    const leaks: string[] = [];
    const theirIds = [theirs.owner.id, theirs.agent.id, theirTeamId];
    for (const route of routes) {
      const variants = route.url.includes(':') ? theirIds.map((id) => route.url.replace(/:[A-Za-z]+/g, id)) : [route.url];
      for (const url of variants) {
        const response = await t.request(route.method as 'GET', url, {
          token: mine.owner.token,
          body: ['POST', 'PATCH', 'PUT'].includes(route.method) ? {} : undefined,
        });
        const body = response.body;
        const leaked = secrets.filter((secret) => body.includes(secret));
        if (leaked.length) leaks.push(`${route.method} ${url} → ${response.statusCode} shows ${leaked.join(', ')}`);
        if (route.url.includes(':') && response.statusCode < 400) {
          leaks.push(`${route.method} ${url} → ${response.statusCode}: acted on another workspace's id`);
        }
      }
    }
    expect(leaks).toEqual([]);
  });

  it('answers 404 for the other workspace’s user and team, and changes nothing there', async () => {
    const user = await t.request('PATCH', `/api/v1/users/${theirs.agent.id}`, { token: mine.owner.token, body: { name: 'Hijacked' } });
    expect(user.statusCode).toBe(404);
    const team = await t.request('DELETE', `/api/v1/teams/${theirTeamId}`, { token: mine.owner.token });
    expect(team.statusCode).toBe(404);
    const reset = await t.request('POST', `/api/v1/users/${theirs.agent.id}/password`, {
      token: mine.owner.token,
      body: { password: 'taken over now' },
    });
    expect(reset.statusCode).toBe(404);

    const theirUser = await t.request('GET', `/api/v1/users/${theirs.agent.id}`, { token: theirs.owner.token });
    expect(theirUser.data.name).toBe('Agent');
    const theirTeams = await t.request('GET', '/api/v1/teams', { token: theirs.owner.token });
    expect(theirTeams.data.items.map((x: { id: string }) => x.id)).toEqual([theirTeamId]);
    await expect(t.login(theirs.agent.email)).resolves.toBeTypeOf('string');
  });

  it('cannot put another workspace’s user into a team', async () => {
    const response = await t.request('POST', '/api/v1/teams', {
      token: mine.owner.token,
      body: { name: 'Poaching', memberIds: [theirs.agent.id] },
    });
    expect(response.statusCode).toBe(400);
  });
});
