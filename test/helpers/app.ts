import type { LightMyRequestResponse } from 'fastify';
import { type Clock, systemClock } from '../../src/platform/clock.js';
import { loadConfig } from '../../src/platform/config.js';
import { createLogger, type Logger } from '../../src/platform/logging.js';
import type { Role } from '../../src/platform/auth/permissions.js';
import { startServer } from '../../src/server.js';
import { createTestDatabase } from './database.js';

export type TestApp = Awaited<ReturnType<typeof createTestApp>>;
export type TestUser = { id: string; email: string; role: Role; token: string; workspaceId: string };

let counter = 0;
const unique = () => `${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;
export const TEST_PASSWORD = 'correct horse battery';

/** The real server, on a fresh database, with helpers to make workspaces and call the API as a user. */
export async function createTestApp(options: { clock?: Clock; env?: Record<string, string>; logger?: Logger } = {}) {
  const database = await createTestDatabase();
  const config = loadConfig({ PORT: '0', SMTP_PORT: '0', HOST: '127.0.0.1', WEB_DIST_DIR: '/nonexistent', ...options.env }, []);
  const server = await startServer(config, {
    database,
    clock: options.clock ?? systemClock,
    logger: options.logger ?? createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
  });
  const { app, services } = server;

  async function request(
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<LightMyRequestResponse & { data: any }> {
    const response = await app.inject({
      method,
      url,
      payload: options.body === undefined ? undefined : (options.body as object),
      headers: { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...options.headers },
    });
    let data: unknown;
    try {
      data = response.body ? JSON.parse(response.body) : undefined;
    } catch {
      data = response.body;
    }
    return Object.assign(response, { data });
  }

  async function login(email: string, password = TEST_PASSWORD): Promise<string> {
    const response = await request('POST', '/api/v1/auth/login', { body: { email, password } });
    if (response.statusCode !== 200) throw new Error(`login failed: ${response.body}`);
    return response.data.token;
  }

  /** A workspace with one user of each role (and more agents on request), all logged in. */
  async function createWorkspace(name = 'Test workspace') {
    const tag = unique();
    const { workspace, owner } = await services.workspace.createWorkspaceWithOwner({
      workspaceName: name,
      email: `owner-${tag}@example.test`,
      password: TEST_PASSWORD,
      name: 'Owner',
    });
    const actor = { userId: owner.id, workspaceId: workspace.id, role: 'owner' as const };
    const users: Record<Role, TestUser> = {} as Record<Role, TestUser>;
    users.owner = { id: owner.id, email: owner.email, role: 'owner', workspaceId: workspace.id, token: await login(owner.email) };
    for (const role of ['manager', 'agent'] as const) {
      const user = await services.workspace.createUser(actor, {
        email: `${role}-${tag}@example.test`,
        name: role[0]!.toUpperCase() + role.slice(1),
        role,
        password: TEST_PASSWORD,
      });
      users[role] = { id: user.id, email: user.email, role, workspaceId: workspace.id, token: await login(user.email) };
    }
    return { id: workspace.id, ...users, actor };
  }

  return {
    app,
    server,
    services,
    database,
    request,
    login,
    createWorkspace,
    unique,
    close: () => server.close(),
  };
}
