import { describe, expect, it } from 'vitest';
import { decideAttempt, LOCK_AFTER, recordFailure, throttleAddress, type ThrottleState } from './login-throttle.rules.js';

const t0 = new Date('2026-01-01T00:00:00Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

function failures(count: number, everySeconds = 0): ThrottleState | undefined {
  let state: ThrottleState | undefined;
  for (let i = 0; i < count; i++) state = recordFailure(state, at(i * everySeconds));
  return state;
}

describe('login throttling', () => {
  it.each([
    { name: 'no failures', state: undefined, now: at(0), expected: { allowed: true } },
    { name: 'four quick failures', state: failures(4), now: at(0), expected: { allowed: true } },
    {
      name: 'five quick failures wait a second',
      state: failures(5),
      now: at(0),
      expected: { allowed: false, code: 'login_throttled', retryAfterSeconds: 1 },
    },
    { name: 'five failures, a second later', state: failures(5), now: at(1), expected: { allowed: true } },
    {
      name: 'eight failures wait eight seconds',
      state: failures(8),
      now: at(3),
      expected: { allowed: false, code: 'login_throttled', retryAfterSeconds: 5 },
    },
    {
      name: 'ten failures lock for fifteen minutes',
      state: failures(LOCK_AFTER),
      now: at(60),
      expected: { allowed: false, code: 'account_locked', retryAfterSeconds: 840 },
    },
    { name: 'the lock ends', state: failures(LOCK_AFTER), now: at(901), expected: { allowed: true } },
    { name: 'old failures are forgotten', state: failures(9), now: at(16 * 60), expected: { allowed: true } },
  ])('$name', ({ state, now, expected }) => {
    expect(decideAttempt(state, now)).toEqual(expected);
  });

  it('counts failures afresh after a quiet spell', () => {
    const old = failures(9);
    expect(recordFailure(old, at(20 * 60)).failures).toBe(1);
  });
});

describe('the address attempts are counted under', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
    ['2001:db8:1:3::1', '2001:db8:1:3::/64'],
    ['::1', '::/64'],
    ['not an address', 'not an address'],
  ])('%s counts as %s', (address, expected) => {
    expect(throttleAddress(address)).toBe(expected);
  });
});
