import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/platform/clock.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { type MetaSimulator, startMetaSimulator } from '../simulators/meta.js';
import { eventually } from './inbox-fixtures.js';
import { connectMeta, conversationOf } from './meta-fixtures.js';

/** A workflow's message obeys the channel's window like a person's, but never with HUMAN_AGENT (SPEC §4.1). */
const HOUR = 60 * 60 * 1000;
const clock = fixedClock(new Date('2026-06-01T09:00:00Z'));
let t: TestApp;
let sim: MetaSimulator;

beforeAll(async () => {
  t = await createTestApp({ clock });
  sim = await startMetaSimulator();
});
afterAll(async () => {
  await t?.close();
  await sim?.close();
});

type Workspace = Awaited<ReturnType<TestApp['createWorkspace']>>;
let people = 0;

async function shortcut(ws: Workspace, steps: unknown[]) {
  const created = await t.request('POST', '/api/v1/workflows', { token: ws.manager.token, body: { name: `W ${t.unique()}`, enabled: true, trigger: { type: 'shortcut' }, steps } });
  expect(created.statusCode, created.body).toBe(201);
  return created.data.id as string;
}

async function runOnce(ws: Workspace, workflowId: string, contactId: string) {
  expect((await t.request('POST', `/api/v1/workflows/${workflowId}/runs`, { token: ws.agent.token, body: { contactId } })).statusCode).toBe(202);
  return eventually(async () => {
    const run = (await t.request('GET', `/api/v1/workflows/${workflowId}/runs`, { token: ws.manager.token })).data.items[0];
    return run && !['running', 'waiting'].includes(run.status) ? run : undefined;
  });
}

describe('a workflow’s messages and the messaging window', () => {
  it('Messenger, 25 hours after the contact wrote: a person may reply with HUMAN_AGENT, a workflow’s send is a failed step with the reason', async () => {
    const ws = await t.createWorkspace();
    const channel = await connectMeta(t, ws, sim, 'messenger');
    const psid = `2471${(100000 + ++people).toString()}`;
    await sim.messenger.customerWrites(channel.accountId, { from: psid, at: new Date(clock.now().getTime() - 1000) });
    const conversation = await conversationOf(t, ws, channel.channel.id, psid);
    clock.advance(25 * HOUR);
    const workflowId = await shortcut(ws, [{ type: 'send_message', text: 'Automated reminder' }]);
    const before = sim.received.length;
    const run = await runOnce(ws, workflowId, conversation.contactId);
    expect(run.status).toBe('failed');
    expect(run.steps[0]).toMatchObject({ type: 'send_message', status: 'failed' });
    expect(run.steps[0].error).toMatch(/^messaging_window_closed: /);
    expect(sim.received.slice(before).some((r) => r.json?.message?.text === 'Automated reminder')).toBe(false);
    // The same moment, a person: HUMAN_AGENT.
    const person = await t.request('POST', `/api/v1/conversations/${conversation.id}/messages`, { token: ws.agent.token, body: { type: 'reply', text: 'Sorry for the wait' } });
    expect(person.statusCode).toBe(201);
    expect(person.data.tag).toBe('HUMAN_AGENT');
  });

  it('Messenger within 24 hours: the workflow’s message goes out as a plain response, no tag', async () => {
    const ws = await t.createWorkspace();
    const channel = await connectMeta(t, ws, sim, 'messenger');
    const psid = `2471${(100000 + ++people).toString()}`;
    await sim.messenger.customerWrites(channel.accountId, { from: psid, at: new Date(clock.now().getTime() - 1000) });
    const conversation = await conversationOf(t, ws, channel.channel.id, psid);
    const workflowId = await shortcut(ws, [{ type: 'send_message', text: 'Thanks for writing' }]);
    const run = await runOnce(ws, workflowId, conversation.contactId);
    expect(run.status).toBe('completed');
    const request = await sim.waitFor((all) => all.find((r) => r.json?.message?.text === 'Thanks for writing'));
    expect(request.json).toEqual({ recipient: { id: psid }, messaging_type: 'RESPONSE', message: { text: 'Thanks for writing' } });
  });

  it('WhatsApp after 24 hours: the text is refused, so the step sends its template instead', async () => {
    const ws = await t.createWorkspace();
    const wa = await connectMeta(t, ws, sim, 'whatsapp');
    const template = await t.request('POST', '/api/v1/templates', {
      token: ws.manager.token,
      body: { channelId: wa.channel.id, name: 'follow_up', language: 'en', category: 'utility', body: 'Hi {{1}}, can we help?' },
    });
    expect(template.statusCode).toBe(201);
    const from = `1631666${(1000 + ++people).toString()}`;
    await sim.whatsapp.customerWrites(wa.accountId, { from, name: 'Ana Lima', at: new Date(clock.now().getTime() - 1000) });
    const conversation = await conversationOf(t, ws, wa.channel.id, from);
    await t.request('PATCH', `/api/v1/contacts/${conversation.contactId}`, { token: ws.owner.token, body: { firstName: 'Ana' } });
    clock.advance(25 * HOUR);
    const withTemplate = await shortcut(ws, [{ type: 'send_message', text: 'Still there, {{contact.firstName}}?', template: { name: 'follow_up', language: 'en', parameters: ['{{contact.firstName}}'] } }]);
    const run = await runOnce(ws, withTemplate, conversation.contactId);
    expect(run.status, JSON.stringify(run)).toBe('completed');
    const request = await sim.waitFor((all) => all.find((r) => r.json?.type === 'template' && r.json.to === from));
    expect(request.json.template).toEqual({ name: 'follow_up', language: { code: 'en' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ana' }] }] });
    // Without a template the same step fails, saying why.
    const textOnly = await shortcut(ws, [{ type: 'send_message', text: 'Still there?' }]);
    const failed = await runOnce(ws, textOnly, conversation.contactId);
    expect(failed.steps[0].error).toMatch(/^template_required: /);
  });
});
