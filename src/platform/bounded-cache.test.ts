import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBoundedCache } from './bounded-cache.js';

describe('bounded cache', () => {
  beforeEach(() => vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') }));
  afterEach(() => vi.useRealTimers());

  it('forgets an entry once its time is up', () => {
    const cache = createBoundedCache<string, number>({ max: 10, ttlMs: 5000 });
    cache.set('a', 1);
    vi.advanceTimersByTime(4999);
    expect(cache.get('a')).toBe(1);
    vi.advanceTimersByTime(1);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('drops the oldest entry beyond max; setting again makes an entry the newest', () => {
    const cache = createBoundedCache<string, boolean>({ max: 2 });
    cache.set('a', true);
    cache.set('b', true);
    cache.set('a', true);
    cache.set('c', true);
    expect([cache.has('a'), cache.has('b'), cache.has('c')]).toEqual([true, false, true]);
  });

  it('deletes one entry, or every entry that matches', () => {
    const cache = createBoundedCache<string, { workspace: string }>({ max: 10, ttlMs: 5000 });
    cache.set('a', { workspace: 'w1' });
    cache.set('b', { workspace: 'w2' });
    cache.set('c', { workspace: 'w1' });
    cache.delete('b');
    expect(cache.get('b')).toBeUndefined();
    cache.deleteWhere((value) => value.workspace === 'w1');
    expect(cache.size).toBe(0);
  });
});
