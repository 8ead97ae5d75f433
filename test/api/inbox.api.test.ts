import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createApiChannel, inboundConversation, sendInbound } from './inbox-fixtures.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.close());

describe('a contact writing through the API channel', () => {
  it('opens a conversation with the message in it', async () => {
    const ws = await t.createWorkspace();
    const channel = await createApiChannel(t, ws);
    const conversation = await inboundConversation(t, ws, channel.id, { identifier: 'cust-1', name: 'Ana Lima', text: 'Hi, my order is late' });
    expect(conversation).toMatchObject({ status: 'open', assigneeId: null, dot: 'purple', contact: { name: 'Ana Lima' } });
    const messages = await t.request('GET', `/api/v1/conversations/${conversation.id}/messages`, { token: ws.agent.token });
    expect(messages.statusCode).toBe(200);
    expect(messages.data.items).toEqual([
      expect.objectContaining({ direction: 'in', type: 'message', text: 'Hi, my order is late', status: 'received', channelId: channel.id }),
    ]);
  });
});
