import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/platform/clock.js';
import { contactActivityMonths } from '../../src/platform/db/schema.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createApiChannel, sendInbound } from './inbox-fixtures.js';

const CONTACTS = 24;
const clock = fixedClock(new Date('2026-02-10T10:00:00Z'));
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ clock });
});
afterAll(async () => {
  await t?.close();
});

describe('a block racing an inbound message', () => {
  it(`is never half of each: every message is shown and counted, or hidden and not counted (${CONTACTS} races, ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, async () => {
    const ws = await t.createWorkspace();
    const channel = await createApiChannel(t, ws);
    // Each contact wrote in February, so March starts with none of them counted.
    const contacts: Array<{ identifier: string; contactId: string; conversationId: string }> = [];
    for (let n = 0; n < CONTACTS; n++) {
      const identifier = `racer-${n}-${t.unique()}`;
      await sendInbound(t, channel.id, { identifier, text: 'February' });
      const newest = (await t.request('GET', '/api/v1/conversations?inbox=all&limit=1', { token: ws.owner.token })).data.items[0];
      contacts.push({ identifier, contactId: newest.contactId, conversationId: newest.id });
      clock.advance(1000);
    }

    clock.set(new Date('2026-03-10T10:00:00Z'));
    const token = await t.login(ws.owner.email);
    // Each pair starts a few milliseconds apart, one way or the other, so both orders happen.
    const after = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    await Promise.all(
      contacts.flatMap(({ identifier, contactId }, n) => [
        after(n % 2 ? n % 7 : 0)
          .then(() => t.request('POST', `/api/v1/contacts/${contactId}/block`, { token }))
          .then((r) => expect(r.statusCode).toBe(200)),
        after(n % 2 ? 0 : n % 7)
          .then(() => sendInbound(t, channel.id, { identifier, text: 'March, racing the block' }))
          .then((r) => expect(r.statusCode).toBe(200)),
      ]),
    );

    const outcomes = await Promise.all(
      contacts.map(async ({ contactId, conversationId }) => {
        const messages = await t.request('GET', `/api/v1/conversations/${conversationId}/messages?includeHidden=true`, { token });
        const raced = (messages.data.items as Array<{ text: string; hidden: boolean }>).find((m) => m.text === 'March, racing the block')!;
        const counted = await t.database.db
          .select()
          .from(contactActivityMonths)
          .where(and(eq(contactActivityMonths.workspaceId, ws.id), eq(contactActivityMonths.contactId, contactId), eq(contactActivityMonths.month, '2026-03-01')));
        return { shown: !raced.hidden, counted: counted.length === 1 };
      }),
    );
    for (const outcome of outcomes) expect(outcome.shown).toBe(outcome.counted);
    const shown = outcomes.filter((o) => o.shown).length;
    expect((await t.request('GET', '/api/v1/usage/mac?month=2026-03', { token })).data.activeContacts).toBe(shown);
    // Whichever won each race, every contact ends blocked with its conversation closed.
    for (const { contactId } of contacts) expect(await t.services.blocking.isBlocked(ws.id, contactId)).toBe(true);
    const blockedInbox = await t.request('GET', `/api/v1/conversations?inbox=blocked&limit=${CONTACTS}`, { token });
    expect(blockedInbox.data.items.map((c: { status: string }) => c.status)).toEqual(Array(CONTACTS).fill('closed'));
  });
});
