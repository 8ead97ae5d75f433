import { describe, expect, it } from 'vitest';
import { createPresenceTracker, STALE_MS } from './presence.js';

const base = { userId: 'u1', workspaceId: 'w1' };

describe('presence across instances', () => {
  it('a user connected to two instances stays online until both have let go', () => {
    const presence = createPresenceTracker();
    expect(presence.apply({ ...base, instanceId: 'a', online: true }, 0)).toBe(true);
    expect(presence.apply({ ...base, instanceId: 'b', online: true }, 1)).toBe(false);
    expect(presence.apply({ ...base, instanceId: 'a', online: false }, 2)).toBe(false);
    expect(presence.isOnline('u1', 3)).toBe(true);
    expect(presence.apply({ ...base, instanceId: 'b', online: false }, 4)).toBe(true);
    expect(presence.isOnline('u1', 5)).toBe(false);
  });

  it('an instance that stops announcing is forgotten', () => {
    const presence = createPresenceTracker();
    presence.apply({ ...base, instanceId: 'a', online: true }, 0);
    expect(presence.isOnline('u1', STALE_MS - 1)).toBe(true);
    expect(presence.isOnline('u1', STALE_MS)).toBe(false);
  });

  it('lists only the asking workspace', () => {
    const presence = createPresenceTracker();
    presence.apply({ ...base, instanceId: 'a', online: true }, 0);
    presence.apply({ userId: 'u2', workspaceId: 'w2', instanceId: 'a', online: true }, 0);
    expect(presence.onlineUsers('w1', 1)).toEqual(['u1']);
  });
});
