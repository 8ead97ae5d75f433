import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from './db/client.js';
import { serverSecrets } from './db/schema.js';

export type ServerSecrets = ReturnType<typeof createServerSecrets>;

/**
 * Keys the server makes on first use and keeps in the database, so every instance and every
 * restart signs with the same one, with nothing to configure. The first instance to insert wins.
 */
export function createServerSecrets(db: Db) {
  const cache = new Map<string, Promise<Buffer>>();

  async function load(name: string): Promise<Buffer> {
    await db
      .insert(serverSecrets)
      .values({ name, value: randomBytes(32).toString('base64url') })
      .onConflictDoNothing();
    const [row] = await db.select().from(serverSecrets).where(eq(serverSecrets.name, name));
    return Buffer.from(row!.value, 'base64url');
  }

  return {
    get(name: string): Promise<Buffer> {
      let secret = cache.get(name);
      if (!secret) {
        secret = load(name);
        // A failed read is tried again next time rather than remembered.
        secret.catch(() => cache.delete(name));
        cache.set(name, secret);
      }
      return secret;
    },
  };
}
