import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannelState } from '../../src/channels/channel-state.js';
import { fixedClock } from '../../src/platform/clock.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createApiChannel } from './inbox-fixtures.js';

const clock = fixedClock(new Date('2026-06-01T09:00:00Z'));
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ clock });
});
afterAll(() => t?.close());

describe('state a provider keeps per channel, shared by every process', () => {
  it('counts atomically: increments made at once are all counted', async () => {
    const ws = await t.createWorkspace();
    const channel = await createApiChannel(t, ws);
    // Two stores over one database stand for two server processes.
    const [a, b] = [createChannelState(t.database.db, clock).storeFor(ws.id, channel.id), createChannelState(t.database.db, clock).storeFor(ws.id, channel.id)];
    const results = await Promise.all(Array.from({ length: 20 }, (_, n) => (n % 2 ? a : b).increment('viber.month.2026-06')));
    expect(results.sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, n) => n + 1));
    expect(await b.get('viber.month.2026-06')).toBe(20);
  });

  it('a value past its expiry reads as absent; a count past it starts again', async () => {
    const ws = await t.createWorkspace();
    const channel = await createApiChannel(t, ws);
    const store = createChannelState(t.database.db, clock).storeFor(ws.id, channel.id);
    await store.set('wechat.accessToken', { token: 'abc' }, { expiresAt: new Date(clock.now().getTime() + 7_200_000) });
    await store.set('counter', 5, { expiresAt: new Date(clock.now().getTime() + 1000) });
    expect(await store.get('wechat.accessToken')).toEqual({ token: 'abc' });
    clock.advance(7_200_000);
    expect(await store.get('wechat.accessToken')).toBeUndefined();
    expect(await store.increment('counter')).toBe(1);
    expect(await store.get('counter')).toBe(1);
  });

  it('is the channel’s own: another channel, or a removed one, has none of it', async () => {
    const ws = await t.createWorkspace();
    const [one, two] = [await createApiChannel(t, ws), await createApiChannel(t, ws)];
    const state = createChannelState(t.database.db, clock);
    await state.storeFor(ws.id, one.id).set('key', 'one');
    expect(await state.storeFor(ws.id, two.id).get('key')).toBeUndefined();
    await t.request('DELETE', `/api/v1/channels/${one.id}`, { token: ws.owner.token });
    expect(await state.storeFor(ws.id, one.id).get('key')).toBeUndefined();
  });
});
