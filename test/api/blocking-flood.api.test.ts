import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createApiChannel, sendInbound } from './inbox-fixtures.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t?.close();
});

/** Every message of the conversation, hidden ones included, by text. */
async function stored(conversationId: string, token: string) {
  const { data } = await t.request('GET', `/api/v1/conversations/${conversationId}/messages?includeHidden=true&limit=200`, { token });
  return data.items as Array<{ id: string; text: string; hidden: boolean }>;
}

describe('a spam flood from blocked contacts (the batched path)', () => {
  it('stores every message hidden exactly once, even when the provider retries within the same batch', async () => {
    const ws = await t.createWorkspace();
    const channel = await createApiChannel(t, ws);
    const spammers = [];
    for (let n = 0; n < 4; n++) {
      const identifier = `spammer-${n}-${t.unique()}`;
      await sendInbound(t, channel.id, { identifier, text: 'hello' });
      const conversation = (await t.request('GET', '/api/v1/conversations?inbox=all&limit=1', { token: ws.owner.token })).data.items[0];
      expect((await t.request('POST', `/api/v1/contacts/${conversation.contactId}/block`, { token: ws.owner.token })).statusCode).toBe(200);
      // The first message while blocked teaches the server that this identity is blocked.
      await sendInbound(t, channel.id, { identifier, text: 'first while blocked' });
      spammers.push({ identifier, conversationId: conversation.id as string });
    }

    // 80 calls at once: each message id twice, as a provider retrying before our answer arrived.
    const calls = spammers.flatMap(({ identifier }) =>
      Array.from({ length: 10 }, (_, n) => ({ identifier, id: `${identifier}-flood-${n}`, text: `BUY NOW ${n}` })),
    );
    const answers = await Promise.all([...calls, ...calls].map((call) => sendInbound(t, channel.id, call)));
    expect(answers.map((answer) => answer.statusCode)).toEqual(Array(answers.length).fill(200));
    const received = answers.map((answer) => answer.json().received[0] as { messageId: string; duplicate: boolean });
    // Each provider message once stored, once a duplicate, with the same id both times.
    expect(received.filter((r) => !r.duplicate)).toHaveLength(calls.length);
    for (let i = 0; i < calls.length; i++) expect(new Set([received[i]!.messageId, received[i + calls.length]!.messageId]).size).toBe(1);

    for (const { conversationId } of spammers) {
      const messages = await stored(conversationId, ws.owner.token);
      const flood = messages.filter((m) => m.text.startsWith('BUY NOW'));
      expect(flood).toHaveLength(10);
      expect(flood.every((m) => m.hidden)).toBe(true);
      // Nothing of it is listed without asking for hidden messages.
      const visible = (await t.request('GET', `/api/v1/conversations/${conversationId}/messages?limit=200`, { token: ws.owner.token })).data.items;
      expect(visible.map((m: { text: string }) => m.text)).toEqual(['hello']);
    }
  });

  it('gives an unblocked contact in the same batch the full path: shown, not hidden', async () => {
    const ws = await t.createWorkspace();
    const channel = await createApiChannel(t, ws);
    const identities = [];
    for (let n = 0; n < 2; n++) {
      const identifier = `mixed-${n}-${t.unique()}`;
      await sendInbound(t, channel.id, { identifier, text: 'hello' });
      const conversation = (await t.request('GET', '/api/v1/conversations?inbox=all&limit=1', { token: ws.owner.token })).data.items[0];
      await t.request('POST', `/api/v1/contacts/${conversation.contactId}/block`, { token: ws.owner.token });
      await sendInbound(t, channel.id, { identifier, text: 'while blocked' });
      identities.push({ identifier, contactId: conversation.contactId as string, conversationId: conversation.id as string });
    }
    // The server still remembers the second identity as blocked; the batch must check again.
    await t.request('POST', `/api/v1/contacts/${identities[1]!.contactId}/unblock`, { token: ws.owner.token });

    await Promise.all(identities.flatMap(({ identifier }) => [1, 2, 3].map((n) => sendInbound(t, channel.id, { identifier, text: `after ${n}` }))));
    const [blocked, unblocked] = await Promise.all(identities.map(({ conversationId }) => stored(conversationId, ws.owner.token)));
    expect(blocked!.filter((m) => m.text.startsWith('after')).map((m) => m.hidden)).toEqual([true, true, true]);
    expect(unblocked!.filter((m) => m.text.startsWith('after')).map((m) => m.hidden)).toEqual([false, false, false]);
  });
});
