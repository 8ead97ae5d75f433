import { and, eq } from 'drizzle-orm';
import type { Db } from '../platform/db/client.js';
import { contacts } from '../platform/db/schema.js';

/** The blocking state of a contact (its `blocked_at` and `quarantined_at`), which this domain alone writes. */
export type ContactState = { id: string; blockedAt: Date | null; quarantinedAt: Date | null };

const stateColumns = { id: contacts.id, blockedAt: contacts.blockedAt, quarantinedAt: contacts.quarantinedAt };

export function createBlockingRepository(db: Db) {
  return {
    async find(workspaceId: string, contactId: string): Promise<ContactState | undefined> {
      const [row] = await db
        .select(stateColumns)
        .from(contacts)
        .where(and(eq(contacts.workspaceId, workspaceId), eq(contacts.id, contactId)));
      return row;
    },

    /**
     * Held until the transaction ends. An inbound message share-locks the same row while it is
     * stored and counted, so a block waits for it, and it for the block: never half of each.
     */
    async lock(workspaceId: string, contactId: string): Promise<ContactState | undefined> {
      const [row] = await db
        .select(stateColumns)
        .from(contacts)
        .where(and(eq(contacts.workspaceId, workspaceId), eq(contacts.id, contactId)))
        .for('update');
      return row;
    },

    async update(workspaceId: string, contactId: string, patch: { blockedAt?: Date | null; quarantinedAt?: Date | null }, at: Date) {
      await db
        .update(contacts)
        .set({ ...patch, updatedAt: at })
        .where(and(eq(contacts.workspaceId, workspaceId), eq(contacts.id, contactId)));
    },
  };
}
