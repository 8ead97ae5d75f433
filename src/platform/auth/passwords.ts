import { hash, verify } from '@node-rs/argon2';

/**
 * Passwords people set are at least this long (NIST SP 800-63B asks for 8 at the very least and
 * recommends more; length beats composition rules): `password` and `12345678` are refused.
 */
export const MIN_PASSWORD_LENGTH = 12;

// OWASP's argon2id minimum (19 MiB, 2 passes): about 20 ms a hash here, so logins stay cheap to serve.
const options = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export const hashPassword = (password: string) => hash(password, options);

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;
/** Spend the same time for an unknown email as for a wrong password, so timing does not reveal accounts. */
export async function verifyAgainstNothing(password: string): Promise<void> {
  dummyHash ??= hashPassword('no-such-user-password');
  await verifyPassword(await dummyHash, password);
}
