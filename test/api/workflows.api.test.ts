import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { connect } from '../helpers/websocket.js';
import { createApiChannel, eventually, inboundConversation, sendInbound, startIntegration } from './inbox-fixtures.js';

let t: TestApp;
let integration: Awaited<ReturnType<typeof startIntegration>>;

beforeAll(async () => {
  t = await createTestApp();
  integration = await startIntegration();
});
afterAll(async () => {
  await t?.close();
  await integration?.close();
});

type Workspace = Awaited<ReturnType<TestApp['createWorkspace']>>;

async function setUp(tagNames: string[] = []) {
  const ws = await t.createWorkspace();
  const channel = await createApiChannel(t, ws, integration.url);
  for (const name of tagNames) expect((await t.request('POST', '/api/v1/tags', { token: ws.manager.token, body: { name } })).statusCode).toBe(201);
  return { ws, channel };
}

async function createWorkflow(ws: Workspace, body: Record<string, unknown>) {
  const response = await t.request('POST', '/api/v1/workflows', { token: ws.manager.token, body: { name: `Workflow ${t.unique()}`, enabled: true, ...body } });
  expect(response.statusCode, response.body).toBe(201);
  return response.data as { id: string; version: number; enabled: boolean; trigger: unknown; steps: unknown[] };
}

const runsOf = async (ws: Workspace, workflowId: string) => (await t.request('GET', `/api/v1/workflows/${workflowId}/runs`, { token: ws.manager.token })).data.items as Run[];
type Run = { id: string; contactId: string; status: string; reason: string | null; version: number; steps: Array<{ type: string; status: string; at: string; error?: string; result?: string; path: string }> };

/** The workflow's only run once it has ended (or reached `status`). */
async function finishedRun(ws: Workspace, workflowId: string, status?: string, timeoutMs = 8000) {
  return eventually(async () => {
    const runs = await runsOf(ws, workflowId);
    const run = runs[0];
    if (!run) return undefined;
    return (status ? run.status === status : !['running', 'waiting'].includes(run.status)) ? run : undefined;
  }, timeoutMs);
}

const contactOf = async (ws: Workspace, id: string) => (await t.request('GET', `/api/v1/contacts/${id}`, { token: ws.owner.token })).data;
const conversationOf = async (ws: Workspace, id: string) => (await t.request('GET', `/api/v1/conversations/${id}`, { token: ws.owner.token })).data;
const startShortcut = (ws: Workspace, workflowId: string, contactId: string, token = ws.agent.token) =>
  t.request('POST', `/api/v1/workflows/${workflowId}/runs`, { token, body: { contactId } });

describe('triggers', () => {
  it('message received with keywords: whole words, case- and accent-insensitive; the run tags and assigns', async () => {
    const { ws, channel } = await setUp(['lead']);
    const workflow = await createWorkflow(ws, {
      trigger: { type: 'message_received', keywords: ['preis', 'price list'] },
      steps: [{ type: 'add_tag', tag: 'lead' }, { type: 'assign', userId: ws.agent.id }],
    });
    // Not a whole word: nothing starts.
    const quiet = await inboundConversation(t, ws, channel.id, { identifier: 'c-1', text: 'Die Preisliste bitte' });
    await t.services.workflows.settled();
    expect(await runsOf(ws, workflow.id)).toEqual([]);
    const conversation = await inboundConversation(t, ws, channel.id, { identifier: 'c-1', text: 'Was ist der PRÉIS?' });
    expect(conversation.id).toBe(quiet.id);
    const run = await finishedRun(ws, workflow.id);
    expect(run).toMatchObject({ status: 'completed', contactId: conversation.contactId, version: 1 });
    expect(run.steps.map((s) => [s.type, s.status])).toEqual([
      ['add_tag', 'completed'],
      ['assign', 'completed'],
    ]);
    expect(run.steps[0]!.at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect((await contactOf(ws, conversation.contactId)).tags).toEqual(['lead']);
    expect((await conversationOf(ws, conversation.id)).assigneeId).toBe(ws.agent.id);
    // A second keyword of several words matches too; a provider's retry of a message starts nothing twice.
    await sendInbound(t, channel.id, { identifier: 'c-2', text: 'send me the Price List', id: 'same-id' });
    await sendInbound(t, channel.id, { identifier: 'c-2', text: 'send me the Price List', id: 'same-id' });
    await eventually(async () => (await runsOf(ws, workflow.id)).length === 2);
    await t.services.workflows.settled();
    expect(await runsOf(ws, workflow.id)).toHaveLength(2);
  });

  it('a workspace that had no workflow when a message came starts its first one on the next message', async () => {
    const { ws, channel } = await setUp(['first']);
    // The process now knows this workspace has no workflow, and skips its messages.
    await inboundConversation(t, ws, channel.id, { identifier: 'early', text: 'hello before any workflow' });
    await t.services.workflows.settled();
    const workflow = await createWorkflow(ws, { trigger: { type: 'message_received' }, steps: [{ type: 'add_tag', tag: 'first' }] });
    const conversation = await inboundConversation(t, ws, channel.id, { identifier: 'early', text: 'hello again' });
    expect(await finishedRun(ws, workflow.id)).toMatchObject({ status: 'completed', contactId: conversation.contactId });
  });

  it('conversation opened, tag added, tag removed and contact field changed each start their workflow', async () => {
    const { ws, channel } = await setUp(['vip', 'opened', 'tagged', 'untagged', 'changed']);
    await t.request('POST', '/api/v1/custom-fields', { token: ws.manager.token, body: { key: 'plan', label: 'Plan', type: 'text' } });
    const addedAtCreation = await createWorkflow(ws, { trigger: { type: 'tag_added', tag: 'vip' }, steps: [{ type: 'stop' }] });
    const made = (await t.request('POST', '/api/v1/contacts', { token: ws.owner.token, body: { firstName: 'Made', tags: ['vip'] } })).data;
    expect((await finishedRun(ws, addedAtCreation.id)).contactId).toBe(made.id);
    await t.request('POST', `/api/v1/workflows/${addedAtCreation.id}/disable`, { token: ws.manager.token });
    const opened = await createWorkflow(ws, { trigger: { type: 'conversation_opened' }, steps: [{ type: 'add_tag', tag: 'opened' }] });
    const added = await createWorkflow(ws, { trigger: { type: 'tag_added', tag: 'VIP' }, steps: [{ type: 'add_tag', tag: 'tagged' }] });
    const removed = await createWorkflow(ws, { trigger: { type: 'tag_removed', tag: 'vip' }, steps: [{ type: 'add_tag', tag: 'untagged' }] });
    const changed = await createWorkflow(ws, { trigger: { type: 'contact_field_changed', field: 'customFields.plan' }, steps: [{ type: 'add_tag', tag: 'changed' }] });
    const conversation = await inboundConversation(t, ws, channel.id, { identifier: 'o-1', text: 'hi' });
    expect((await finishedRun(ws, opened.id)).status).toBe('completed');
    const contactId = conversation.contactId;
    await eventually(async () => (await contactOf(ws, contactId)).tags.includes('opened'));

    await t.request('PATCH', `/api/v1/contacts/${contactId}`, { token: ws.owner.token, body: { tags: [...(await contactOf(ws, contactId)).tags, 'vip'] } });
    expect((await finishedRun(ws, added.id)).status).toBe('completed');
    await eventually(async () => (await contactOf(ws, contactId)).tags.includes('tagged'));
    const tags = (await contactOf(ws, contactId)).tags as string[];
    await t.request('PATCH', `/api/v1/contacts/${contactId}`, { token: ws.owner.token, body: { tags: tags.filter((x) => x !== 'vip') } });
    expect((await finishedRun(ws, removed.id)).status).toBe('completed');
    expect(await runsOf(ws, changed.id)).toEqual([]);
    await t.request('PATCH', `/api/v1/contacts/${contactId}`, { token: ws.owner.token, body: { customFields: { plan: 'pro' } } });
    expect((await finishedRun(ws, changed.id)).status).toBe('completed');
    await eventually(async () => (await contactOf(ws, contactId)).tags.includes('changed'));
  });

  it('a disabled workflow starts nothing; publish starts it, disable stops it', async () => {
    const { ws, channel } = await setUp(['x']);
    const workflow = await createWorkflow(ws, { enabled: false, trigger: { type: 'message_received' }, steps: [{ type: 'add_tag', tag: 'x' }] });
    await inboundConversation(t, ws, channel.id, { identifier: 'd-1', text: 'one' });
    await t.services.workflows.settled();
    expect(await runsOf(ws, workflow.id)).toEqual([]);
    expect((await t.request('POST', `/api/v1/workflows/${workflow.id}/publish`, { token: ws.manager.token })).data.enabled).toBe(true);
    await inboundConversation(t, ws, channel.id, { identifier: 'd-1', text: 'two' });
    await finishedRun(ws, workflow.id);
    expect((await t.request('POST', `/api/v1/workflows/${workflow.id}/disable`, { token: ws.manager.token })).data.enabled).toBe(false);
    await inboundConversation(t, ws, channel.id, { identifier: 'd-1', text: 'three' });
    await t.services.workflows.settled();
    expect(await runsOf(ws, workflow.id)).toHaveLength(1);
  });
});

describe('steps', () => {
  it('send message (filled in), comment, update field, remove tag, close and open, unassign: each done', async () => {
    const { ws, channel } = await setUp(['old']);
    await t.request('POST', '/api/v1/custom-fields', { token: ws.manager.token, body: { key: 'stage', label: 'Stage', type: 'text' } });
    const conversation = await inboundConversation(t, ws, channel.id, { identifier: 's-1', name: 'Ada Lovelace', text: 'hello' });
    await t.request('PATCH', `/api/v1/contacts/${conversation.contactId}`, { token: ws.owner.token, body: { firstName: 'Ada', tags: ['old'] } });
    await t.request('POST', `/api/v1/conversations/${conversation.id}/assign`, { token: ws.owner.token, body: { assigneeId: ws.agent.id } });
    const before = integration.received.length;
    const workflow = await createWorkflow(ws, {
      trigger: { type: 'shortcut' },
      steps: [
        { type: 'send_message', text: 'Hi {{contact.firstName}}, thanks!' },
        { type: 'add_comment', text: 'Greeted by a workflow' },
        { type: 'update_field', field: 'customFields.stage', value: 'greeted' },
        { type: 'remove_tag', tag: 'old' },
        { type: 'close_conversation' },
        { type: 'open_conversation' },
        { type: 'assign', strategy: 'unassign' },
      ],
    });
    expect((await startShortcut(ws, workflow.id, conversation.contactId)).statusCode).toBe(202);
    const run = await finishedRun(ws, workflow.id);
    expect(run.status, JSON.stringify(run)).toBe('completed');
    expect(run.steps.map((s) => s.status)).toEqual(Array(7).fill('completed'));
    const delivered = await eventually(async () => integration.received.slice(before).find((d) => d.json.message.text === 'Hi Ada, thanks!'));
    expect(delivered.json.contact.identifier).toBe('s-1');
    const messages = (await t.request('GET', `/api/v1/conversations/${conversation.id}/messages`, { token: ws.owner.token })).data.items as Array<{ type: string; text: string }>;
    expect(messages.some((m) => m.type === 'comment' && m.text === 'Greeted by a workflow')).toBe(true);
    const contact = await contactOf(ws, conversation.contactId);
    expect(contact.customFields.stage).toBe('greeted');
    expect(contact.tags).toEqual([]);
    const after = await conversationOf(ws, conversation.id);
    expect(after).toMatchObject({ status: 'open', assigneeId: null });
  });

  it('a refused send is a failed step with the reason, and the run ends there', async () => {
    const { ws } = await setUp(['never']);
    // A contact without any channel: nothing can reach it.
    const contact = (await t.request('POST', '/api/v1/contacts', { token: ws.owner.token, body: { firstName: 'Nobody' } })).data;
    const workflow = await createWorkflow(ws, { trigger: { type: 'shortcut' }, steps: [{ type: 'send_message', text: 'hello' }, { type: 'add_tag', tag: 'never' }] });
    await startShortcut(ws, workflow.id, contact.id);
    const run = await finishedRun(ws, workflow.id);
    expect(run.status).toBe('failed');
    expect(run.steps).toHaveLength(1);
    expect(run.steps[0]).toMatchObject({ type: 'send_message', status: 'failed', path: 'steps.0' });
    expect(run.steps[0]!.error).toMatch(/^no_channel: /);
    expect(run.reason).toContain('no_channel');
    expect((await contactOf(ws, contact.id)).tags).toEqual([]);
  });

  it('a send the provider refuses after the step handed it over fails the step and its run, with the provider’s reason', async () => {
    const { ws, channel } = await setUp(['sent']);
    const conversation = await inboundConversation(t, ws, channel.id, { identifier: 'late-1', text: 'hello' });
    const workflow = await createWorkflow(ws, { trigger: { type: 'shortcut' }, steps: [{ type: 'send_message', text: 'refused later' }, { type: 'add_tag', tag: 'sent' }] });
    integration.answerWith(422, '{"error":"recipient unknown"}');
    try {
      await startShortcut(ws, workflow.id, conversation.contactId);
      const run = await finishedRun(ws, workflow.id, 'failed');
      expect(run.steps.map((s) => [s.type, s.status])).toEqual([
        ['send_message', 'failed'],
        ['add_tag', 'completed'],
      ]);
      expect(run.steps[0]!.error).toMatch(/^delivery_failed/);
      expect(run.reason).toMatch(/^steps\.0 \(send_message\): delivery_failed/);
      const messages = (await t.request('GET', `/api/v1/conversations/${conversation.id}/messages`, { token: ws.owner.token })).data.items as Array<{ id: string; status: string }>;
      expect(messages.find((m) => m.id === run.steps[0]!.result)?.status).toBe('failed');
    } finally {
      integration.answerWith(200, '{"ok":true}');
    }
  });

  it('an assignee removed after the workflow was saved fails the step with the reason, and changes nothing', async () => {
    const { ws, channel } = await setUp();
    const leaving = (await t.request('POST', '/api/v1/users', { token: ws.owner.token, body: { email: `leaving-${t.unique()}@example.test`, name: 'Leaving', role: 'agent', password: 'a long enough password' } })).data;
    const workflow = await createWorkflow(ws, { trigger: { type: 'shortcut' }, steps: [{ type: 'assign', userId: leaving.id }] });
    expect((await t.request('DELETE', `/api/v1/users/${leaving.id}`, { token: ws.owner.token })).statusCode).toBe(204);
    const conversation = await inboundConversation(t, ws, channel.id, { identifier: 'gone-1', text: 'hi' });
    await startShortcut(ws, workflow.id, conversation.contactId);
    const run = await finishedRun(ws, workflow.id);
    expect(run).toMatchObject({ status: 'failed' });
    expect(run.steps[0]).toMatchObject({ type: 'assign', status: 'failed' });
    expect(run.steps[0]!.error).toMatch(/^invalid_field: assigneeId/);
    expect((await conversationOf(ws, conversation.id)).assigneeId).toBeNull();
  });

  it('comment, assign and open need a conversation: a contact without one fails with the reason', async () => {
    const { ws } = await setUp();
    const contact = (await t.request('POST', '/api/v1/contacts', { token: ws.owner.token, body: { firstName: 'Lonely' } })).data;
    const workflow = await createWorkflow(ws, { trigger: { type: 'shortcut' }, steps: [{ type: 'add_comment', text: 'x' }] });
    await startShortcut(ws, workflow.id, contact.id);
    expect((await finishedRun(ws, workflow.id)).steps[0]!.error).toMatch(/^no_conversation/);
  });

  it('round-robin with nobody of the team online fails with the reason; a team alone is assigned', async () => {
    const { ws, channel } = await setUp();
    const team = (await t.request('POST', '/api/v1/teams', { token: ws.owner.token, body: { name: 'Support', memberIds: [ws.agent.id] } })).data;
    const conversation = await inboundConversation(t, ws, channel.id, { identifier: 'rr-1', text: 'hi' });
    const roundRobin = await createWorkflow(ws, { trigger: { type: 'shortcut' }, steps: [{ type: 'assign', teamId: team.id, strategy: 'round_robin' }] });
    await startShortcut(ws, roundRobin.id, conversation.contactId);
    const run = await finishedRun(ws, roundRobin.id);
    expect(run.status).toBe('failed');
    expect(run.steps[0]!.error).toMatch(/^no_one_online/);
    const toTeam = await createWorkflow(ws, { trigger: { type: 'shortcut' }, steps: [{ type: 'assign', teamId: team.id }] });
    await startShortcut(ws, toTeam.id, conversation.contactId);
    expect((await finishedRun(ws, toTeam.id)).status).toBe('completed');
    expect((await conversationOf(ws, conversation.id)).teamId).toBe(team.id);
  });

  it('round-robin assigns the team’s online members in turn, and never one who is offline', async () => {
    const { ws, channel } = await setUp();
    const team = (await t.request('POST', '/api/v1/teams', { token: ws.owner.token, body: { name: 'Rota', memberIds: [ws.agent.id, ws.manager.id, ws.owner.id] } })).data;
    const workflow = await createWorkflow(ws, { trigger: { type: 'shortcut' }, steps: [{ type: 'assign', teamId: team.id, strategy: 'round_robin' }] });
    const baseUrl = await t.server.listen();
    // The agent and the owner have the app open; the manager does not.
    const online = [await connect(baseUrl, ws.agent.token), await connect(baseUrl, ws.owner.token)];
    try {
      const assignees: string[] = [];
      for (const identifier of ['rota-1', 'rota-2', 'rota-3']) {
        const conversation = await inboundConversation(t, ws, channel.id, { identifier, text: 'hi' });
        const run = (await startShortcut(ws, workflow.id, conversation.contactId)).data.run;
        const done = await eventually(async () => (await runsOf(ws, workflow.id)).find((r) => r.id === run.id && r.status === 'completed'));
        assignees.push((await conversationOf(ws, conversation.id)).assigneeId);
        expect(done.steps[0]!.result).toBe(assignees.at(-1));
      }
      const inTurn = [ws.agent.id, ws.owner.id].sort();
      expect(assignees).toEqual([inTurn[0], inTurn[1], inTurn[0]]);

      // Runs started together (one bulk tag) take their turns one after the other: two each.
      await t.request('POST', '/api/v1/tags', { token: ws.manager.token, body: { name: 'rota' } });
      const together = await createWorkflow(ws, { trigger: { type: 'tag_added', tag: 'rota' }, steps: [{ type: 'assign', teamId: team.id, strategy: 'round_robin' }] });
      const conversations = [];
      for (const identifier of ['rota-4', 'rota-5', 'rota-6', 'rota-7']) conversations.push(await inboundConversation(t, ws, channel.id, { identifier, text: 'hi' }));
      await t.request('POST', '/api/v1/contacts/bulk', { token: ws.owner.token, body: { action: 'tag', contactIds: conversations.map((c) => c.contactId), tags: ['rota'] } });
      await eventually(async () => {
        const runs = await runsOf(ws, together.id);
        return runs.length === 4 && runs.every((r) => r.status === 'completed');
      }, 10_000);
      const counts = new Map<string, number>();
      for (const conversation of conversations) {
        const assignee = (await conversationOf(ws, conversation.id)).assigneeId as string;
        counts.set(assignee, (counts.get(assignee) ?? 0) + 1);
      }
      expect(Object.fromEntries(counts)).toEqual({ [ws.agent.id]: 2, [ws.owner.id]: 2 });
    } finally {
      for (const client of online) client.close();
    }
  });

  it('branch on tag, field, channel, time of day; stop ends the run stopped', async () => {
    const { ws, channel } = await setUp(['vip', 'yes', 'no']);
    const conversation = await inboundConversation(t, ws, channel.id, { identifier: 'b-1', text: 'hi' });
    await t.request('PATCH', `/api/v1/contacts/${conversation.contactId}`, { token: ws.owner.token, body: { firstName: 'Grace', tags: ['vip'] } });
    const workflow = await createWorkflow(ws, {
      trigger: { type: 'shortcut' },
      steps: [
        {
          type: 'branch',
          if: {
            type: 'all',
            conditions: [
              { type: 'tag', tag: 'VIP' },
              { type: 'field', field: 'firstName', op: 'equals', value: 'grace' },
              { type: 'channel', channel: 'api' },
              { type: 'time_of_day', from: '00:00', to: '00:00' },
            ],
          },
          then: [{ type: 'add_tag', tag: 'yes' }, { type: 'stop' }],
          else: [{ type: 'add_tag', tag: 'no' }],
        },
        { type: 'add_tag', tag: 'no' },
      ],
    });
    await startShortcut(ws, workflow.id, conversation.contactId);
    const run = await finishedRun(ws, workflow.id);
    expect(run.status).toBe('stopped');
    expect(run.reason).toContain('stop');
    expect(run.steps.map((s) => [s.path, s.result ?? null])).toEqual([
      ['steps.0', 'then'],
      ['steps.0.then.0', null],
      ['steps.0.then.1', null],
    ]);
    expect((await contactOf(ws, conversation.contactId)).tags.sort()).toEqual(['vip', 'yes']);
  });

  it('branch on business hours reads the workspace time zone', async () => {
    const { ws, channel } = await setUp(['open', 'shut']);
    const conversation = await inboundConversation(t, ws, channel.id, { identifier: 'bh-1', text: 'hi' });
    // Every day, all day but one minute that has just passed: in business hours whatever the time (in this zone).
    const saved = await t.request('PATCH', '/api/v1/settings', {
      token: ws.owner.token,
      body: { timeZone: 'Pacific/Kiritimati', businessHours: { days: [0, 1, 2, 3, 4, 5, 6], start: '00:00', end: '00:00' } },
    });
    expect(saved.statusCode, saved.body).toBe(200);
    const workflow = await createWorkflow(ws, {
      trigger: { type: 'shortcut' },
      steps: [{ type: 'branch', if: { type: 'business_hours' }, then: [{ type: 'add_tag', tag: 'open' }], else: [{ type: 'add_tag', tag: 'shut' }] }],
    });
    await startShortcut(ws, workflow.id, conversation.contactId);
    await finishedRun(ws, workflow.id);
    expect((await contactOf(ws, conversation.contactId)).tags).toEqual(['open']);
    const bad = await t.request('PATCH', '/api/v1/settings', { token: ws.owner.token, body: { timeZone: 'Mars/Olympus' } });
    expect(bad.statusCode).toBe(400);
  });

  it('HTTP request: its JSON answer is read by later steps; a private address is refused with the reason', async () => {
    const { ws, channel } = await setUp(['gold']);
    const conversation = await inboundConversation(t, ws, channel.id, { identifier: 'h-1', name: 'Hedy', text: 'hi' });
    integration.answerWith(200, '{"tier":"gold","orders":3}');
    const before = integration.received.length;
    const workflow = await createWorkflow(ws, {
      trigger: { type: 'shortcut' },
      steps: [
        { type: 'http_request', method: 'POST', url: `${integration.url}/lookup`, body: { contact: '{{contact.id}}' }, saveAs: 'crm' },
        { type: 'branch', if: { type: 'field', field: 'vars.crm.body.tier', op: 'equals', value: 'gold' }, then: [{ type: 'add_tag', tag: 'gold' }] },
        { type: 'add_comment', text: 'Orders: {{vars.crm.body.orders}}' },
      ],
    });
    await startShortcut(ws, workflow.id, conversation.contactId);
    const run = await finishedRun(ws, workflow.id);
    integration.answerWith(200, '{"ok":true}');
    expect(run.status, JSON.stringify(run)).toBe('completed');
    expect(integration.received.slice(before).find((d) => d.json.contact === conversation.contactId)).toBeDefined();
    expect((await contactOf(ws, conversation.contactId)).tags).toEqual(['gold']);
    const messages = (await t.request('GET', `/api/v1/conversations/${conversation.id}/messages`, { token: ws.owner.token })).data.items as Array<{ text: string }>;
    expect(messages.some((m) => m.text === 'Orders: 3')).toBe(true);

    const ws2 = await setUp();
    const other = await inboundConversation(t, ws2.ws, ws2.channel.id, { identifier: 'h-2', text: 'hi' });
    const refused = await createWorkflow(ws2.ws, { trigger: { type: 'shortcut' }, steps: [{ type: 'http_request', method: 'GET', url: 'http://127.0.0.1:1/secret' }] });
    await startShortcut(ws2.ws, refused.id, other.contactId);
    const failed = await finishedRun(ws2.ws, refused.id);
    expect(failed.status).toBe('failed');
    expect(failed.steps[0]!.error).toMatch(/^http_refused/);
  });

  it('wait for reply: a reply takes the reply path, silence the timeout path', async () => {
    const { ws, channel } = await setUp(['replied', 'silent']);
    const workflow = await createWorkflow(ws, {
      trigger: { type: 'shortcut' },
      steps: [
        { type: 'wait_for_reply', timeoutSeconds: 1, onTimeout: [{ type: 'add_tag', tag: 'silent' }] },
        { type: 'branch', if: { type: 'replied' }, then: [{ type: 'add_tag', tag: 'replied' }] },
      ],
    });
    const talker = await inboundConversation(t, ws, channel.id, { identifier: 'w-1', text: 'hi' });
    const run = (await startShortcut(ws, workflow.id, talker.contactId)).data.run;
    await eventually(async () => (await runsOf(ws, workflow.id)).find((r) => r.id === run.id && r.status === 'waiting'));
    await sendInbound(t, channel.id, { identifier: 'w-1', text: 'here I am' });
    const replied = await eventually(async () => (await runsOf(ws, workflow.id)).find((r) => r.id === run.id && r.status === 'completed'));
    expect(replied.steps[0]).toMatchObject({ type: 'wait_for_reply', status: 'completed', result: 'replied' });
    expect((await contactOf(ws, talker.contactId)).tags).toEqual(['replied']);

    const silent = await inboundConversation(t, ws, channel.id, { identifier: 'w-2', text: 'hi' });
    const second = (await startShortcut(ws, workflow.id, silent.contactId)).data.run;
    const timedOut = await eventually(async () => (await runsOf(ws, workflow.id)).find((r) => r.id === second.id && r.status === 'completed'), 8000);
    expect(timedOut.steps[0]).toMatchObject({ result: 'timeout' });
    expect((await contactOf(ws, silent.contactId)).tags).toEqual(['silent']);
  });
});

describe('versions', () => {
  it('a run finishes on the version it started with; duplicate makes a disabled copy', async () => {
    const { ws, channel } = await setUp(['first', 'second']);
    const conversation = await inboundConversation(t, ws, channel.id, { identifier: 'v-1', text: 'hi' });
    const workflow = await createWorkflow(ws, { trigger: { type: 'shortcut' }, steps: [{ type: 'wait', seconds: 1 }, { type: 'add_tag', tag: 'first' }] });
    await startShortcut(ws, workflow.id, conversation.contactId);
    await eventually(async () => (await runsOf(ws, workflow.id))[0]?.status === 'waiting');
    const edited = await t.request('PATCH', `/api/v1/workflows/${workflow.id}`, { token: ws.manager.token, body: { steps: [{ type: 'add_tag', tag: 'second' }] } });
    expect(edited.data).toMatchObject({ version: 2, steps: [{ type: 'add_tag', tag: 'second' }] });
    const run = await finishedRun(ws, workflow.id);
    expect(run).toMatchObject({ status: 'completed', version: 1 });
    expect((await contactOf(ws, conversation.contactId)).tags).toEqual(['first']);
    // Renaming is not a new version.
    expect((await t.request('PATCH', `/api/v1/workflows/${workflow.id}`, { token: ws.manager.token, body: { name: 'Renamed' } })).data.version).toBe(2);
    const copy = await t.request('POST', `/api/v1/workflows/${workflow.id}/duplicate`, { token: ws.manager.token });
    expect(copy.statusCode).toBe(201);
    expect(copy.data).toMatchObject({ name: 'Renamed (copy)', enabled: false, version: 1, steps: [{ type: 'add_tag', tag: 'second' }] });
    expect(copy.data.id).not.toBe(workflow.id);
  });
});

describe('bad definitions', () => {
  it('answer 400 invalid_workflow naming the place, and store nothing', async () => {
    const { ws } = await setUp(['known']);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ trigger: { type: 'shortcut' }, steps: [{ type: 'teleport' }] }, 'steps.0.type'],
      [{ trigger: { type: 'shortcut' }, steps: [{ type: 'add_tag', tag: 'known' }, { type: 'add_tag', tag: 'unknown' }] }, 'steps.1.tag'],
      [{ trigger: { type: 'shortcut' }, steps: [{ type: 'branch', if: { type: 'tag', tag: 'known' } }] }, 'steps.0.then'],
      [{ trigger: { type: 'shortcut' }, steps: [{ type: 'send_message' }] }, 'steps.0.text'],
      [{ trigger: { type: 'shortcut' }, steps: [{ type: 'assign', userId: '00000000-0000-4000-8000-000000000000' }] }, 'steps.0.userId'],
      [{ trigger: { type: 'tag_added', tag: 'known' }, steps: [{ type: 'remove_tag', tag: 'known' }, { type: 'add_tag', tag: 'known' }] }, 'steps.1'],
      [{ trigger: { type: 'doorbell' }, steps: [{ type: 'stop' }] }, 'trigger.type'],
      [{ trigger: { type: 'shortcut' }, steps: [{ type: 'wait', seconds: 0 }] }, 'steps.0.seconds'],
      [{ trigger: { type: 'shortcut' }, steps: [{ type: 'http_request', method: 'GET', url: 'ftp://x' }] }, 'steps.0.url'],
    ];
    for (const [body, field] of cases) {
      const response = await t.request('POST', '/api/v1/workflows', { token: ws.manager.token, body: { name: 'Bad', ...body } });
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.data.error).toMatchObject({ code: 'invalid_workflow', field });
      expect(response.data.error.message).toContain(field);
    }
    expect((await t.request('GET', '/api/v1/workflows', { token: ws.manager.token })).data.items).toEqual([]);
    // A bad edit keeps the stored version.
    const good = await createWorkflow(ws, { trigger: { type: 'shortcut' }, steps: [{ type: 'stop' }] });
    const bad = await t.request('PATCH', `/api/v1/workflows/${good.id}`, { token: ws.manager.token, body: { steps: [{ type: 'nope' }] } });
    expect(bad.statusCode).toBe(400);
    expect((await t.request('GET', `/api/v1/workflows/${good.id}`, { token: ws.manager.token })).data).toMatchObject({ version: 1, steps: [{ type: 'stop' }] });
  });
});

describe('roles and isolation', () => {
  it('managers and owners build; agents list and start shortcuts only', async () => {
    const { ws, channel } = await setUp(['agent-ran']);
    const conversation = await inboundConversation(t, ws, channel.id, { identifier: 'r-1', text: 'hi' });
    const denied = await t.request('POST', '/api/v1/workflows', { token: ws.agent.token, body: { name: 'x', trigger: { type: 'shortcut' }, steps: [{ type: 'stop' }] } });
    expect(denied.statusCode).toBe(403);
    const workflow = await createWorkflow(ws, { trigger: { type: 'shortcut' }, steps: [{ type: 'add_tag', tag: 'agent-ran' }] });
    expect((await t.request('GET', `/api/v1/workflows/${workflow.id}/runs`, { token: ws.agent.token })).statusCode).toBe(403);
    expect((await t.request('PATCH', `/api/v1/workflows/${workflow.id}`, { token: ws.agent.token, body: { enabled: false } })).statusCode).toBe(403);
    const shortcuts = await t.request('GET', '/api/v1/workflows/shortcuts', { token: ws.agent.token });
    expect(shortcuts.data.items).toEqual([{ id: workflow.id, name: expect.any(String) }]);
    const started = await startShortcut(ws, workflow.id, conversation.contactId, ws.agent.token);
    expect(started.statusCode).toBe(202);
    expect(started.data.run).toMatchObject({ contactId: conversation.contactId });
    expect((await finishedRun(ws, workflow.id)).status).toBe('completed');
    // Only shortcut workflows start by hand, and only published ones.
    const keyword = await createWorkflow(ws, { trigger: { type: 'message_received' }, steps: [{ type: 'stop' }] });
    expect((await startShortcut(ws, keyword.id, conversation.contactId)).data.error.code).toBe('not_a_shortcut');
    const draft = await createWorkflow(ws, { enabled: false, trigger: { type: 'shortcut' }, steps: [{ type: 'stop' }] });
    expect((await startShortcut(ws, draft.id, conversation.contactId)).data.error.code).toBe('workflow_disabled');
  });

  it('another workspace sees none of it and cannot run it on its contacts', async () => {
    const a = await setUp(['a']);
    const b = await setUp();
    const workflow = await createWorkflow(a.ws, { trigger: { type: 'shortcut' }, steps: [{ type: 'add_tag', tag: 'a' }] });
    const theirs = await inboundConversation(t, b.ws, b.channel.id, { identifier: 'i-1', text: 'hi' });
    expect((await t.request('GET', `/api/v1/workflows/${workflow.id}`, { token: b.ws.manager.token })).statusCode).toBe(404);
    expect((await t.request('GET', `/api/v1/workflows/${workflow.id}/runs`, { token: b.ws.manager.token })).statusCode).toBe(404);
    expect((await t.request('DELETE', `/api/v1/workflows/${workflow.id}`, { token: b.ws.owner.token })).statusCode).toBe(404);
    expect((await startShortcut(b.ws, workflow.id, theirs.contactId)).statusCode).toBe(404);
    expect((await startShortcut(a.ws, workflow.id, theirs.contactId)).statusCode).toBe(404);
    expect((await t.request('GET', '/api/v1/workflows', { token: b.ws.manager.token })).data.items).toEqual([]);
  });
});

describe('blocking (SPEC §2.6 items 2, 6, 7)', () => {
  it('blocking a contact stops its waiting run at once, with the reason', async () => {
    const { ws, channel } = await setUp(['late']);
    const conversation = await inboundConversation(t, ws, channel.id, { identifier: 'bl-1', text: 'hi' });
    const workflow = await createWorkflow(ws, { trigger: { type: 'shortcut' }, steps: [{ type: 'wait', seconds: 1 }, { type: 'add_tag', tag: 'late' }] });
    await startShortcut(ws, workflow.id, conversation.contactId);
    await eventually(async () => (await runsOf(ws, workflow.id))[0]?.status === 'waiting');
    expect((await t.request('POST', `/api/v1/contacts/${conversation.contactId}/block`, { token: ws.owner.token })).statusCode).toBe(200);
    // At once: in the block's own transaction.
    expect((await runsOf(ws, workflow.id))[0]).toMatchObject({ status: 'stopped', reason: 'contact blocked' });
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect((await contactOf(ws, conversation.contactId)).tags).toEqual([]);
    expect((await runsOf(ws, workflow.id))[0]!.status).toBe('stopped');
  });

  it('a blocked contact’s messages trigger nothing', async () => {
    const { ws, channel } = await setUp(['t']);
    const workflow = await createWorkflow(ws, { trigger: { type: 'message_received' }, steps: [{ type: 'add_tag', tag: 't' }] });
    const conversation = await inboundConversation(t, ws, channel.id, { identifier: 'bl-2', text: 'first' });
    await finishedRun(ws, workflow.id);
    await t.request('POST', `/api/v1/contacts/${conversation.contactId}/block`, { token: ws.owner.token });
    await sendInbound(t, channel.id, { identifier: 'bl-2', text: 'second' });
    await sendInbound(t, channel.id, { identifier: 'bl-2', text: 'third' });
    await t.services.workflows.settled();
    expect(await runsOf(ws, workflow.id)).toHaveLength(1);
  });

  it('a shortcut still starts for a blocked contact and ends at the first step that would message it', async () => {
    const { ws, channel } = await setUp(['checked', 'after']);
    const conversation = await inboundConversation(t, ws, channel.id, { identifier: 'bl-3', text: 'hi' });
    await t.request('POST', `/api/v1/contacts/${conversation.contactId}/block`, { token: ws.owner.token });
    const before = integration.received.length;
    const workflow = await createWorkflow(ws, {
      trigger: { type: 'shortcut' },
      steps: [{ type: 'add_tag', tag: 'checked' }, { type: 'send_message', text: 'should never go' }, { type: 'add_tag', tag: 'after' }],
    });
    expect((await startShortcut(ws, workflow.id, conversation.contactId, ws.owner.token)).statusCode).toBe(202);
    const run = await finishedRun(ws, workflow.id);
    expect(run).toMatchObject({ status: 'stopped', reason: 'contact blocked' });
    expect(run.steps.map((s) => [s.type, s.status])).toEqual([
      ['add_tag', 'completed'],
      ['send_message', 'skipped'],
    ]);
    expect((await contactOf(ws, conversation.contactId)).tags).toEqual(['checked']);
    expect(integration.received.length).toBe(before);
  });
});

describe('loops', () => {
  it('two workflows that trigger each other stop with a reason after a bound', async () => {
    const { ws, channel } = await setUp(['ping']);
    const conversation = await inboundConversation(t, ws, channel.id, { identifier: 'l-1', text: 'hi' });
    const adds = await createWorkflow(ws, { trigger: { type: 'tag_removed', tag: 'ping' }, steps: [{ type: 'add_tag', tag: 'ping' }] });
    const removes = await createWorkflow(ws, { trigger: { type: 'tag_added', tag: 'ping' }, steps: [{ type: 'remove_tag', tag: 'ping' }] });
    await t.request('PATCH', `/api/v1/contacts/${conversation.contactId}`, { token: ws.owner.token, body: { tags: ['ping'] } });
    const all = async () => [...(await runsOf(ws, adds.id)), ...(await runsOf(ws, removes.id))];
    const stopped = await eventually(async () => (await all()).find((r) => r.status === 'stopped' && r.reason?.startsWith('loop')), 20_000);
    expect(stopped.reason).toMatch(/^loop: started 10 times within a minute/);
    expect(stopped.steps).toEqual([]);
    await t.services.workflows.settled();
    const count = (await all()).length;
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect((await all()).length).toBe(count);
    expect(count).toBe(21);
  }, 30_000);
});

describe('contact deleted', () => {
  it('a waiting run whose contact is deleted ends with the reason', async () => {
    const { ws, channel } = await setUp(['x']);
    const conversation = await inboundConversation(t, ws, channel.id, { identifier: 'del-1', text: 'hi' });
    const workflow = await createWorkflow(ws, { trigger: { type: 'shortcut' }, steps: [{ type: 'wait', seconds: 1 }, { type: 'add_tag', tag: 'x' }] });
    await startShortcut(ws, workflow.id, conversation.contactId);
    await eventually(async () => (await runsOf(ws, workflow.id))[0]?.status === 'waiting');
    await t.request('DELETE', `/api/v1/contacts/${conversation.contactId}`, { token: ws.owner.token });
    const run = await finishedRun(ws, workflow.id);
    expect(run).toMatchObject({ status: 'stopped', reason: 'contact deleted' });
  });
});


describe('many runs at once', () => {
  it('runs started together take each step together, each with the outcome it would have alone', async () => {
    const { ws, channel } = await setUp(['batch', 'seen']);
    const talkers = [];
    for (let i = 0; i < 12; i++) talkers.push(await inboundConversation(t, ws, channel.id, { identifier: `many-${i}`, name: `Many ${i}`, text: 'hi' }));
    const silent = (await t.request('POST', '/api/v1/contacts', { token: ws.owner.token, body: { firstName: 'Silent' } })).data;
    const workflow = await createWorkflow(ws, {
      trigger: { type: 'tag_added', tag: 'batch' },
      steps: [
        { type: 'add_tag', tag: 'seen' },
        { type: 'assign', userId: ws.agent.id },
        { type: 'add_comment', text: 'Hello {{contact.firstName}}' },
        { type: 'remove_tag', tag: 'batch' },
      ],
    });
    const together: Array<{ contactIds: string[]; cause: string }> = [];
    const unsubscribe = t.server.bus.subscribe((event) => {
      if (event.type === 'contacts.updated' && String(event.data.cause).startsWith('workflow:')) together.push(event.data as { contactIds: string[]; cause: string });
    });
    try {
      const contactIds = [...talkers.map((c) => c.contactId), silent.id];
      expect((await t.request('POST', '/api/v1/contacts/bulk', { token: ws.owner.token, body: { action: 'tag', contactIds, tags: ['batch'] } })).statusCode).toBe(202);
      const runs = await eventually(async () => {
        const all = await runsOf(ws, workflow.id);
        return all.length === 13 && all.every((r) => !['running', 'waiting'].includes(r.status)) ? all : undefined;
      }, 15_000);
      // The tag steps of several runs went out as one change naming several contacts.
      expect(together.some((change) => change.contactIds.length > 1)).toBe(true);
      const byContact = new Map(runs.map((run) => [run.contactId, run]));
      for (const conversation of talkers) {
        const run = byContact.get(conversation.contactId)!;
        expect(run.status, JSON.stringify(run)).toBe('completed');
        expect(run.steps.map((s) => [s.type, s.status, s.result ?? null])).toEqual([
          ['add_tag', 'completed', null],
          ['assign', 'completed', ws.agent.id],
          ['add_comment', 'completed', expect.any(String)],
          ['remove_tag', 'completed', null],
        ]);
        const contact = await contactOf(ws, conversation.contactId);
        expect(contact.tags).toEqual(['seen']);
        expect((await conversationOf(ws, conversation.id)).assigneeId).toBe(ws.agent.id);
        const comments = ((await t.request('GET', `/api/v1/conversations/${conversation.id}/messages`, { token: ws.owner.token })).data.items as Array<{ type: string; text: string }>).filter((m) => m.type === 'comment');
        expect(comments.map((m) => m.text)).toEqual([`Hello ${contact.firstName}`]);
      }
      // The contact without a conversation is tagged, then fails where a conversation is needed.
      const alone = byContact.get(silent.id)!;
      expect(alone).toMatchObject({ status: 'failed' });
      expect(alone.steps.map((s) => [s.type, s.status])).toEqual([
        ['add_tag', 'completed'],
        ['assign', 'failed'],
      ]);
      expect(alone.steps[1]!.error).toMatch(/^no_conversation/);
      expect((await contactOf(ws, silent.id)).tags.sort()).toEqual(['batch', 'seen']);
    } finally {
      unsubscribe();
    }
  });
});

describe('many waits at once', () => {
  it('runs whose waits come due together resume together, each where it stood', async () => {
    const { ws, channel } = await setUp(['after']);
    const workflow = await createWorkflow(ws, { trigger: { type: 'shortcut' }, steps: [{ type: 'wait', seconds: 1 }, { type: 'add_tag', tag: 'after' }] });
    const talkers = [];
    for (let i = 0; i < 6; i++) talkers.push(await inboundConversation(t, ws, channel.id, { identifier: `waits-${i}`, text: 'hi' }));
    await Promise.all(talkers.map((c) => startShortcut(ws, workflow.id, c.contactId)));
    const runs = await eventually(async () => {
      const all = await runsOf(ws, workflow.id);
      return all.length === 6 && all.every((r) => r.status === 'completed') ? all : undefined;
    }, 10_000);
    for (const run of runs) {
      expect(run.steps.map((s) => [s.type, s.status, s.result ?? null])).toEqual([
        ['wait', 'completed', 'waited'],
        ['add_tag', 'completed', null],
      ]);
      // Not before its time.
      expect(new Date(run.steps[0]!.at).getTime() - new Date((run as Run & { createdAt: string }).createdAt).getTime()).toBeGreaterThanOrEqual(1000);
    }
    for (const c of talkers) expect((await contactOf(ws, c.contactId)).tags).toEqual(['after']);
  });
});

describe('at most once', () => {
  const commentsOf = async (ws: Workspace, conversationId: string) =>
    ((await t.request('GET', `/api/v1/conversations/${conversationId}/messages`, { token: ws.owner.token })).data.items as Array<{ type: string; text: string }>).filter((m) => m.type === 'comment');

  it('a step that cannot be repeated, begun by a process that died, is not run again: the run fails with the reason', async () => {
    const { ws, channel } = await setUp();
    const conversation = await inboundConversation(t, ws, channel.id, { identifier: 'once-1', text: 'hi' });
    const workflow = await createWorkflow(ws, { trigger: { type: 'shortcut' }, steps: [{ type: 'add_comment', text: 'only once' }] });
    await t.services.workflows.stop();
    try {
      const run = (await startShortcut(ws, workflow.id, conversation.contactId)).data.run;
      // What a process killed inside the first step leaves behind: the step begun, its outcome never recorded, its lease run out.
      await t.database.db.execute(sql`update workflow_runs set begun_seq = 0, lease_owner = 'a-dead-process', lease_until = now() - interval '1 second' where id = ${run.id}`);
    } finally {
      t.services.workflows.start();
    }
    const run = await finishedRun(ws, workflow.id);
    expect(run.status).toBe('failed');
    expect(run.steps).toEqual([expect.objectContaining({ type: 'add_comment', status: 'failed', error: expect.stringMatching(/^interrupted/) })]);
    expect(await commentsOf(ws, conversation.id)).toEqual([]);
  });

  it('a run whose process died before its step is taken up by another once its lease runs out, and its steps are done once', async () => {
    const { ws, channel } = await setUp(['once']);
    const conversation = await inboundConversation(t, ws, channel.id, { identifier: 'once-2', text: 'hi' });
    const workflow = await createWorkflow(ws, { trigger: { type: 'shortcut' }, steps: [{ type: 'add_tag', tag: 'once' }, { type: 'add_comment', text: 'taken up' }] });
    await t.services.workflows.stop();
    let runId: string;
    try {
      runId = (await startShortcut(ws, workflow.id, conversation.contactId)).data.run.id;
      // Held by a process that is gone, its lease still running: nobody takes it yet.
      await t.database.db.execute(sql`update workflow_runs set lease_owner = 'a-dead-process', lease_until = now() + interval '1 second' where id = ${runId}`);
    } finally {
      t.services.workflows.start();
    }
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await runsOf(ws, workflow.id))[0]).toMatchObject({ id: runId, status: 'running', steps: [] });
    const run = await finishedRun(ws, workflow.id);
    expect(run).toMatchObject({ id: runId, status: 'completed' });
    expect(run.steps.map((s) => [s.type, s.status])).toEqual([
      ['add_tag', 'completed'],
      ['add_comment', 'completed'],
    ]);
    expect((await contactOf(ws, conversation.contactId)).tags).toEqual(['once']);
    expect((await commentsOf(ws, conversation.id)).map((m) => m.text)).toEqual(['taken up']);
  });
});
