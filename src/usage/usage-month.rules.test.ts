import { describe, expect, it } from 'vitest';
import { monthOf, monthRange, MONTH_PATTERN } from './usage-month.rules.js';

describe('calendar months in UTC', () => {
  it.each([
    ['2026-03-01T00:00:00Z', '2026-03-01'],
    ['2026-03-31T23:59:59.999Z', '2026-03-01'],
    ['2026-04-01T00:00:00Z', '2026-04-01'],
    // 23:30 on 31 March in New York is already April in UTC.
    ['2026-03-31T23:30:00-04:00', '2026-04-01'],
  ])('%s falls in the month of %s', (at, month) => {
    expect(monthOf(new Date(at))).toBe(month);
  });

  it.each([
    ['2026-01', { start: '2026-01-01', next: '2026-02-01' }],
    ['2026-12', { start: '2026-12-01', next: '2027-01-01' }],
  ])('%s spans %o', (month, range) => {
    expect(monthRange(month)).toEqual(range);
  });

  it.each(['2026-3', '2026-13', '26-03', '2026-03-01', 'march'])('refuses %s as a month', (month) => {
    expect(MONTH_PATTERN.test(month)).toBe(false);
  });
});
