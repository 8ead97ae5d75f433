import ipaddr from 'ipaddr.js';

/** Failures before each further attempt has to wait, doubling each time. */
export const SLOWDOWN_AFTER = 5;
/** Failures that lock the account for LOCK_MS. */
export const LOCK_AFTER = 10;
export const LOCK_MS = 15 * 60_000;
/** A quiet spell this long forgets earlier failures. */
export const FORGET_AFTER_MS = 15 * 60_000;

export type ThrottleState = { failures: number; lastFailureAt: Date; lockedUntil: Date | null };

export type ThrottleDecision =
  | { allowed: true }
  | { allowed: false; code: 'login_throttled' | 'account_locked'; retryAfterSeconds: number };

function effective(state: ThrottleState | undefined, now: Date): ThrottleState | undefined {
  if (!state) return undefined;
  const locked = state.lockedUntil && state.lockedUntil > now;
  if (!locked && now.getTime() - state.lastFailureAt.getTime() > FORGET_AFTER_MS) return undefined;
  return state;
}

/** May a login attempt for this email, from this address, be checked at all right now? */
export function decideAttempt(state: ThrottleState | undefined, now: Date): ThrottleDecision {
  const current = effective(state, now);
  if (!current) return { allowed: true };
  if (current.lockedUntil && current.lockedUntil > now) {
    return { allowed: false, code: 'account_locked', retryAfterSeconds: secondsUntil(current.lockedUntil, now) };
  }
  if (current.failures >= SLOWDOWN_AFTER) {
    const waitMs = 1000 * 2 ** (current.failures - SLOWDOWN_AFTER);
    const allowedAt = new Date(current.lastFailureAt.getTime() + waitMs);
    if (allowedAt > now) return { allowed: false, code: 'login_throttled', retryAfterSeconds: secondsUntil(allowedAt, now) };
  }
  return { allowed: true };
}

/** The state after one more attempt counted against the account at this address (each is, before its password is checked). */
export function recordFailure(state: ThrottleState | undefined, now: Date): ThrottleState {
  const failures = (effective(state, now)?.failures ?? 0) + 1;
  return {
    failures,
    lastFailureAt: now,
    lockedUntil: failures >= LOCK_AFTER ? new Date(now.getTime() + LOCK_MS) : null,
  };
}

const secondsUntil = (date: Date, now: Date) => Math.max(1, Math.ceil((date.getTime() - now.getTime()) / 1000));

/**
 * The address a client's attempts are counted under: IPv4 as it is (an IPv4-mapped IPv6 address
 * too), IPv6 by its /64, which one household or server is given whole: a new address from the
 * same network is no fresh start.
 */
export function throttleAddress(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const ipv6 = parsed as ipaddr.IPv6;
  if (ipv6.isIPv4MappedAddress()) return ipv6.toIPv4Address().toString();
  return `${new ipaddr.IPv6([...ipv6.parts.slice(0, 4), 0, 0, 0, 0]).toString()}/64`;
}
