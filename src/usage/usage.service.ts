import { and, count, eq, gte, lt, sql } from 'drizzle-orm';
import { createBoundedCache } from '../platform/bounded-cache.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db/client.js';
import { contactActivityMonths } from '../platform/db/schema.js';
import type { Actor } from '../platform/auth/permissions.js';
import { monthOf, monthRange } from './usage-month.rules.js';

export type UsageService = ReturnType<typeof createUsageService>;

/** How many (contact, month) pairs an instance remembers as counted: a month's active contacts of a busy workspace. */
const COUNTED_KEPT = 100_000;

export function createUsageService({ db, clock }: { db: Db; clock: Clock }) {
  /**
   * Pairs known to be stored (committed; the rows are never deleted), so a contact's next message
   * that month costs no statement. Forgetting one only costs an insert that changes nothing.
   */
  const counted = createBoundedCache<string, true>({ max: COUNTED_KEPT });
  const keyOf = (input: { workspaceId: string; contactId: string; at: Date }) => `${input.workspaceId}:${input.contactId}:${monthOf(input.at)}`;

  return {
    /**
     * Count the contact as active in the month of `at`. Call it inside the transaction that stores
     * the message, after checking the contact is not blocked under a row lock, so a message is
     * never shown without being counted (nor counted while hidden).
     */
    async recordActivity(tx: Db, input: { workspaceId: string; contactId: string; at: Date }): Promise<void> {
      if (counted.has(keyOf(input))) return;
      await tx
        .insert(contactActivityMonths)
        .values({ workspaceId: input.workspaceId, contactId: input.contactId, month: monthOf(input.at) })
        .onConflictDoNothing();
    },

    /** Call after the transaction of `recordActivity` committed: the pair is stored for good. */
    rememberActivity(input: { workspaceId: string; contactId: string; at: Date }) {
      counted.set(keyOf(input), true);
    },

    async monthlyActiveContacts(actor: Actor, month?: string) {
      const chosen = month ?? clock.now().toISOString().slice(0, 7);
      const { start } = monthRange(chosen);
      const [row] = await db
        .select({ n: count() })
        .from(contactActivityMonths)
        .where(and(eq(contactActivityMonths.workspaceId, actor.workspaceId), eq(contactActivityMonths.month, start)));
      return { month: chosen, activeContacts: row?.n ?? 0 };
    },

    /** The last `months` calendar months, newest first, months without activity included. */
    async history(actor: Actor, months: number) {
      const now = clock.now();
      const wanted = Array.from({ length: months }, (_, i) =>
        new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 1)).toISOString().slice(0, 7),
      );
      const rows = await db
        .select({ month: sql<string>`to_char(${contactActivityMonths.month}, 'YYYY-MM')`, n: count() })
        .from(contactActivityMonths)
        .where(
          and(
            eq(contactActivityMonths.workspaceId, actor.workspaceId),
            gte(contactActivityMonths.month, monthRange(wanted[wanted.length - 1]!).start),
            lt(contactActivityMonths.month, monthRange(wanted[0]!).next),
          ),
        )
        .groupBy(contactActivityMonths.month);
      const counts = new Map(rows.map((r) => [r.month, r.n]));
      return { items: wanted.map((month) => ({ month, activeContacts: counts.get(month) ?? 0 })) };
    },
  };
}
