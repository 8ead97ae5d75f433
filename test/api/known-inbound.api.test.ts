import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/platform/db/client.js';
import { contactActivityMonths, contactChannels, conversations } from '../../src/platform/db/schema.js';
import { fixedClock } from '../../src/platform/clock.js';
import { newId } from '../../src/platform/ids.js';
import { createMessagesRepository, type KnownInbound } from '../../src/messages/messages.repository.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createApiChannel, inboundConversation, sendInbound } from './inbox-fixtures.js';

const clock = fixedClock(new Date('2026-06-15T09:00:00Z'));
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ clock });
});
afterAll(() => t?.close());

/**
 * The one-statement path of a known contact's text (messages.repository insertFromKnownIdentities):
 * it must store exactly what the full path stores, and nothing where the case is not plain.
 */
describe('storing known contacts’ messages together', () => {
  async function setUp() {
    const ws = await t.createWorkspace();
    const channel = await createApiChannel(t, ws);
    const conversation = await inboundConversation(t, ws, channel.id, { identifier: 'ana', name: 'Ana Lima', text: 'first' });
    const input = (patch: Partial<KnownInbound> = {}): KnownInbound => ({
      id: newId(),
      workspaceId: ws.id,
      channelId: channel.id,
      identifier: 'ana',
      name: 'Ana Lima',
      avatarUrl: null,
      phoneGiven: false,
      emailGiven: false,
      text: 'Wo bleibt meine Bestellung?',
      providerMessageId: `p-${newId()}`,
      sentAt: new Date(clock.now().getTime() - 5000),
      at: clock.now(),
      ...patch,
    });
    return { ws, channel, conversation, input };
  }

  it('stores a batch in one statement: the messages, the window, the conversation’s times and the month’s usage', async () => {
    const { ws, channel, conversation, input } = await setUp();
    await t.database.db.execute(sql`update contacts set language = 'de' where id = ${conversation.contactId}`);
    await t.database.db.delete(contactActivityMonths).where(eq(contactActivityMonths.contactId, conversation.contactId));
    clock.advance(60_000);
    const early = input({ sentAt: new Date(clock.now().getTime() - 30_000), text: 'Hallo' });
    const late = input({ sentAt: new Date(clock.now().getTime() - 1000), name: null, text: 'Ich habe zwei Rechnungen bekommen' });
    const results = await createMessagesRepository(t.database.db).insertFromKnownIdentities([early, late]);
    expect(results.map((result) => result?.message.id)).toEqual([early.id, late.id]);
    expect(results[1]).toMatchObject({
      message: { conversationId: conversation.id, direction: 'in', type: 'message', status: 'received', text: 'Ich habe zwei Rechnungen bekommen', providerTimestamp: late.sentAt, hidden: false },
      conversation: { id: conversation.id, status: 'open', lastMessageAt: clock.now(), lastInboundAt: clock.now() },
      contact: { id: conversation.contactId, firstName: 'Ana', lastName: 'Lima' },
    });
    const [identity] = await t.database.db.select().from(contactChannels).where(and(eq(contactChannels.channelId, channel.id), eq(contactChannels.identifier, 'ana')));
    expect(identity!.lastInboundAt).toEqual(late.sentAt);
    expect(await t.database.db.select().from(contactActivityMonths).where(eq(contactActivityMonths.contactId, conversation.contactId))).toEqual([
      { workspaceId: ws.id, month: '2026-06-01', contactId: conversation.contactId },
    ]);
    // Indexed in the contact's language, as the full path indexes it: the singular finds the plural's stem.
    const found = await t.request('GET', '/api/v1/conversations?q=rechnung', { token: ws.owner.token });
    expect(found.data.items.map((c: { id: string }) => c.id)).toEqual([conversation.id]);
  });

  it('stores nothing where the case is not plain: an unknown identity, another name, a retry, a closed conversation, a blocked contact', async () => {
    const { ws, conversation, input } = await setUp();
    const repository = createMessagesRepository(t.database.db);
    const stored = await repository.insertFromKnownIdentities([input({ providerMessageId: 'once' })]);
    expect(stored[0]).toBeDefined();
    const cases = await repository.insertFromKnownIdentities([
      input({ identifier: 'nobody' }),
      input({ name: 'Ana Maria Lima' }),
      input({ phoneGiven: true }),
      input({ avatarUrl: 'https://media.example.test/another-picture.jpg' }),
      input({ providerMessageId: 'once' }),
    ]);
    expect(cases).toEqual([undefined, undefined, undefined, undefined, undefined]);
    // The picture the contact has already (Viber sends it with every message) keeps the path.
    await t.database.db.execute(sql`update contacts set avatar_url = 'https://media.example.test/ana.jpg' where id = ${conversation.contactId}`);
    expect((await repository.insertFromKnownIdentities([input({ avatarUrl: 'https://media.example.test/ana.jpg' })]))[0]).toBeDefined();

    await t.request('POST', `/api/v1/conversations/${conversation.id}/close`, { token: ws.owner.token });
    expect(await repository.insertFromKnownIdentities([input()])).toEqual([undefined]);
    await t.request('POST', `/api/v1/conversations/${conversation.id}/open`, { token: ws.owner.token });
    await t.request('POST', `/api/v1/contacts/${conversation.contactId}/block`, { token: ws.owner.token });
    expect(await repository.insertFromKnownIdentities([input()])).toEqual([undefined]);
    const count = rowsOf<{ n: number }>(await t.database.db.execute(sql`select count(*)::int as n from messages where conversation_id = ${conversation.id}`))[0]!.n;
    expect(count).toBe(3);
  });

  it('through the webhook, a closed conversation is still reopened by the full path, and a new name still updates the contact', async () => {
    const { ws, channel, conversation } = await setUp();
    await t.request('POST', `/api/v1/conversations/${conversation.id}/close`, { token: ws.owner.token });
    expect((await sendInbound(t, channel.id, { identifier: 'ana', name: 'Ana Lima', text: 'again' })).statusCode).toBe(200);
    const [row] = await t.database.db.select().from(conversations).where(eq(conversations.id, conversation.id));
    expect(row!.status).toBe('open');
    await sendInbound(t, channel.id, { identifier: 'ana', name: 'Ana M. Lima', text: 'renamed' });
    const listed = await t.request('GET', `/api/v1/conversations/${conversation.id}`, { token: ws.owner.token });
    expect(listed.data.contact.name).toBe('Ana Lima');
    const contact = await t.request('GET', `/api/v1/contacts/${conversation.contactId}`, { token: ws.owner.token });
    expect(contact.data.displayName).toBe('Ana M. Lima');
  });
});
