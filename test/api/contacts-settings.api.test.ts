import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { allPages, contactFixtures, createContact } from './contacts.fixtures.js';

let t: TestApp;
let fixtures: ReturnType<typeof contactFixtures>;
beforeAll(async () => {
  t = await createTestApp();
  await t.services.jobs.stop();
  fixtures = contactFixtures(t);
});
afterAll(() => t?.close());

describe('tags', () => {
  it('are listed by name with their number of contacts, searched and paged', async () => {
    const ws = await t.createWorkspace();
    await createContact(t, ws.owner.token, { firstName: 'A', tags: ['VIP', 'Lead'] });
    await createContact(t, ws.owner.token, { firstName: 'B', tags: ['vip'] });
    const created = await t.request('POST', '/api/v1/tags', { token: ws.agent.token, body: { name: 'Zebra' } });
    expect(created.statusCode).toBe(201);

    const all = await allPages(t, ws.agent.token, '/api/v1/tags?limit=1');
    expect(all.map((tag) => [tag.name, tag.count])).toEqual([
      ['Lead', 1],
      ['VIP', 2],
      ['Zebra', 0],
    ]);
    const found = await t.request('GET', '/api/v1/tags?q=EB', { token: ws.agent.token });
    expect(found.data.items.map((tag: { name: string }) => tag.name)).toEqual(['Zebra']);
  });

  it('are unique per workspace whatever the case', async () => {
    const ws = await t.createWorkspace();
    const other = await t.createWorkspace();
    expect((await t.request('POST', '/api/v1/tags', { token: ws.owner.token, body: { name: 'Lead' } })).statusCode).toBe(201);
    const duplicate = await t.request('POST', '/api/v1/tags', { token: ws.owner.token, body: { name: 'LEAD' } });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.data.error.code).toBe('tag_name_taken');
    expect((await t.request('POST', '/api/v1/tags', { token: other.owner.token, body: { name: 'Lead' } })).statusCode).toBe(201);
  });

  it('are renamed and deleted by owners and managers; deleting one takes it off its contacts', async () => {
    const ws = await t.createWorkspace();
    const contact = await createContact(t, ws.owner.token, { firstName: 'A', tags: ['Lead', 'VIP'] });
    const tags = (await t.request('GET', '/api/v1/tags', { token: ws.owner.token })).data.items;
    const lead = tags.find((tag: { name: string }) => tag.name === 'Lead');
    const vip = tags.find((tag: { name: string }) => tag.name === 'VIP');

    expect((await t.request('PATCH', `/api/v1/tags/${lead.id}`, { token: ws.agent.token, body: { name: 'Prospect' } })).statusCode).toBe(403);
    const renamed = await t.request('PATCH', `/api/v1/tags/${lead.id}`, { token: ws.manager.token, body: { name: 'Prospect' } });
    expect(renamed.data.name).toBe('Prospect');
    const clash = await t.request('PATCH', `/api/v1/tags/${lead.id}`, { token: ws.manager.token, body: { name: 'vip' } });
    expect(clash.statusCode).toBe(409);

    expect((await t.request('DELETE', `/api/v1/tags/${vip.id}`, { token: ws.agent.token })).statusCode).toBe(403);
    expect((await t.request('DELETE', `/api/v1/tags/${vip.id}`, { token: ws.owner.token })).statusCode).toBe(204);
    const after = await t.request('GET', `/api/v1/contacts/${contact.id}`, { token: ws.owner.token });
    expect(after.data.tags).toEqual(['Prospect']);
  });

  it('of another workspace are not found', async () => {
    const ws = await t.createWorkspace();
    const other = await t.createWorkspace();
    const theirs = await t.request('POST', '/api/v1/tags', { token: other.owner.token, body: { name: 'Theirs' } });
    expect((await t.request('PATCH', `/api/v1/tags/${theirs.data.id}`, { token: ws.owner.token, body: { name: 'Mine' } })).statusCode).toBe(404);
    expect((await t.request('DELETE', `/api/v1/tags/${theirs.data.id}`, { token: ws.owner.token })).statusCode).toBe(404);
  });
});

describe('custom fields', () => {
  it('are defined by owners and managers, listed in their order for everyone', async () => {
    const ws = await t.createWorkspace();
    const refused = await t.request('POST', '/api/v1/custom-fields', { token: ws.agent.token, body: { key: 'plan', label: 'Plan', type: 'text' } });
    expect(refused.statusCode).toBe(403);
    for (const [token, body] of [
      [ws.owner.token, { key: 'plan', label: 'Plan', type: 'dropdown', options: ['Free', 'Pro'] }],
      [ws.manager.token, { key: 'birthday', label: 'Birthday', type: 'date' }],
      [ws.owner.token, { key: 'website', label: 'Website', type: 'url', position: 0 }],
    ] as const) {
      expect((await t.request('POST', '/api/v1/custom-fields', { token, body })).statusCode).toBe(201);
    }
    const listed = await t.request('GET', '/api/v1/custom-fields', { token: ws.agent.token });
    expect(listed.data.items.map((f: { key: string; position: number }) => [f.key, f.position])).toEqual([
      ['website', 0],
      ['plan', 1],
      ['birthday', 2],
    ]);
  });

  it.each([
    [{ key: 'plan', label: 'Plan', type: 'dropdown' }, 'options'],
    [{ key: 'plan', label: 'Plan', type: 'dropdown', options: ['A', 'a'] }, 'options'],
    [{ key: 'plan', label: 'Plan', type: 'text', options: ['A'] }, 'options'],
    [{ key: '1plan', label: 'Plan', type: 'text' }, 'key'],
    [{ key: 'plan', label: 'Plan', type: 'colour' }, 'type'],
  ])('refuse the definition %j naming %s', async (body, field) => {
    const ws = await t.createWorkspace();
    const response = await t.request('POST', '/api/v1/custom-fields', { token: ws.owner.token, body });
    expect(response.statusCode).toBe(400);
    expect(response.data.error).toMatchObject({ code: 'invalid_field', field });
  });

  it('have unique keys per workspace', async () => {
    const ws = await t.createWorkspace();
    await t.request('POST', '/api/v1/custom-fields', { token: ws.owner.token, body: { key: 'plan', label: 'Plan', type: 'text' } });
    const again = await t.request('POST', '/api/v1/custom-fields', { token: ws.owner.token, body: { key: 'plan', label: 'Other', type: 'number' } });
    expect(again.statusCode).toBe(409);
    expect(again.data.error.code).toBe('custom_field_key_taken');
  });

  it('are reordered as a whole list or by moving one', async () => {
    const ws = await t.createWorkspace();
    const ids: string[] = [];
    for (const key of ['a', 'b', 'c']) {
      ids.push((await t.request('POST', '/api/v1/custom-fields', { token: ws.owner.token, body: { key, label: key, type: 'text' } })).data.id);
    }
    const reordered = await t.request('POST', '/api/v1/custom-fields/order', { token: ws.manager.token, body: { ids: [ids[2], ids[0], ids[1]] } });
    expect(reordered.data.items.map((f: { key: string }) => f.key)).toEqual(['c', 'a', 'b']);
    const incomplete = await t.request('POST', '/api/v1/custom-fields/order', { token: ws.manager.token, body: { ids: [ids[0]] } });
    expect(incomplete.statusCode).toBe(400);
    expect(incomplete.data.error.field).toBe('ids');

    const moved = await t.request('PATCH', `/api/v1/custom-fields/${ids[1]}`, { token: ws.owner.token, body: { position: 0, label: 'Bee' } });
    expect(moved.data).toMatchObject({ key: 'b', label: 'Bee', position: 0 });
    const listed = await t.request('GET', '/api/v1/custom-fields', { token: ws.owner.token });
    expect(listed.data.items.map((f: { key: string }) => f.key)).toEqual(['b', 'c', 'a']);
    expect((await t.request('PATCH', `/api/v1/custom-fields/${ids[1]}`, { token: ws.agent.token, body: { label: 'x' } })).statusCode).toBe(403);
  });

  it("keep their key and type; a dropdown's options can change", async () => {
    const ws = await t.createWorkspace();
    const field = await t.request('POST', '/api/v1/custom-fields', { token: ws.owner.token, body: { key: 'plan', label: 'Plan', type: 'dropdown', options: ['Free'] } });
    const typeChange = await t.request('PATCH', `/api/v1/custom-fields/${field.data.id}`, { token: ws.owner.token, body: { type: 'text' } });
    expect(typeChange.statusCode).toBe(400);
    expect(typeChange.data.error.code).toBe('unknown_field');
    const options = await t.request('PATCH', `/api/v1/custom-fields/${field.data.id}`, { token: ws.owner.token, body: { options: ['Free', 'Pro'] } });
    expect(options.data.options).toEqual(['Free', 'Pro']);
  });

  it("once deleted, leave every contact's values in a background job", async () => {
    const ws = await t.createWorkspace();
    const plan = await t.request('POST', '/api/v1/custom-fields', { token: ws.owner.token, body: { key: 'plan', label: 'Plan', type: 'text' } });
    await t.request('POST', '/api/v1/custom-fields', { token: ws.owner.token, body: { key: 'score', label: 'Score', type: 'number' } });
    const contact = await createContact(t, ws.owner.token, { firstName: 'A', customFields: { plan: 'Gold', score: 3 } });
    const other = await t.createWorkspace();
    await t.request('POST', '/api/v1/custom-fields', { token: other.owner.token, body: { key: 'plan', label: 'Plan', type: 'text' } });
    const theirs = await createContact(t, other.owner.token, { firstName: 'B', customFields: { plan: 'Gold' } });

    expect((await t.request('DELETE', `/api/v1/custom-fields/${plan.data.id}`, { token: ws.agent.token })).statusCode).toBe(403);
    expect((await t.request('DELETE', `/api/v1/custom-fields/${plan.data.id}`, { token: ws.owner.token })).statusCode).toBe(204);
    await t.services.jobs.drain();
    expect((await t.request('GET', `/api/v1/contacts/${contact.id}`, { token: ws.owner.token })).data.customFields).toEqual({ score: 3 });
    expect((await t.request('GET', `/api/v1/contacts/${theirs.id}`, { token: other.owner.token })).data.customFields).toEqual({ plan: 'Gold' });
  });
});

describe('segments', () => {
  it('start with the built-in Blocked contacts segment, which cannot be changed', async () => {
    const ws = await t.createWorkspace();
    const listed = await t.request('GET', '/api/v1/segments', { token: ws.manager.token });
    expect(listed.data.items).toEqual([{ id: 'blocked', name: 'Blocked contacts', builtIn: true, filter: { blocked: true }, createdAt: null }]);
    expect((await t.request('PATCH', '/api/v1/segments/blocked', { token: ws.owner.token, body: { name: 'Spam' } })).statusCode).toBe(409);
    expect((await t.request('DELETE', '/api/v1/segments/blocked', { token: ws.owner.token })).statusCode).toBe(409);
    expect((await t.request('GET', '/api/v1/segments', { token: ws.agent.token })).statusCode).toBe(403);
  });

  it('are saved filters: a blocked contact is in the Blocked segment and in no other', async () => {
    const ws = await t.createWorkspace();
    const anna = await createContact(t, ws.owner.token, { firstName: 'Anna', tags: ['Lead'] });
    await createContact(t, ws.owner.token, { firstName: 'Bruno', tags: ['Customer'] });
    const spammer = await createContact(t, ws.owner.token, { firstName: 'Spammer', tags: ['Lead'] });
    await fixtures.block(spammer.id);

    const created = await t.request('POST', '/api/v1/segments', { token: ws.manager.token, body: { name: 'Leads', filter: { tag: 'Lead' } } });
    expect(created.statusCode).toBe(201);
    const members = await t.request('GET', `/api/v1/contacts?segment=${created.data.id}`, { token: ws.owner.token });
    expect(members.data.items.map((c: { id: string }) => c.id)).toEqual([anna.id]);
    const asked = await t.request('GET', `/api/v1/contacts?segment=${created.data.id}&blocked=true`, { token: ws.owner.token });
    expect(asked.data.items.map((c: { id: string }) => c.id)).toEqual([anna.id]);
    const narrowed = await t.request('GET', `/api/v1/contacts?segment=${created.data.id}&q=bru`, { token: ws.owner.token });
    expect(narrowed.data.items).toEqual([]);
    const blocked = await t.request('GET', '/api/v1/contacts?segment=blocked', { token: ws.owner.token });
    expect(blocked.data.items.map((c: { id: string }) => c.id)).toEqual([spammer.id]);
  });

  it('are renamed, refiltered and deleted', async () => {
    const ws = await t.createWorkspace();
    await createContact(t, ws.owner.token, { firstName: 'Anna', tags: ['Lead'] });
    const segment = (await t.request('POST', '/api/v1/segments', { token: ws.owner.token, body: { name: 'Leads', filter: { tag: 'Lead' } } })).data;
    const changed = await t.request('PATCH', `/api/v1/segments/${segment.id}`, { token: ws.owner.token, body: { name: 'Customers', filter: { tag: 'Customer' } } });
    expect(changed.data).toMatchObject({ name: 'Customers', filter: { tag: 'Customer' } });
    expect((await t.request('GET', `/api/v1/contacts?segment=${segment.id}`, { token: ws.owner.token })).data.items).toEqual([]);
    expect((await t.request('GET', `/api/v1/segments/${segment.id}`, { token: ws.owner.token })).data.name).toBe('Customers');
    expect((await t.request('DELETE', `/api/v1/segments/${segment.id}`, { token: ws.owner.token })).statusCode).toBe(204);
    expect((await t.request('GET', `/api/v1/segments/${segment.id}`, { token: ws.owner.token })).statusCode).toBe(404);
  });

  it.each([
    [{ blocked: true }, 'filter.blocked'],
    [{ segment: 'blocked' }, 'filter.segment'],
    [{ 'cf.nope': 'x' }, 'filter.cf.nope'],
    [{ conversationStatus: 'archived' }, 'filter.conversationStatus'],
  ])('refuse the filter %j naming %s', async (filter, field) => {
    const ws = await t.createWorkspace();
    const response = await t.request('POST', '/api/v1/segments', { token: ws.owner.token, body: { name: 'Bad', filter } });
    expect(response.statusCode).toBe(400);
    expect(response.data.error).toMatchObject({ code: 'invalid_field', field });
  });

  it('of another workspace are not found, nor usable as a filter', async () => {
    const ws = await t.createWorkspace();
    const other = await t.createWorkspace();
    const theirs = (await t.request('POST', '/api/v1/segments', { token: other.owner.token, body: { name: 'Theirs', filter: {} } })).data;
    expect((await t.request('GET', `/api/v1/segments/${theirs.id}`, { token: ws.owner.token })).statusCode).toBe(404);
    expect((await t.request('PATCH', `/api/v1/segments/${theirs.id}`, { token: ws.owner.token, body: { name: 'Mine' } })).statusCode).toBe(404);
    const list = await t.request('GET', `/api/v1/contacts?segment=${theirs.id}`, { token: ws.owner.token });
    expect(list.statusCode).toBe(400);
    expect(list.data.error).toMatchObject({ code: 'invalid_field', field: 'segment' });
  });
});
