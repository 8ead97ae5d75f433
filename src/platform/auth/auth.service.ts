import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, isNull, lt, or, sql } from 'drizzle-orm';
import { createBoundedCache } from '../bounded-cache.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/client.js';
import { loginAttempts, sessions, teamMembers, users, workspaces } from '../db/schema.js';
import { AppError } from '../errors.js';
import { decideAttempt, FORGET_AFTER_MS, recordFailure, type ThrottleDecision, throttleAddress } from './login-throttle.rules.js';
import { verifyAgainstNothing, verifyPassword } from './passwords.js';

export const SESSION_COOKIE = 'sb_session';
const SESSION_MS = 30 * 24 * 3600_000;

export type AuthUser = typeof users.$inferSelect;
/** The caller of a request, loaded in one query: its user, workspace and team ids. */
export type Principal = {
  user: AuthUser;
  workspaceId: string;
  tokenHash: string;
  workspace: { id: string; name: string; settings: Record<string, unknown> };
  teamIds: string[];
};

export type PublicUser = ReturnType<typeof publicUser>;

/** A user as the API shows it: never its password hash. */
export const publicUser = (user: Pick<AuthUser, 'id' | 'email' | 'name' | 'role' | 'language' | 'createdAt'>) => ({
  id: user.id,
  email: user.email,
  name: user.name,
  role: user.role,
  language: user.language,
  createdAt: user.createdAt,
});

export const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url');

export type AuthService = ReturnType<typeof createAuthService>;

/**
 * Principals are kept for a few seconds so a busy client costs no query per request. Every change
 * that could alter one (logout, revocation, a user, team or workspace change) evicts it at once on
 * this instance and, through the bus, on every other; the TTL only bounds a lost event.
 */
const PRINCIPAL_TTL_MS = 5_000;
const MAX_PRINCIPALS = 10_000;

type CachedPrincipal = { principal: Principal; expiresAt: Date };

export function createAuthService({ db, clock }: { db: Db; clock: Clock }) {
  const principals = createBoundedCache<string, CachedPrincipal>({ max: MAX_PRINCIPALS, ttlMs: PRINCIPAL_TTL_MS });

  async function createSession(user: AuthUser): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const now = clock.now();
    await db.insert(sessions).values({
      tokenHash: hashToken(token),
      workspaceId: user.workspaceId,
      userId: user.id,
      createdAt: now,
      expiresAt: new Date(now.getTime() + SESSION_MS),
    });
    return token;
  }

  /**
   * Counts the attempt before its password is checked, under the row's lock, so concurrent
   * guesses are counted one by one and only those the rules allow are checked. A right password
   * clears the count afterwards.
   */
  function countAttempt(email: string, address: string, now: Date): Promise<ThrottleDecision> {
    return db.transaction(async (tx) => {
      const key = and(eq(loginAttempts.email, email), eq(loginAttempts.address, address));
      await tx.insert(loginAttempts).values({ email, address, failures: 0, lastFailureAt: now }).onConflictDoNothing();
      const [state] = await tx.select().from(loginAttempts).where(key).for('update');
      await tx.update(loginAttempts).set(recordFailure(state, now)).where(key);
      return decideAttempt(state, now);
    });
  }

  return {
    createSession,

    /**
     * Throttled per account and client address (`clientAddress`: the request's, as the trusted
     * proxies tell it): guesses from one place slow down and then lock that place out, while the
     * real user, elsewhere, still gets in with the right password.
     */
    async login(emailInput: string, password: string, clientAddress: string): Promise<{ token: string; user: AuthUser }> {
      const email = emailInput.trim().toLowerCase();
      const address = throttleAddress(clientAddress);
      const decision = await countAttempt(email, address, clock.now());
      if (!decision.allowed) {
        throw new AppError(429, decision.code, 'Too many failed logins: try again later', {
          retryAfterSeconds: decision.retryAfterSeconds,
        });
      }
      const [user] = await db.select().from(users).where(eq(users.email, email));
      const ok = user ? await verifyPassword(user.passwordHash, password) : (await verifyAgainstNothing(password), false);
      if (!user || !ok) throw new AppError(401, 'invalid_credentials', 'Email or password is wrong');
      await db.delete(loginAttempts).where(and(eq(loginAttempts.email, email), eq(loginAttempts.address, address)));
      return { token: await createSession(user), user };
    },

    /** Throttling state nobody needs any more: quiet long enough to be forgotten, and not locked. */
    async forgetQuietLoginAttempts(): Promise<void> {
      const now = clock.now();
      await db
        .delete(loginAttempts)
        .where(
          and(
            lt(loginAttempts.lastFailureAt, new Date(now.getTime() - FORGET_AFTER_MS)),
            or(isNull(loginAttempts.lockedUntil), lt(loginAttempts.lockedUntil, now)),
          ),
        );
    },

    async authenticate(token: string): Promise<Principal | undefined> {
      const tokenHash = hashToken(token);
      const cached = principals.get(tokenHash);
      if (cached && cached.expiresAt > clock.now()) return cached.principal;
      const [row] = await db
        .select({
          user: users,
          expiresAt: sessions.expiresAt,
          workspace: { id: workspaces.id, name: workspaces.name, settings: workspaces.settings },
          teamIds: sql<string[]>`array(select ${teamMembers.teamId}::text from ${teamMembers}
            where ${teamMembers.workspaceId} = ${users.workspaceId} and ${teamMembers.userId} = ${users.id})`,
        })
        .from(sessions)
        .innerJoin(users, eq(users.id, sessions.userId))
        .innerJoin(workspaces, eq(workspaces.id, users.workspaceId))
        .where(and(eq(sessions.tokenHash, tokenHash), gt(sessions.expiresAt, clock.now())));
      if (!row) return undefined;
      const { expiresAt, ...loaded } = row;
      const principal: Principal = { ...loaded, workspaceId: row.user.workspaceId, tokenHash };
      principals.set(tokenHash, { principal, expiresAt });
      return principal;
    },

    /** A user, team or workspace of this workspace changed, or sessions were revoked: read principals afresh. */
    forgetWorkspace(workspaceId: string): void {
      principals.deleteWhere((entry) => entry.principal.workspaceId === workspaceId);
    },

    async logout(tokenHash: string): Promise<void> {
      principals.delete(tokenHash);
      await db.delete(sessions).where(eq(sessions.tokenHash, tokenHash));
    },

    /** Sign a user out everywhere, but for the session that asked (when given). */
    async revokeUserSessions(userId: string, exceptTokenHash?: string): Promise<void> {
      principals.deleteWhere((entry, tokenHash) => entry.principal.user.id === userId && tokenHash !== exceptTokenHash);
      await db
        .delete(sessions)
        .where(
          exceptTokenHash
            ? and(eq(sessions.userId, userId), sql`${sessions.tokenHash} <> ${exceptTokenHash}`)
            : eq(sessions.userId, userId),
        );
    },
  };
}
