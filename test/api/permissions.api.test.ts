import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteInfo } from '../../src/platform/http/app.js';
import { type Action, grantOf, roles } from '../../src/platform/auth/permissions.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

/**
 * SPEC §1 by area: which action a route of each area must declare. Routes of areas not listed
 * are inbox work, open to every role.
 */
function requiredAction(route: RouteInfo): Action | undefined {
  const { method, url } = route;
  const path = url.replace(/^\/api\/v1/, '');
  if (path.startsWith('/usage')) return 'usage.view';
  if (method === 'POST' && /^\/users\/:id\/password$/.test(path)) return 'users.resetPassword';
  // A shortcut workflow is started by a user on a contact (SPEC §5): inbox work, not managing workflows.
  if (method === 'POST' && path === '/workflows/:id/runs') return 'inbox.use';
  const manageAreas = /^\/(users|teams|settings|workspace|channels|custom-fields|workflows)(\/|$)/;
  if (method !== 'GET' && manageAreas.test(path)) return 'workspace.manage';
  if (/^\/contacts\/:id\/channels\/:channelId$/.test(path) && method === 'DELETE') return 'contacts.removeChannel';
  if (path === '/contacts' && method === 'GET') return 'contacts.module';
  if (/^\/contacts\/(bulk|import|export\.csv)$/.test(path)) return 'contacts.module';
  if (/^\/segments(\/|$)/.test(path)) return 'contacts.module';
  if (/^\/merges$/.test(path) && method === 'GET') return 'contacts.module';
  return undefined;
}

/** Routes whose walk would end the caller's own session or are not JSON routes. */
const notWalked = new Set(['POST /api/v1/auth/logout', 'POST /api/v1/me/password']);

let t: TestApp;
let ws: Awaited<ReturnType<TestApp['createWorkspace']>>;
let apiRoutes: RouteInfo[];
beforeAll(async () => {
  t = await createTestApp();
  ws = await t.createWorkspace();
  apiRoutes = t.server.routes.filter((r) => r.url.startsWith('/api/v1/') && !r.public);
});
afterAll(() => t?.close());

describe('the permission matrix (SPEC §1)', () => {
  it('every route of a restricted area declares the action SPEC §1 names', () => {
    const mismatches = apiRoutes
      .filter((route) => requiredAction(route) !== undefined && route.permission !== requiredAction(route))
      .map((route) => `${route.method} ${route.url}: declares ${route.permission}, SPEC needs ${requiredAction(route)}`);
    expect(mismatches).toEqual([]);
  });

  it('walks every route as every role and answers 403 exactly where the matrix says no', async () => {
    const unexpected: string[] = [];
    for (const route of apiRoutes) {
      const key = `${route.method} ${route.url}`;
      if (notWalked.has(key)) continue;
      const url = route.url.replace(/:[A-Za-z]+/g, () => randomUUID());
      for (const role of roles) {
        const grant = route.permission ? grantOf(role, route.permission) : 'allow';
        const response = await t.request(route.method as 'GET', url, {
          token: ws[role].token,
          body: ['POST', 'PATCH', 'PUT'].includes(route.method) ? {} : undefined,
        });
        const refused = response.statusCode === 403;
        if (grant === 'deny' && (!refused || response.data?.error?.code !== 'forbidden')) {
          unexpected.push(`${key} as ${role}: expected 403 forbidden, got ${response.statusCode}`);
        }
        if (grant === 'allow' && (refused || response.statusCode === 401)) {
          unexpected.push(`${key} as ${role}: expected to be let through, got ${response.statusCode}`);
        }
      }
    }
    expect(unexpected).toEqual([]);
  });

  it('refuses every route without a session', async () => {
    const open: string[] = [];
    for (const route of apiRoutes) {
      const url = route.url.replace(/:[A-Za-z]+/g, () => randomUUID());
      const response = await t.request(route.method as 'GET', url, { body: route.method === 'GET' ? undefined : {} });
      if (response.statusCode !== 401) open.push(`${route.method} ${route.url}: ${response.statusCode}`);
    }
    expect(open).toEqual([]);
  });
});
