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

describe('message search, both of its steps', () => {
  it('finds the same conversations, in the same order, whether the newest ones hold the words or only the index does', async () => {
    const ws = await t.createWorkspace();
    const channel = await createApiChannel(t, ws);
    // Twelve conversations; "parcel" in every third, "refund" in all but one, "zebra" in the oldest only.
    for (let n = 1; n <= 12; n++) {
      clock.advance(1000);
      const words = [n % 3 === 0 ? 'parcel' : 'hello', n === 7 ? 'thanks' : 'refund', n === 1 ? 'zebra' : 'again'];
      await sendInbound(t, channel.id, { identifier: `search-${n}`, name: `Customer ${n}`, text: words.join(' ') });
    }
    const search = (recentWindow: number, q: string, limit: number) =>
      createConversationsRepository(t.database.db, { recentWindow })
        .list(ws.id, { search: { text: q, configs: ['simple'], contact: null } }, ws.owner.id, limit)
        .then((rows) => rows.map((row) => row.conversation.id));

    for (const [q, limit] of [['parcel', 3], ['parcel', 10], ['refund', 5], ['zebra', 2], ['nothing', 5]] as const) {
      const exhaustive = await search(1000, q, limit);
      // A window of 2 makes every query but the commonest go on to the index step.
      expect(await search(2, q, limit)).toEqual(exhaustive);
      expect(await search(6, q, limit)).toEqual(exhaustive);
    }
    expect(await search(2, 'parcel', 10)).toHaveLength(4);
    expect(await search(2, 'zebra', 2)).toHaveLength(1);
  });
});
