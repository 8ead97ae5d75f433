import { describe, expect, it } from 'vitest';
import { createPresenceClock } from '../../web/src/realtime/presence.js';

describe('since when a user is online, as the browser sees it', () => {
  it('users online when the tab connects count as online for long; those coming online later, from then', () => {
    const presence = createPresenceClock();
    presence.connected(['ann']);
    expect(presence.onlineSince('ann')).toEqual(new Date(0));
    const at = new Date('2026-03-02T12:00:00Z');
    presence.changed('bob', true, at);
    expect(presence.onlineSince('bob')).toEqual(at);
    presence.changed('bob', true, new Date('2026-03-02T12:05:00Z'));
    expect(presence.onlineSince('bob')).toEqual(at);
  });

  it('going offline forgets the moment; a reconnection keeps it for those still online', () => {
    const presence = createPresenceClock();
    const at = new Date('2026-03-02T12:00:00Z');
    presence.changed('ann', true, at);
    presence.changed('bob', true, at);
    presence.changed('bob', false, at);
    expect(presence.onlineSince('bob')).toBeNull();
    presence.connected(['ann', 'cem']);
    expect(presence.onlineSince('ann')).toEqual(at);
    expect(presence.onlineSince('cem')).toEqual(new Date(0));
    presence.connected([]);
    expect(presence.onlineSince('ann')).toBeNull();
  });
});
