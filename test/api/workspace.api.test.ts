import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, TEST_PASSWORD, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.close());

const newUser = (role: string) => ({ email: `u-${t.unique()}@example.test`, name: `New ${role}`, role, password: TEST_PASSWORD });

describe('users', () => {
  it('an owner creates a manager and an agent who can then log in', async () => {
    const ws = await t.createWorkspace();
    for (const role of ['manager', 'agent']) {
      const body = newUser(role);
      const created = await t.request('POST', '/api/v1/users', { token: ws.owner.token, body });
      expect(created.statusCode).toBe(201);
      expect(created.data).toMatchObject({ email: body.email, name: body.name, role });
      expect(created.data.password).toBeUndefined();
      await expect(t.login(body.email)).resolves.toBeTypeOf('string');
    }
  });

  it('lists the workspace’s users a page at a time', async () => {
    const ws = await t.createWorkspace();
    for (let i = 0; i < 3; i++) await t.request('POST', '/api/v1/users', { token: ws.owner.token, body: newUser('agent') });
    const first = await t.request('GET', '/api/v1/users?limit=2', { token: ws.agent.token });
    expect(first.statusCode).toBe(200);
    expect(first.data.items).toHaveLength(2);
    const second = await t.request('GET', `/api/v1/users?limit=2&cursor=${first.data.nextCursor}`, { token: ws.agent.token });
    const third = await t.request('GET', `/api/v1/users?limit=2&cursor=${second.data.nextCursor}`, { token: ws.agent.token });
    const ids = [...first.data.items, ...second.data.items, ...third.data.items].map((u: { id: string }) => u.id);
    expect(new Set(ids).size).toBe(6);
    expect(third.data.nextCursor).toBeNull();
  });

  it('refuses a taken email with 409 and stores nothing', async () => {
    const ws = await t.createWorkspace();
    const response = await t.request('POST', '/api/v1/users', {
      token: ws.owner.token,
      body: { ...newUser('agent'), email: ws.agent.email.toUpperCase() },
    });
    expect(response.statusCode).toBe(409);
    expect(response.data.error.code).toBe('email_taken');
  });

  it('a manager cannot create an owner, nor change or remove one', async () => {
    const ws = await t.createWorkspace();
    const create = await t.request('POST', '/api/v1/users', { token: ws.manager.token, body: newUser('owner') });
    expect(create.statusCode).toBe(403);
    expect(create.data.error.code).toBe('cannot_manage_owner');
    const demote = await t.request('PATCH', `/api/v1/users/${ws.owner.id}`, { token: ws.manager.token, body: { role: 'agent' } });
    expect(demote.statusCode).toBe(403);
    const promote = await t.request('PATCH', `/api/v1/users/${ws.agent.id}`, { token: ws.manager.token, body: { role: 'owner' } });
    expect(promote.statusCode).toBe(403);
    const remove = await t.request('DELETE', `/api/v1/users/${ws.owner.id}`, { token: ws.manager.token });
    expect(remove.statusCode).toBe(403);
    const owner = await t.request('GET', `/api/v1/users/${ws.owner.id}`, { token: ws.owner.token });
    expect(owner.data.role).toBe('owner');
    const agent = await t.request('GET', `/api/v1/users/${ws.agent.id}`, { token: ws.owner.token });
    expect(agent.data.role).toBe('agent');
  });

  it('a change of role or team takes effect on the user’s very next request', async () => {
    const ws = await t.createWorkspace();
    expect((await t.request('GET', '/api/v1/me', { token: ws.manager.token })).data.user.role).toBe('manager');
    await t.request('PATCH', `/api/v1/users/${ws.manager.id}`, { token: ws.owner.token, body: { role: 'agent' } });
    const refused = await t.request('PATCH', '/api/v1/settings', { token: ws.manager.token, body: { agentsMayMerge: true } });
    expect(refused.statusCode).toBe(403);

    const team = await t.request('POST', '/api/v1/teams', { token: ws.owner.token, body: { name: 'Late shift', memberIds: [ws.agent.id] } });
    expect((await t.request('GET', '/api/v1/me', { token: ws.agent.token })).data.teamIds).toEqual([team.data.id]);
    await t.request('PATCH', `/api/v1/teams/${team.data.id}`, { token: ws.owner.token, body: { memberIds: [] } });
    expect((await t.request('GET', '/api/v1/me', { token: ws.agent.token })).data.teamIds).toEqual([]);
  });

  it('a manager changes an agent into a manager', async () => {
    const ws = await t.createWorkspace();
    const response = await t.request('PATCH', `/api/v1/users/${ws.agent.id}`, { token: ws.manager.token, body: { role: 'manager' } });
    expect(response.statusCode).toBe(200);
    expect(response.data.role).toBe('manager');
  });

  it('the last owner can be neither demoted nor removed; with a second owner it can', async () => {
    const ws = await t.createWorkspace();
    const demote = await t.request('PATCH', `/api/v1/users/${ws.owner.id}`, { token: ws.owner.token, body: { role: 'manager' } });
    expect(demote.statusCode).toBe(409);
    expect(demote.data.error.code).toBe('last_owner');

    const second = await t.request('POST', '/api/v1/users', { token: ws.owner.token, body: newUser('owner') });
    const secondToken = await t.login(second.data.email);
    const removeFirst = await t.request('DELETE', `/api/v1/users/${ws.owner.id}`, { token: secondToken });
    expect(removeFirst.statusCode).toBe(204);
    const removeLast = await t.request('PATCH', `/api/v1/users/${second.data.id}`, { token: secondToken, body: { role: 'agent' } });
    expect(removeLast.statusCode).toBe(409);
  });

  it('a removed user’s sessions stop working', async () => {
    const ws = await t.createWorkspace();
    expect((await t.request('DELETE', `/api/v1/users/${ws.agent.id}`, { token: ws.manager.token })).statusCode).toBe(204);
    expect((await t.request('GET', '/api/v1/me', { token: ws.agent.token })).statusCode).toBe(401);
  });

  it('no one removes themselves', async () => {
    const ws = await t.createWorkspace();
    const response = await t.request('DELETE', `/api/v1/users/${ws.manager.id}`, { token: ws.manager.token });
    expect(response.statusCode).toBe(400);
    expect(response.data.error.code).toBe('cannot_remove_self');
  });

  it('each user picks a language', async () => {
    const ws = await t.createWorkspace();
    const response = await t.request('PATCH', '/api/v1/me', { token: ws.agent.token, body: { language: 'de' } });
    expect(response.data.language).toBe('de');
    const bad = await t.request('PATCH', '/api/v1/me', { token: ws.agent.token, body: { language: 'klingon' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.data.error.field).toBe('language');
    expect((await t.request('GET', '/api/v1/me', { token: ws.agent.token })).data.user.language).toBe('de');
  });
});

describe('teams', () => {
  it('a manager creates a team, renames it, changes its members and deletes it', async () => {
    const ws = await t.createWorkspace();
    const created = await t.request('POST', '/api/v1/teams', {
      token: ws.manager.token,
      body: { name: 'Support', memberIds: [ws.agent.id] },
    });
    expect(created.statusCode).toBe(201);
    expect(created.data).toMatchObject({ name: 'Support', memberIds: [ws.agent.id] });

    const updated = await t.request('PATCH', `/api/v1/teams/${created.data.id}`, {
      token: ws.manager.token,
      body: { name: 'First-line support', memberIds: [ws.agent.id, ws.manager.id] },
    });
    expect(updated.data.name).toBe('First-line support');
    expect(updated.data.memberIds.sort()).toEqual([ws.agent.id, ws.manager.id].sort());

    const me = await t.request('GET', '/api/v1/me', { token: ws.agent.token });
    expect(me.data.teamIds).toEqual([created.data.id]);

    expect((await t.request('DELETE', `/api/v1/teams/${created.data.id}`, { token: ws.manager.token })).statusCode).toBe(204);
    const list = await t.request('GET', '/api/v1/teams', { token: ws.agent.token });
    expect(list.data.items).toEqual([]);
  });

  it('refuses a duplicate name (any case) and members from elsewhere', async () => {
    const ws = await t.createWorkspace();
    const other = await t.createWorkspace();
    await t.request('POST', '/api/v1/teams', { token: ws.owner.token, body: { name: 'Sales' } });
    const duplicate = await t.request('POST', '/api/v1/teams', { token: ws.owner.token, body: { name: 'SALES' } });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.data.error.code).toBe('team_name_taken');
    const foreign = await t.request('POST', '/api/v1/teams', {
      token: ws.owner.token,
      body: { name: 'Mixed', memberIds: [other.agent.id] },
    });
    expect(foreign.statusCode).toBe(400);
    expect(foreign.data.error.field).toBe('memberIds');
    const list = await t.request('GET', '/api/v1/teams', { token: ws.owner.token });
    expect(list.data.items.map((team: { name: string }) => team.name)).toEqual(['Sales']);
  });
});

describe('workspace settings', () => {
  it('start with the documented defaults', async () => {
    const ws = await t.createWorkspace();
    const response = await t.request('GET', '/api/v1/settings', { token: ws.agent.token });
    expect(response.data).toEqual({
      closingLogic: 'keep_assignee',
      missedAfterSeconds: 30,
      agentsSeeAll: true,
      assignOnReply: true,
      agentsMayDeleteAssignedContacts: false,
      agentsMayDeleteConversations: false,
      agentsMayMerge: false,
      allowedPrivateHosts: [],
      timeZone: 'UTC',
      businessHours: { days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' },
    });
  });

  it('keep the private hosts outbound requests may reach, lower-cased, and refuse a list that is not one', async () => {
    const ws = await t.createWorkspace();
    const saved = await t.request('PATCH', '/api/v1/settings', { token: ws.manager.token, body: { allowedPrivateHosts: [' Sink.Internal:8080 ', '10.0.0.5'] } });
    expect(saved.statusCode).toBe(200);
    expect(saved.data.allowedPrivateHosts).toEqual(['sink.internal:8080', '10.0.0.5']);
    const refused = await t.request('PATCH', '/api/v1/settings', { token: ws.manager.token, body: { allowedPrivateHosts: 'everything' } });
    expect(refused.statusCode).toBe(400);
  });

  it('a manager changes some settings and the rest stay', async () => {
    const ws = await t.createWorkspace();
    const response = await t.request('PATCH', '/api/v1/settings', {
      token: ws.manager.token,
      body: { closingLogic: 'unassign', missedAfterSeconds: 120, agentsSeeAll: false },
    });
    expect(response.statusCode).toBe(200);
    const settings = await t.request('GET', '/api/v1/settings', { token: ws.agent.token });
    expect(settings.data).toMatchObject({ closingLogic: 'unassign', missedAfterSeconds: 120, agentsSeeAll: false, agentsMayMerge: false });
  });

  it('refuses a bad value naming the field, and changes nothing', async () => {
    const ws = await t.createWorkspace();
    const response = await t.request('PATCH', '/api/v1/settings', {
      token: ws.owner.token,
      body: { agentsMayMerge: true, missedAfterSeconds: 'soon' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.data.error).toMatchObject({ code: 'invalid_field', field: 'missedAfterSeconds' });
    const settings = await t.request('GET', '/api/v1/settings', { token: ws.owner.token });
    expect(settings.data.agentsMayMerge).toBe(false);
  });

  it('an agent may read but not change them', async () => {
    const ws = await t.createWorkspace();
    const response = await t.request('PATCH', '/api/v1/settings', { token: ws.agent.token, body: { agentsMayMerge: true } });
    expect(response.statusCode).toBe(403);
    expect(response.data.error.code).toBe('forbidden');
  });

  it('the workspace can be renamed', async () => {
    const ws = await t.createWorkspace();
    const response = await t.request('PATCH', '/api/v1/workspace', { token: ws.owner.token, body: { name: 'Acme GmbH' } });
    expect(response.data.name).toBe('Acme GmbH');
  });
});
