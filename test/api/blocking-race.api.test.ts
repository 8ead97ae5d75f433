import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/platform/clock.js';
import { contactActivityMonths } from '../../src/platform/db/schema.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createApiChannel, sendInbound } from './inbox-fixtures.js';

const CONTACTS = 24;
const engine = process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite';
const clock = fixedClock(new Date('2026-02-10T10:00:00Z'));
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ clock });
});
afterAll(async () => {
  await t?.close();
});

type Racer = { identifier: string; contactId: string; conversationId: string };

/** A workspace whose contacts each wrote once, the month before the race month. */
async function racers(month: { before: Date; during: Date }) {
  clock.set(month.before);
  const ws = await t.createWorkspace();
  const channel = await createApiChannel(t, ws);
  const contacts: Racer[] = [];
  for (let n = 0; n < CONTACTS; n++) {
    const identifier = `racer-${n}-${t.unique()}`;
    await sendInbound(t, channel.id, { identifier, text: 'the month before' });
    const newest = (await t.request('GET', '/api/v1/conversations?inbox=all&limit=1', { token: ws.owner.token })).data.items[0];
    contacts.push({ identifier, contactId: newest.contactId, conversationId: newest.id });
    clock.advance(1000);
  }
  clock.set(month.during);
  return { ws, channel, contacts, token: await t.login(ws.owner.email) };
}

/** Fires each contact's pair a few milliseconds apart, one way or the other, so both orders happen. */
async function race(contacts: Racer[], first: (racer: Racer) => Promise<unknown>, second: (racer: Racer) => Promise<unknown>) {
  const after = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  await Promise.all(contacts.flatMap((racer, n) => [after(n % 2 ? n % 7 : 0).then(() => first(racer)), after(n % 2 ? 0 : n % 7).then(() => second(racer))]));
}

/** The raced message of each contact: shown or hidden, and whether the contact counts in the month. */
async function outcomes(workspaceId: string, token: string, contacts: Racer[], text: string, month: string) {
  return Promise.all(
    contacts.map(async ({ contactId, conversationId }) => {
      const messages = await t.request('GET', `/api/v1/conversations/${conversationId}/messages?includeHidden=true`, { token });
      const raced = (messages.data.items as Array<{ text: string; hidden: boolean }>).find((m) => m.text === text)!;
      const counted = await t.database.db
        .select()
        .from(contactActivityMonths)
        .where(and(eq(contactActivityMonths.workspaceId, workspaceId), eq(contactActivityMonths.contactId, contactId), eq(contactActivityMonths.month, `${month}-01`)));
      return { shown: !raced.hidden, counted: counted.length === 1 };
    }),
  );
}

describe('a block racing an inbound message', () => {
  it(`is never half of each: every message is shown and counted, or hidden and not counted (${CONTACTS} races, ${engine})`, async () => {
    const { ws, channel, contacts, token } = await racers({ before: new Date('2026-02-10T10:00:00Z'), during: new Date('2026-03-10T10:00:00Z') });
    const text = 'March, racing the block';
    await race(
      contacts,
      async ({ contactId }) => expect((await t.request('POST', `/api/v1/contacts/${contactId}/block`, { token })).statusCode).toBe(200),
      async ({ identifier }) => expect((await sendInbound(t, channel.id, { identifier, text })).statusCode).toBe(200),
    );

    const results = await outcomes(ws.id, token, contacts, text, '2026-03');
    for (const outcome of results) expect(outcome.shown).toBe(outcome.counted);
    const shown = results.filter((o) => o.shown).length;
    expect((await t.request('GET', '/api/v1/usage/mac?month=2026-03', { token })).data.activeContacts).toBe(shown);
    // Whichever won each race, every contact ends blocked with its conversation closed.
    for (const { contactId } of contacts) expect(await t.services.blocking.isBlocked(ws.id, contactId)).toBe(true);
    const blockedInbox = await t.request('GET', `/api/v1/conversations?inbox=blocked&limit=${CONTACTS}`, { token });
    expect(blockedInbox.data.items.map((c: { status: string }) => c.status)).toEqual(Array(CONTACTS).fill('closed'));
  });

  it(`an unblock racing a blocked contact's flood is never half of each either (${CONTACTS} races, ${engine})`, async () => {
    const { ws, channel, contacts, token } = await racers({ before: new Date('2026-04-10T10:00:00Z'), during: new Date('2026-05-10T10:00:00Z') });
    for (const { identifier, contactId } of contacts) {
      await t.request('POST', `/api/v1/contacts/${contactId}/block`, { token });
      // Received while blocked: the flood's next messages take the one-statement path.
      await sendInbound(t, channel.id, { identifier, text: 'May, blocked' });
    }
    const text = 'May, racing the unblock';
    await race(
      contacts,
      async ({ contactId }) => expect((await t.request('POST', `/api/v1/contacts/${contactId}/unblock`, { token })).statusCode).toBe(200),
      async ({ identifier }) => expect((await sendInbound(t, channel.id, { identifier, text })).statusCode).toBe(200),
    );

    const results = await outcomes(ws.id, token, contacts, text, '2026-05');
    for (const outcome of results) expect(outcome.shown).toBe(outcome.counted);
    expect((await t.request('GET', '/api/v1/usage/mac?month=2026-05', { token })).data.activeContacts).toBe(results.filter((o) => o.shown).length);
  });
});
