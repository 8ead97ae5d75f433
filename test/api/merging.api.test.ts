import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/platform/clock.js';
import { rowsOf } from '../../src/platform/db/client.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createContact, finishedJob } from './contacts.fixtures.js';
import { createApiChannel, eventually, inboundConversation, sendInbound, startIntegration } from './inbox-fixtures.js';

const clock = fixedClock(new Date('2026-05-04T08:00:00Z'));
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-merging-'));
let t: TestApp;
let integration: Awaited<ReturnType<typeof startIntegration>>;
beforeAll(async () => {
  t = await createTestApp({ clock, env: { DATA_DIR: dataDir } });
  // Jobs (imports, bulk deletes) run when a test drains the queue; a reply's first delivery needs none.
  await t.services.jobs.stop();
  integration = await startIntegration();
});
afterAll(async () => {
  await t?.close();
  await integration?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

type Workspace = Awaited<ReturnType<TestApp['createWorkspace']>>;

const get = (ws: Workspace, url: string, token = ws.owner.token) => t.request('GET', url, { token });
const merge = (ws: Workspace, body: Record<string, unknown>, token = ws.owner.token) => t.request('POST', '/api/v1/contacts/merge', { token, body });
const undo = (ws: Workspace, mergeId: string, token = ws.owner.token) => t.request('POST', `/api/v1/merges/${mergeId}/undo`, { token });
const suggestionsOf = async (ws: Workspace, contactId: string, token = ws.owner.token) => {
  const response = await get(ws, `/api/v1/contacts/${contactId}/merge-suggestions`, token);
  expect(response.statusCode, response.body).toBe(200);
  return response.data.items as Array<{ contactIds: string[]; reasons: Array<{ field: string; value: string }> }>;
};
const groupsOf = async (ws: Workspace) => {
  const response = await get(ws, '/api/v1/contacts/merge-suggestions?limit=50');
  expect(response.statusCode, response.body).toBe(200);
  return (response.data.items as Array<{ contactIds: string[]; reasons: Array<{ field: string; value: string }>; size: number }>).map((group) => ({
    value: group.reasons[0]!.value,
    size: group.size,
    contactIds: [...group.contactIds].sort(),
  }));
};
const later = () => clock.advance(60_000);

/** Every row of the workspace that a merge touches, as PostgreSQL prints it: what an undo must give back. */
async function databaseState(workspaceId: string) {
  const rows = async (query: ReturnType<typeof sql>) => rowsOf<{ row: unknown }>(await t.database.db.execute(query)).map((r) => r.row);
  return {
    contacts: await rows(sql`select to_jsonb(c) as row from contacts c where workspace_id = ${workspaceId} order by id`),
    tags: await rows(sql`select to_jsonb(x) as row from contact_tags x where workspace_id = ${workspaceId} order by contact_id, tag_id`),
    identities: await rows(sql`select to_jsonb(x) as row from contact_channels x where workspace_id = ${workspaceId} order by id`),
    conversations: await rows(sql`select to_jsonb(x) as row from conversations x where workspace_id = ${workspaceId} order by id`),
    reads: await rows(sql`select to_jsonb(x) as row from conversation_reads x where workspace_id = ${workspaceId} order by conversation_id, user_id`),
    messages: await rows(sql`select to_jsonb(x) - 'search_vector' as row from messages x where workspace_id = ${workspaceId} order by id`),
    spamDecisions: await rows(sql`select to_jsonb(x) as row from spam_decisions x where workspace_id = ${workspaceId} order by id`),
    dismissals: await rows(sql`select to_jsonb(x) as row from merge_dismissals x where workspace_id = ${workspaceId} order by contact_a, contact_b`),
    // Rows counted down to zero wait for the sweep: not part of what a person sees.
    duplicates: await rows(sql`select to_jsonb(x) as row from duplicate_values x where workspace_id = ${workspaceId} and contacts > 0 order by field, value`),
  };
}

/** Two people who wrote in on different API channels, each with a conversation, tags, fields and an assignee. */
async function twoWritingContacts(ws: Workspace) {
  const channelA = await createApiChannel(t, ws, integration.url);
  const channelB = await createApiChannel(t, ws, integration.url);
  const identifierA = `ana-${t.unique()}`;
  const identifierB = `anna-${t.unique()}`;
  later();
  const conversationA = await inboundConversation(t, ws, channelA.id, { identifier: identifierA, name: 'Ana Lima', phone: '+4915112345678', text: 'Hi from A' });
  later();
  const conversationB = await inboundConversation(t, ws, channelB.id, { identifier: identifierB, name: 'Anna Lima', phone: '4915112345678', text: 'Hi from B' });
  later();
  await sendInbound(t, channelB.id, { identifier: identifierB, text: 'Still there?' });
  await t.request('POST', `/api/v1/conversations/${conversationB.id}/read`, { token: ws.agent.token });
  const field = await t.request('POST', '/api/v1/custom-fields', { token: ws.owner.token, body: { key: 'plan', label: 'Plan', type: 'text' } });
  expect(field.statusCode, field.body).toBe(201);
  later();
  const patchA = await t.request('PATCH', `/api/v1/contacts/${conversationA.contactId}`, {
    token: ws.owner.token,
    body: { email: 'ana@example.com', tags: ['VIP', 'Berlin'], customFields: { plan: 'pro' }, assigneeId: ws.manager.id },
  });
  expect(patchA.statusCode, patchA.body).toBe(200);
  later();
  const patchB = await t.request('PATCH', `/api/v1/contacts/${conversationB.contactId}`, {
    token: ws.owner.token,
    body: { email: 'ANNA@example.com', language: 'pt-BR', tags: ['VIP', 'Lead'], customFields: { plan: 'free' }, assigneeId: ws.agent.id },
  });
  expect(patchB.statusCode, patchB.body).toBe(200);
  later();
  return {
    a: { id: conversationA.contactId as string, conversationId: conversationA.id, channelId: channelA.id, identifier: identifierA },
    b: { id: conversationB.contactId as string, conversationId: conversationB.id, channelId: channelB.id, identifier: identifierB },
  };
}

describe('merge suggestions', () => {
  it('match a phone written nationally and internationally for a German contact, and an email in any case; each shared value is named', async () => {
    const ws = await t.createWorkspace();
    const national = await createContact(t, ws.owner.token, { firstName: 'Jonas', country: 'DE', phone: '0151 12345678', email: 'Jonas@Example.com' });
    const international = await createContact(t, ws.owner.token, { firstName: 'Jonas', lastName: 'B.', phone: '+49 151 12345678' });
    const byEmail = await createContact(t, ws.owner.token, { firstName: 'J.', email: 'jonas@example.COM' });
    await createContact(t, ws.owner.token, { firstName: 'Someone else', phone: '+49 151 99999999', email: 'other@example.com' });

    expect(await suggestionsOf(ws, national.id)).toEqual([
      { contactIds: [national.id, international.id], reasons: [{ field: 'phone', value: '+4915112345678' }], contacts: expect.any(Array) },
      { contactIds: [national.id, byEmail.id], reasons: [{ field: 'email', value: 'jonas@example.com' }], contacts: expect.any(Array) },
    ]);
    expect((await suggestionsOf(ws, international.id)).map((s) => s.contactIds[1])).toEqual([national.id]);
  });

  it('the Dashboard lists every group, largest first, with its count, and its route is not taken for a contact id', async () => {
    const ws = await t.createWorkspace();
    const three = await Promise.all(['A', 'B', 'C'].map((name) => createContact(t, ws.owner.token, { firstName: name, phone: '+33612345678' })));
    const two = await Promise.all(['D', 'E'].map((name) => createContact(t, ws.owner.token, { firstName: name, email: 'shared@example.com' })));
    await createContact(t, ws.owner.token, { firstName: 'Alone', phone: '+33699999999' });
    expect(await groupsOf(ws)).toEqual([
      { value: '+33612345678', size: 3, contactIds: three.map((c) => c.id).sort() },
      { value: 'shared@example.com', size: 2, contactIds: two.map((c) => c.id).sort() },
    ]);

    const firstPage = await get(ws, '/api/v1/contacts/merge-suggestions?limit=1');
    expect(firstPage.data.items).toHaveLength(1);
    const secondPage = await get(ws, `/api/v1/contacts/merge-suggestions?limit=1&cursor=${firstPage.data.nextCursor}`);
    expect(secondPage.data.items[0].reasons).toEqual([{ field: 'email', value: 'shared@example.com' }]);
    expect(secondPage.data.nextCursor).toBeNull();
    const refused = await get(ws, '/api/v1/contacts/merge-suggestions?cursor=bm90LWEtY3Vyc29y');
    expect([refused.statusCode, refused.data.error.code]).toEqual([400, 'invalid_cursor']);
  });

  it('stay current as contacts are created, changed, imported, blocked, unblocked and deleted', async () => {
    const ws = await t.createWorkspace();
    const ana = await createContact(t, ws.owner.token, { firstName: 'Ana', phone: '+4917011111111' });
    const bo = await createContact(t, ws.owner.token, { firstName: 'Bo', phone: '+4917022222222' });
    expect(await groupsOf(ws)).toEqual([]);

    await t.request('PATCH', `/api/v1/contacts/${bo.id}`, { token: ws.owner.token, body: { phone: '+49 170 11111111' } });
    expect(await groupsOf(ws)).toEqual([{ value: '+4917011111111', size: 2, contactIds: [ana.id, bo.id].sort() }]);

    const csv = 'firstName,phone,email\nCai,+4917011111111,\nDee,+4917033333333,dee@example.com\nEd,,dee@example.com\n';
    const imported = await t.request('POST', '/api/v1/contacts/import', { token: ws.owner.token, body: csv, headers: { 'content-type': 'text/csv' } });
    expect(imported.statusCode, imported.body).toBe(202);
    expect((await finishedJob(t, ws.owner.token, imported.data.job.id)).result).toMatchObject({ imported: 3 });
    expect((await groupsOf(ws)).map((g) => [g.value, g.size])).toEqual([
      ['+4917011111111', 3],
      ['dee@example.com', 2],
    ]);

    expect((await t.request('POST', `/api/v1/contacts/${ana.id}/block`, { token: ws.owner.token })).statusCode).toBe(200);
    expect((await groupsOf(ws)).map((g) => [g.value, g.size])).toEqual([
      ['dee@example.com', 2],
      ['+4917011111111', 2],
    ]);
    expect((await t.request('POST', `/api/v1/contacts/${ana.id}/unblock`, { token: ws.owner.token })).statusCode).toBe(200);
    expect((await groupsOf(ws))[0]).toMatchObject({ value: '+4917011111111', size: 3 });

    const bulk = await t.request('POST', '/api/v1/contacts/bulk', { token: ws.owner.token, body: { action: 'delete', filter: { q: 'dee@example.com' } } });
    expect(bulk.statusCode, bulk.body).toBe(202);
    await finishedJob(t, ws.owner.token, bulk.data.job.id);
    expect((await t.request('DELETE', `/api/v1/contacts/${bo.id}`, { token: ws.owner.token })).statusCode).toBe(204);
    expect((await groupsOf(ws)).map((g) => [g.value, g.size])).toEqual([['+4917011111111', 2]]);
  });

  it('forget values no contact holds any more once the hourly sweep has run', async () => {
    const ws = await t.createWorkspace();
    const unused = async () =>
      rowsOf<{ value: string }>(await t.database.db.execute(sql`select value from duplicate_values where workspace_id = ${ws.id} and contacts <= 0 order by value`)).map((r) => r.value);
    const gone = await createContact(t, ws.owner.token, { firstName: 'Gone', email: 'gone@example.com' });
    const moved = await createContact(t, ws.owner.token, { firstName: 'Moved', email: 'old@example.com' });
    await t.request('DELETE', `/api/v1/contacts/${gone.id}`, { token: ws.owner.token });
    await t.request('PATCH', `/api/v1/contacts/${moved.id}`, { token: ws.owner.token, body: { email: 'new@example.com' } });
    expect(await unused()).toEqual(['gone@example.com', 'old@example.com']);
    await t.services.jobs.drain();
    clock.advance(61 * 60_000);
    await t.services.jobs.drain();
    expect(await unused()).toEqual([]);
    expect(await groupsOf(ws)).toEqual([]);
  });

  it('never include a blocked contact, either way', async () => {
    const ws = await t.createWorkspace();
    const open = await createContact(t, ws.owner.token, { firstName: 'Open', email: 'same@example.com' });
    const blocked = await createContact(t, ws.owner.token, { firstName: 'Blocked', email: 'same@example.com' });
    expect(await suggestionsOf(ws, open.id)).toHaveLength(1);
    await t.request('POST', `/api/v1/contacts/${blocked.id}/block`, { token: ws.owner.token });
    expect(await suggestionsOf(ws, open.id)).toEqual([]);
    expect(await suggestionsOf(ws, blocked.id)).toEqual([]);
    expect(await groupsOf(ws)).toEqual([]);
  });

  it('"not the same person" hides a pair until it shares a new value', async () => {
    const ws = await t.createWorkspace();
    const one = await createContact(t, ws.owner.token, { firstName: 'One', phone: '+4915100000001', email: 'one@example.com' });
    const two = await createContact(t, ws.owner.token, { firstName: 'Two', phone: '+4915100000001' });
    const dismissed = await t.request('POST', '/api/v1/contacts/merge-suggestions/dismissals', { token: ws.owner.token, body: { contactIds: [two.id, one.id] } });
    expect(dismissed.statusCode, dismissed.body).toBe(204);
    expect(await suggestionsOf(ws, one.id)).toEqual([]);
    expect(await suggestionsOf(ws, two.id)).toEqual([]);
    expect(await groupsOf(ws)).toEqual([]);

    await t.request('PATCH', `/api/v1/contacts/${two.id}`, { token: ws.owner.token, body: { firstName: 'Two again' } });
    expect(await suggestionsOf(ws, one.id)).toEqual([]);
    await t.request('PATCH', `/api/v1/contacts/${two.id}`, { token: ws.owner.token, body: { email: 'one@example.com' } });
    expect((await suggestionsOf(ws, one.id)).map((s) => s.reasons.map((r) => r.field))).toEqual([['phone', 'email']]);

    const unrelated = await createContact(t, ws.owner.token, { firstName: 'Three', phone: '+4915100000003' });
    const refused = await t.request('POST', '/api/v1/contacts/merge-suggestions/dismissals', { token: ws.owner.token, body: { contactIds: [one.id, unrelated.id] } });
    expect(refused.statusCode).toBe(409);
    expect(refused.data.error.code).toBe('not_a_suggestion');
  });
});

describe('merging and undoing', () => {
  it('merges into one contact with the union of identities, tags and fields, and one timeline; undo gives back every row exactly', async () => {
    const ws = await t.createWorkspace();
    const { a, b } = await twoWritingContacts(ws);
    const before = await databaseState(ws.id);

    const merged = await merge(ws, { primaryId: a.id, secondaryId: b.id, fields: { firstName: 'secondary', assigneeId: 'primary' } });
    expect(merged.statusCode, merged.body).toBe(200);
    expect(merged.data.merge).toMatchObject({ id: expect.any(String), primary: { id: a.id }, secondary: { id: b.id, name: 'Anna Lima' }, mergedBy: ws.owner.id, undoBlocker: null });
    // Email and language were changed on B last: its values win where nobody chose.
    expect(merged.data.contact).toMatchObject({
      id: a.id,
      firstName: 'Anna',
      email: 'anna@example.com',
      language: 'pt-BR',
      phone: '+4915112345678',
      assigneeId: ws.manager.id,
      tags: ['Berlin', 'Lead', 'VIP'],
      customFields: { plan: 'free' },
    });
    expect(merged.data.merge.fields).toMatchObject({ firstName: 'secondary', assigneeId: 'primary', email: 'secondary', language: 'secondary', 'customFields.plan': 'secondary' });

    expect((await get(ws, `/api/v1/contacts/${b.id}`)).statusCode).toBe(404);
    const channels = (await get(ws, `/api/v1/contacts/${a.id}/channels`)).data.items.filter((c: { state: string }) => c.state === 'active');
    expect(channels.map((c: { identifier: string }) => c.identifier).sort()).toEqual([a.identifier, b.identifier].sort());
    const timeline = (await get(ws, `/api/v1/conversations/${a.conversationId}/messages`)).data.items.map((m: { text: string }) => m.text);
    expect(timeline).toEqual(expect.arrayContaining(['Hi from A', 'Hi from B', 'Still there?']));
    expect((await get(ws, `/api/v1/conversations/${b.conversationId}`)).statusCode).toBe(404);
    expect(await groupsOf(ws)).toEqual([]);

    // A reply on B's channel still goes to the identity that channel knows.
    later();
    const sent = integration.received.length;
    const reply = await t.request('POST', `/api/v1/conversations/${a.conversationId}/messages`, { token: ws.owner.token, body: { type: 'reply', text: 'Hello both', channelId: b.channelId } });
    expect(reply.statusCode, reply.body).toBe(201);
    const delivery = await eventually(async () => integration.received.slice(sent).find((d) => d.json.message.id === reply.data.id));
    expect(delivery.json.contact.identifier).toBe(b.identifier);
    const undone = await undo(ws, merged.data.merge.id);
    expect(undone.statusCode, undone.body).toBe(200);
    expect(undone.data.merge).toMatchObject({ undoneBy: ws.owner.id, undoBlocker: 'merge_already_undone' });
    const after = await databaseState(ws.id);
    // Everything is as it was, but for what happened since: the reply stays in the kept conversation,
    // which keeps its state, and the kept contact its last interaction.
    const without = (state: typeof before) => ({
      ...state,
      contacts: state.contacts.map((c: any) => (c.id === a.id ? { ...c, last_interaction_at: undefined } : c)),
      conversations: state.conversations.filter((c: any) => c.id !== a.conversationId),
      messages: state.messages.filter((m: any) => m.id !== reply.data.id),
    });
    expect(without(after)).toEqual(without(before));
    expect(after.messages.find((m: any) => m.id === reply.data.id)).toMatchObject({ conversation_id: a.conversationId });
    expect(after.conversations.find((c: any) => c.id === a.conversationId)).toMatchObject({ last_outbound_at: expect.any(String) });
  });

  it('right after a merge, undo restores every row exactly, conversations included; a second undo is refused', async () => {
    const ws = await t.createWorkspace();
    const { a, b } = await twoWritingContacts(ws);
    await t.request('POST', '/api/v1/contacts/merge-suggestions/dismissals', { token: ws.owner.token, body: { contactIds: [a.id, b.id] } });
    const before = await databaseState(ws.id);
    later();
    const merged = await merge(ws, { primaryId: b.id, secondaryId: a.id });
    expect(merged.statusCode, merged.body).toBe(200);
    later();
    const undone = await undo(ws, merged.data.merge.id);
    expect(undone.statusCode, undone.body).toBe(200);
    expect(await databaseState(ws.id)).toEqual(before);
    expect(await suggestionsOf(ws, a.id)).toEqual([]);

    const again = await undo(ws, merged.data.merge.id);
    expect(again.statusCode).toBe(409);
    expect(again.data.error.code).toBe('merge_already_undone');
    expect(await databaseState(ws.id)).toEqual(before);
  });

  it('gives the secondary\'s conversation to a primary that had none, and takes it back', async () => {
    const ws = await t.createWorkspace();
    const channel = await createApiChannel(t, ws, integration.url);
    const writer = await inboundConversation(t, ws, channel.id, { identifier: `w-${t.unique()}`, name: 'Writer', email: 'w@example.com' });
    const quiet = await createContact(t, ws.owner.token, { firstName: 'Quiet', email: 'w@example.com' });
    const before = await databaseState(ws.id);
    const merged = await merge(ws, { primaryId: quiet.id, secondaryId: writer.contactId });
    expect(merged.statusCode, merged.body).toBe(200);
    expect((await get(ws, `/api/v1/conversations/${writer.id}`)).data.contactId).toBe(quiet.id);
    expect((await undo(ws, merged.data.merge.id)).statusCode).toBe(200);
    expect(await databaseState(ws.id)).toEqual(before);
  });

  it('undo goes back in order: a later merge of the kept contact first, then the earlier one', async () => {
    const ws = await t.createWorkspace();
    const [x, y, z] = await Promise.all(['X', 'Y', 'Z'].map((name) => createContact(t, ws.owner.token, { firstName: name, email: 'xyz@example.com', tags: [name] })));
    const before = await databaseState(ws.id);
    const first = await merge(ws, { primaryId: x!.id, secondaryId: y!.id });
    const second = await merge(ws, { primaryId: z!.id, secondaryId: x!.id });
    expect([first.statusCode, second.statusCode]).toEqual([200, 200]);

    const history = (await get(ws, '/api/v1/merges')).data.items;
    expect(history.map((item: { id: string; undoBlocker: string | null }) => [item.id, item.undoBlocker])).toEqual([
      [second.data.merge.id, null],
      [first.data.merge.id, 'merge_superseded'],
    ]);
    const refused = await undo(ws, first.data.merge.id);
    expect(refused.statusCode).toBe(409);
    expect(refused.data.error.code).toBe('merge_superseded');

    expect((await undo(ws, second.data.merge.id)).statusCode).toBe(200);
    expect((await undo(ws, first.data.merge.id)).statusCode).toBe(200);
    expect(await databaseState(ws.id)).toEqual(before);
  });

  it('refuses an undo once the kept contact is blocked or deleted, and says so in the history', async () => {
    const ws = await t.createWorkspace();
    const [p, s] = await Promise.all(['P', 'S'].map((name) => createContact(t, ws.owner.token, { firstName: name, phone: '+4915155555555' })));
    const merged = await merge(ws, { primaryId: p!.id, secondaryId: s!.id });
    await t.request('POST', `/api/v1/contacts/${p!.id}/block`, { token: ws.owner.token });
    const blocked = await undo(ws, merged.data.merge.id);
    expect([blocked.statusCode, blocked.data.error.code]).toEqual([409, 'contact_blocked']);
    await t.request('DELETE', `/api/v1/contacts/${p!.id}`, { token: ws.owner.token });
    const deleted = await undo(ws, merged.data.merge.id);
    expect([deleted.statusCode, deleted.data.error.code]).toEqual([409, 'merge_contact_deleted']);
    const [item] = (await get(ws, '/api/v1/merges')).data.items;
    expect(item).toMatchObject({ primary: { id: p!.id, exists: false, name: null }, secondary: { id: s!.id, name: null }, undoBlocker: 'merge_contact_deleted' });
    const snapshots = rowsOf(await t.database.db.execute(sql`select 1 from merge_snapshots where workspace_id = ${ws.id}`));
    expect(snapshots).toHaveLength(0);
  });
});

describe('refusals change nothing', () => {
  it.each([
    ['itself', 'self', 400, 'merge_same_contact'],
    ['an unknown contact', 'unknown', 404, 'not_found'],
    ["another workspace's contact", 'foreign', 404, 'not_found'],
    ['a contact merged away already', 'merged', 409, 'contact_merged'],
    ['a blocked contact, as secondary', 'blockedSecondary', 409, 'contact_blocked'],
    ['a blocked contact, as primary', 'blockedPrimary', 409, 'contact_blocked'],
    ['a field neither contact has', 'badField', 400, 'invalid_field'],
  ])('merging with %s', async (_name, kind, status, code) => {
    const ws = await t.createWorkspace();
    const other = await t.createWorkspace();
    const [p, s, gone] = await Promise.all(['P', 'S', 'G'].map((name) => createContact(t, ws.owner.token, { firstName: name, email: 'dup@example.com' })));
    const foreign = await createContact(t, other.owner.token, { firstName: 'F', email: 'dup@example.com' });
    expect((await merge(ws, { primaryId: p!.id, secondaryId: gone!.id })).statusCode).toBe(200);
    if (kind === 'blockedSecondary') await t.request('POST', `/api/v1/contacts/${s!.id}/block`, { token: ws.owner.token });
    if (kind === 'blockedPrimary') await t.request('POST', `/api/v1/contacts/${p!.id}/block`, { token: ws.owner.token });
    const secondaryId = { self: p!.id, unknown: '0190a1b2-0000-7000-8000-000000000000', foreign: foreign.id, merged: gone!.id }[kind as string] ?? s!.id;
    const before = await databaseState(ws.id);
    const response = await merge(ws, { primaryId: p!.id, secondaryId, fields: kind === 'badField' ? { nickname: 'secondary' } : undefined });
    expect([response.statusCode, response.data.error.code]).toEqual([status, code]);
    expect(await databaseState(ws.id)).toEqual(before);
  });

  it('two merges of the same contact at once: one goes through, the other is told it was merged, and nothing is half done', async () => {
    const ws = await t.createWorkspace();
    const count = async () => rowsOf<{ n: number }>(await t.database.db.execute(sql`select count(*)::int as n from contacts where workspace_id = ${ws.id}`))[0]!.n;
    const [p1, p2, s] = await Promise.all(['P1', 'P2', 'S'].map((name) => createContact(t, ws.owner.token, { firstName: name, phone: '+4915177777777' })));
    const sameSecondary = await Promise.all([merge(ws, { primaryId: p1!.id, secondaryId: s!.id }), merge(ws, { primaryId: p2!.id, secondaryId: s!.id })]);
    expect(sameSecondary.map((a) => a.statusCode).sort()).toEqual([200, 409]);
    expect(sameSecondary.find((a) => a.statusCode === 409)!.data.error.code).toBe('contact_merged');
    expect(await count()).toBe(2);

    const eachOther = await Promise.all([merge(ws, { primaryId: p1!.id, secondaryId: p2!.id }), merge(ws, { primaryId: p2!.id, secondaryId: p1!.id })]);
    expect(eachOther.map((a) => a.statusCode).sort()).toEqual([200, 409]);
    expect(eachOther.find((a) => a.statusCode === 409)!.data.error.code).toBe('contact_merged');
    expect(await count()).toBe(1);
    expect((await get(ws, '/api/v1/merges')).data.items).toHaveLength(2);
  });
});

describe('a merge while the secondary writes in', () => {
  it('loses no message: each lands in a conversation of the kept contact, and none fails', async () => {
    const ws = await t.createWorkspace();
    const { a, b } = await twoWritingContacts(ws);
    const count = async () => rowsOf<{ n: number }>(await t.database.db.execute(sql`select count(*)::int as n from messages where workspace_id = ${ws.id}`))[0]!.n;
    const before = await count();
    const [merged, ...inbound] = await Promise.all([
      merge(ws, { primaryId: a.id, secondaryId: b.id }),
      ...Array.from({ length: 8 }, (_, n) => sendInbound(t, b.channelId, { identifier: b.identifier, text: `During the merge ${n}` })),
    ]);
    expect(merged.statusCode, merged.body).toBe(200);
    expect(inbound.map((response) => response.statusCode)).toEqual(Array(8).fill(200));
    expect(await count()).toBe(before + 8);
    const owners = rowsOf<{ contact_id: string }>(
      await t.database.db.execute(sql`select distinct v.contact_id from messages m join conversations v on v.id = m.conversation_id where m.workspace_id = ${ws.id}`),
    );
    expect(owners.map((row) => row.contact_id)).toEqual([a.id]);
  });
});

describe('roles', () => {
  it('agents merge from the drawer only where the workspace allows it, and undo only their own merges; the history is for owners and managers', async () => {
    const ws = await t.createWorkspace();
    const [p, s, q] = await Promise.all(['P', 'S', 'Q'].map((name) => createContact(t, ws.owner.token, { firstName: name, email: 'team@example.com' })));
    const refused = await merge(ws, { primaryId: p!.id, secondaryId: s!.id }, ws.agent.token);
    expect([refused.statusCode, refused.data.error.code]).toEqual([403, 'merge_not_allowed']);
    const hidden = await get(ws, `/api/v1/contacts/${p!.id}/merge-suggestions`, ws.agent.token);
    expect(hidden.statusCode).toBe(403);

    expect((await t.request('PATCH', '/api/v1/settings', { token: ws.owner.token, body: { agentsMayMerge: true } })).statusCode).toBe(200);
    expect(await suggestionsOf(ws, p!.id, ws.agent.token)).toHaveLength(2);
    const byAgent = await merge(ws, { primaryId: p!.id, secondaryId: s!.id }, ws.agent.token);
    expect(byAgent.statusCode, byAgent.body).toBe(200);
    const byManager = await merge(ws, { primaryId: p!.id, secondaryId: q!.id }, ws.manager.token);
    expect(byManager.statusCode, byManager.body).toBe(200);

    const notTheirs = await undo(ws, byManager.data.merge.id, ws.agent.token);
    expect([notTheirs.statusCode, notTheirs.data.error.code]).toEqual([403, 'merge_not_allowed']);
    expect((await undo(ws, byManager.data.merge.id, ws.manager.token)).statusCode).toBe(200);
    expect((await undo(ws, byAgent.data.merge.id, ws.agent.token)).statusCode).toBe(200);

    expect((await get(ws, '/api/v1/merges', ws.agent.token)).statusCode).toBe(403);
    expect((await get(ws, '/api/v1/contacts/merge-suggestions', ws.agent.token)).statusCode).toBe(403);
    const history = await get(ws, '/api/v1/merges', ws.manager.token);
    expect(history.data.items.map((item: { mergedBy: string; undoneBy: string }) => [item.mergedBy, item.undoneBy])).toEqual([
      [ws.manager.id, ws.manager.id],
      [ws.agent.id, ws.agent.id],
    ]);
  });
});

describe('an agent\'s reach', () => {
  it('an agent that may not see every conversation neither merges nor is shown a contact out of its reach', async () => {
    const ws = await t.createWorkspace();
    const settings = await t.request('PATCH', '/api/v1/settings', { token: ws.owner.token, body: { agentsMayMerge: true, agentsSeeAll: false } });
    expect(settings.statusCode, settings.body).toBe(200);
    const mine = await createContact(t, ws.owner.token, { firstName: 'Mine', email: 'reach@example.com', assigneeId: ws.agent.id });
    const alsoMine = await createContact(t, ws.owner.token, { firstName: 'Also mine', email: 'reach@example.com', assigneeId: ws.agent.id });
    const notMine = await createContact(t, ws.owner.token, { firstName: 'Not mine', email: 'reach@example.com' });
    expect((await suggestionsOf(ws, mine.id, ws.agent.token)).map((s) => s.contactIds[1])).toEqual([alsoMine.id]);
    expect((await suggestionsOf(ws, mine.id)).map((s) => s.contactIds[1]).sort()).toEqual([alsoMine.id, notMine.id].sort());
    const before = await databaseState(ws.id);
    const refused = await merge(ws, { primaryId: mine.id, secondaryId: notMine.id }, ws.agent.token);
    expect([refused.statusCode, refused.data.error.code]).toEqual([404, 'not_found']);
    expect(await databaseState(ws.id)).toEqual(before);
    expect((await merge(ws, { primaryId: mine.id, secondaryId: alsoMine.id }, ws.agent.token)).statusCode).toBe(200);
  });
});

describe('the contract', () => {
  it('the OpenAPI document lists SPEC §7\'s merge routes', async () => {
    const { paths } = (await t.request('GET', '/api/openapi.json')).data;
    expect(paths['/api/v1/contacts/merge-suggestions'].get.tags).toEqual(['merging']);
    expect(paths['/api/v1/contacts/{id}/merge-suggestions'].get.tags).toEqual(['merging']);
    expect(Object.keys(paths['/api/v1/contacts/merge'].post.requestBody.content['application/json'].schema.properties).sort()).toEqual(['fields', 'primaryId', 'secondaryId']);
    expect(paths['/api/v1/merges/{id}/undo'].post).toBeDefined();
    expect(paths['/api/v1/merges'].get).toBeDefined();
  });
});
