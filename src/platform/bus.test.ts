import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { bridgeBus, createLocalBus, createPortBus, type DomainEvent } from './bus.js';

/** The main thread's bus and a thread's bus over a real message channel, as the webhook thread has them. */
function pair() {
  const channel = new MessageChannel();
  const main = createLocalBus();
  const unbridge = bridgeBus(main, channel.port1);
  const thread = createPortBus(channel.port2);
  const heard = (bus: typeof main) => {
    const events: DomainEvent[] = [];
    bus.subscribe((event) => events.push(event));
    return events;
  };
  return { channel, main, thread, unbridge, onMain: heard(main), onThread: heard(thread) };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
const event = (type: string, data: Record<string, unknown> = {}): DomainEvent => ({ type, workspaceId: 'w1', data });

describe('the bus between the main thread and the webhook thread', () => {
  let open: ReturnType<typeof pair> | undefined;
  afterEach(() => {
    open?.channel.port1.close();
    open = undefined;
  });

  it("carries a thread's event to the main thread's subscribers, and back to the thread's own, once each", async () => {
    open = pair();
    const sentAt = new Date('2026-11-21T12:00:00Z');
    await open.thread.publish({ ...event('message.created', { message: { id: 'm1', createdAt: sentAt } }), audience: { assigneeId: null, teamId: 't1' } });
    await settle();
    expect(open.onMain).toHaveLength(1);
    expect(open.onThread).toHaveLength(1);
    // Dates, audiences and nesting arrive as they were published.
    expect(open.onMain[0]).toEqual({ type: 'message.created', workspaceId: 'w1', data: { message: { id: 'm1', createdAt: sentAt } }, audience: { assigneeId: null, teamId: 't1' } });
    expect(open.onThread[0]).toEqual(open.onMain[0]);
  });

  it("carries the main thread's events to the thread (a changed channel's cache entry, say)", async () => {
    open = pair();
    await open.main.publish(event('channel.updated', { channelId: 'c1' }));
    await settle();
    expect(open.onThread.map((e) => e.type)).toEqual(['channel.updated']);
    expect(open.onMain.map((e) => e.type)).toEqual(['channel.updated']);
  });

  it('stops both ways once unbridged', async () => {
    open = pair();
    open.unbridge();
    await open.main.publish(event('a'));
    await open.thread.publish(event('b'));
    await settle();
    expect(open.onThread).toEqual([]);
    expect(open.onMain.map((e) => e.type)).toEqual(['a']);
  });
});
