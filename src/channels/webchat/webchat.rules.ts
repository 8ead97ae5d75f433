import { createHmac } from 'node:crypto';
import { normaliseOrigin } from '../../platform/auth/origin.rules.js';
import { sameBytes } from '../../platform/constant-time.js';

/**
 * Whether a page of `origin` may use the channel's widget: one of `allowedOrigins` (an empty list
 * allows every origin, SPEC §7), or the server's own (Settings' live preview). A request without
 * an Origin is not a browser's widget: refused.
 */
export function originAllowed(origin: string | undefined, allowedOrigins: readonly string[], ownOrigin: string): boolean {
  if (!origin) return false;
  const normalised = normaliseOrigin(origin);
  if (!normalised || normalised !== origin.replace(/\/$/, '')) return false;
  if (normalised === ownOrigin) return true;
  return allowedOrigins.length === 0 || allowedOrigins.includes(normalised);
}

/** A visitor as its token carries it: the channel, its identity there, and what the pre-chat form gave. */
export type Visitor = { channelId: string; identifier: string; name?: string; email?: string; signed: boolean };

const hmac = (key: Buffer | string, text: string) => createHmac('sha256', key).update(text).digest();

/**
 * The visitor's token: its identity, signed with the server's key, so a widget can only speak as
 * the visitor the server made it (and on the channel it was made for). It carries no expiry: a
 * visitor coming back a month later is the same contact.
 */
export function signVisitorToken(key: Buffer, visitor: Visitor): string {
  const payload = Buffer.from(JSON.stringify({ c: visitor.channelId, i: visitor.identifier, n: visitor.name, e: visitor.email, s: visitor.signed ? 1 : 0 })).toString(
    'base64url',
  );
  return `${payload}.${hmac(key, payload).toString('base64url')}`;
}

export function verifyVisitorToken(key: Buffer, token: string | undefined, channelId: string): Visitor | undefined {
  if (!token || token.length > 4000) return undefined;
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined) return undefined;
  if (!sameBytes(Buffer.from(signature, 'base64url'), hmac(key, payload))) return undefined;
  try {
    const data = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { c?: unknown; i?: unknown; n?: unknown; e?: unknown; s?: unknown };
    if (data.c !== channelId || typeof data.i !== 'string') return undefined;
    return {
      channelId,
      identifier: data.i,
      name: typeof data.n === 'string' ? data.n : undefined,
      email: typeof data.e === 'string' ? data.e : undefined,
      signed: data.s === 1,
    };
  } catch {
    return undefined;
  }
}

/** The signature a site gives with its logged-in user's id: hex HMAC-SHA256 of the id under the channel's identity secret. */
export function identitySignature(secret: string, userId: string): string {
  return hmac(secret, userId).toString('hex');
}

export function identitySignatureValid(secret: string, userId: string, signature: string): boolean {
  if (!/^[0-9a-fA-F]{64}$/.test(signature)) return false;
  return sameBytes(Buffer.from(signature.toLowerCase(), 'hex'), hmac(secret, userId));
}

export type OpeningHours = { timezone: string; openDays: readonly number[]; opensAt: string; closesAt: string };

/** The weekday (1 Monday … 7 Sunday) and minute of the day at `at` in `timezone`. */
function localTime(at: Date, timezone: string) {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: timezone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const day = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(part('weekday')) + 1;
  return { day, minute: Number(part('hour')) * 60 + Number(part('minute')) };
}

const minutesOf = (clock: string) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));

/**
 * Whether the team's hours include `now`, and if not, when they next begin (to the minute,
 * found by walking forward: daylight-saving shifts need no special case). No open day: never.
 */
export function openingState(hours: OpeningHours, now: Date): { open: boolean; nextOpenAt: Date | null } {
  const opens = minutesOf(hours.opensAt);
  const closes = minutesOf(hours.closesAt);
  const isOpen = (at: Date) => {
    const { day, minute } = localTime(at, hours.timezone);
    return hours.openDays.includes(day) && minute >= opens && minute < closes;
  };
  if (isOpen(now)) return { open: true, nextOpenAt: null };
  if (hours.openDays.length === 0 || opens >= closes) return { open: false, nextOpenAt: null };
  const start = new Date(Math.ceil(now.getTime() / 60_000) * 60_000);
  // Quarter hours first (opening times are rarely odd minutes), then the exact minute.
  for (let step = 0; step < 8 * 24 * 4; step++) {
    const at = new Date(start.getTime() + step * 15 * 60_000);
    if (!isOpen(at)) continue;
    let exact = at;
    for (let back = 1; back < 15; back++) {
      const earlier = new Date(at.getTime() - back * 60_000);
      if (earlier < start || !isOpen(earlier)) break;
      exact = earlier;
    }
    return { open: false, nextOpenAt: exact };
  }
  return { open: false, nextOpenAt: null };
}

/** A fixed window of `limit` events per `windowMs` per key: answers the milliseconds to wait, 0 when allowed. */
export function createRateLimiter(options: { limit: number; windowMs: number; maxKeys?: number }) {
  const windows = new Map<string, { start: number; count: number }>();
  const maxKeys = options.maxKeys ?? 100_000;
  return (key: string, now: number): number => {
    let window = windows.get(key);
    if (!window || now - window.start >= options.windowMs) {
      if (!window && windows.size >= maxKeys) {
        // Forget the oldest: a flood of new keys bounds memory, not the rate of anyone already counted.
        const oldest = windows.keys().next().value;
        if (oldest !== undefined) windows.delete(oldest);
      }
      window = { start: now, count: 0 };
      windows.delete(key);
      windows.set(key, window);
    }
    window.count++;
    return window.count > options.limit ? window.start + options.windowMs - now : 0;
  };
}
