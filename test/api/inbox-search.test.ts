import { sql } from 'drizzle-orm';
import { searchTerms } from '../../src/contacts/contact-search.rules.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConversationsRepository } from '../../src/conversations/conversations.repository.js';
import { fixedClock } from '../../src/platform/clock.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createApiChannel, sendInbound } from './inbox-fixtures.js';

const clock = fixedClock(new Date('2026-04-01T09:00:00Z'));
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ clock });
});
afterAll(() => t?.close());

describe('message search, each of its steps', () => {
  it('finds the same conversations, in the same order, whichever step finds them: the newest ones, the walk or the index', async () => {
    const ws = await t.createWorkspace();
    const channel = await createApiChannel(t, ws);
    // Twelve conversations; "parcel" in every third, "refund" in all but one, "zebra" in the oldest only.
    for (let n = 1; n <= 12; n++) {
      clock.advance(1000);
      const words = [n % 3 === 0 ? 'parcel' : 'hello', n === 7 ? 'thanks' : 'refund', n === 1 ? 'zebra' : 'again'];
      await sendInbound(t, channel.id, { identifier: `search-${n}`, name: `Customer ${n}`, text: words.join(' ') });
    }
    await t.database.db.execute(sql`analyze messages`);
    const search = (options: { recentWindow: number; commonShare?: number }, q: string, limit: number) =>
      createConversationsRepository(t.database.db, options)
        .list(ws.id, { search: { text: q, configs: ['simple'], contact: null } }, ws.owner.id, limit)
        .then((rows) => rows.map((row) => row.conversation.id));

    for (const [q, limit] of [['parcel', 3], ['parcel', 10], ['refund', 5], ['zebra', 2], ['nothing', 5]] as const) {
      const inOneStep = await search({ recentWindow: 1000 }, q, limit);
      // A window of 2 sends every query but the commonest on, to the walk (every word common) or to the index (none).
      expect(await search({ recentWindow: 2, commonShare: 0 }, q, limit)).toEqual(inOneStep);
      expect(await search({ recentWindow: 2, commonShare: 2 }, q, limit)).toEqual(inOneStep);
      expect(await search({ recentWindow: 6 }, q, limit)).toEqual(inOneStep);
    }
    expect(await search({ recentWindow: 2, commonShare: 2 }, 'parcel', 10)).toHaveLength(4);
    expect(await search({ recentWindow: 2, commonShare: 0 }, 'zebra', 2)).toHaveLength(1);

    // A filter that only the oldest matches pass: the index step widens its candidates until it finds them.
    const refunds = await search({ recentWindow: 1000 }, 'refund', 12);
    const oldest = refunds.slice(-3);
    for (const id of oldest) expect((await t.request('POST', `/api/v1/conversations/${id}/close`, { token: ws.owner.token })).statusCode).toBe(200);
    const closed = (options: { recentWindow: number; commonShare?: number }) =>
      createConversationsRepository(t.database.db, options)
        .list(ws.id, { status: 'closed', search: { text: 'refund', configs: ['simple'], contact: null } }, ws.owner.id, 1)
        .then((rows) => rows.map((row) => row.conversation.id));
    expect(await closed({ recentWindow: 1000 })).toEqual([oldest[0]]);
    expect(await closed({ recentWindow: 2, commonShare: 2 })).toEqual([oldest[0]]);
  });

  it('finds contacts by name the same way whether few or many match', async () => {
    const ws = await t.createWorkspace();
    const channel = await createApiChannel(t, ws);
    for (let n = 1; n <= 6; n++) {
      clock.advance(1000);
      await sendInbound(t, channel.id, { identifier: `name-${n}`, name: n % 2 ? `Anna Schmidt ${n}` : `Ben Weiss ${n}`, text: 'hello' });
    }
    const byName = (fewContacts: number, limit: number) =>
      createConversationsRepository(t.database.db, { fewContacts })
        .list(ws.id, { search: { text: 'schmidt', configs: ['simple'], contact: searchTerms('schmidt') } }, ws.owner.id, limit)
        .then((rows) => rows.map((row) => row.contact.lastName));
    expect(await byName(2000, 10)).toEqual(['Schmidt 5', 'Schmidt 3', 'Schmidt 1']);
    // One contact at most looked up directly: three match, so the inbox is walked instead.
    expect(await byName(1, 10)).toEqual(['Schmidt 5', 'Schmidt 3', 'Schmidt 1']);
    expect(await byName(1, 2)).toEqual(['Schmidt 5', 'Schmidt 3']);
  });
});
