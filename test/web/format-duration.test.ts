import { describe, expect, it } from 'vitest';
import { formatDuration } from '../../web/src/dashboard/format-duration.js';

describe('durations on the dashboard', () => {
  it.each([
    [45, 'en', '45 sec'],
    [360, 'en', '6 min'],
    [7500, 'en', '2 hr 5 min'],
    [7200, 'de', '2 Std.'],
    [273_600, 'en', '3 days 4 hr'],
  ])('%i seconds in %s read “%s”', (seconds, language, text) => {
    expect(formatDuration(seconds, language).replace(/\u00a0/g, ' ')).toBe(text);
  });
});
