import { EventEmitter } from 'node:events';

/** A domain event, published after its transaction commits. `workspaceId` scopes fan-out. */
export type DomainEvent = {
  type: string;
  workspaceId: string;
  data: Record<string, unknown>;
  /** Limit delivery to these users (e.g. a mention); everyone in the workspace when absent. */
  userIds?: string[];
  /**
   * The conversation the event is about: only users who may see it receive the event (an agent
   * limited to its own, unassigned and team conversations gets `conversation.hidden` instead of
   * a `conversation.updated`, so that its lists drop it).
   */
  audience?: { assigneeId: string | null; teamId: string | null };
  /**
   * The contact the event is about: only users who may read it receive the event (an agent
   * limited to its own inboxes: a contact assigned to it, or whose conversation it may see).
   */
  contactAudience?: ContactAudience;
};

/** What decides who may read a contact: its assignee, and its conversation's audience (null without one). */
export type ContactAudience = { assigneeId: string | null; conversation: { assigneeId: string | null; teamId: string | null } | null };

export type EventBus = {
  publish(event: DomainEvent): Promise<void>;
  subscribe(listener: (event: DomainEvent) => void): () => void;
  close(): Promise<void>;
};

export function createLocalBus(): EventBus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    async publish(event) {
      emitter.emit('event', event);
    },
    subscribe(listener) {
      emitter.on('event', listener);
      return () => emitter.off('event', listener);
    },
    async close() {
      emitter.removeAllListeners();
    },
  };
}

const CHANNEL = 'switchboard:events';

/** Redis pub/sub fan-out, so an event published on one instance reaches clients of every instance. */
export async function createRedisBus(url: string): Promise<EventBus> {
  const { Redis } = await import('ioredis');
  const publisher = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  const subscriber = new Redis(url, { lazyConnect: true });
  await Promise.all([publisher.connect(), subscriber.connect()]);
  const local = createLocalBus();
  subscriber.on('message', (_channel: string, message: string) => {
    void local.publish(JSON.parse(message) as DomainEvent);
  });
  await subscriber.subscribe(CHANNEL);
  return {
    async publish(event) {
      await publisher.publish(CHANNEL, JSON.stringify(event));
    },
    subscribe: local.subscribe,
    async close() {
      await local.close();
      subscriber.disconnect();
      publisher.disconnect();
    },
  };
}

/** One end of a thread's message channel (a `MessagePort`, `parentPort` or `Worker`). */
export type BusPort = {
  postMessage(value: unknown): void;
  on(event: 'message', listener: (value: unknown) => void): unknown;
  off(event: 'message', listener: (value: unknown) => void): unknown;
};
type BusMessage = { bus: DomainEvent };
const isBusMessage = (value: unknown): value is BusMessage => typeof value === 'object' && value !== null && 'bus' in value;

/**
 * A thread's bus when the process has no Redis: its events go to the main thread's bus, which
 * sends every event back (`bridgeBus`), its own included, so its subscribers hear them as those
 * of another instance hear theirs through Redis.
 */
export function createPortBus(port: BusPort): EventBus {
  const local = createLocalBus();
  const receive = (value: unknown) => {
    if (isBusMessage(value)) void local.publish(value.bus);
  };
  port.on('message', receive);
  return {
    async publish(event) {
      port.postMessage({ bus: event } satisfies BusMessage);
    },
    subscribe: local.subscribe,
    async close() {
      port.off('message', receive);
      await local.close();
    },
  };
}

/** The main thread's side of `createPortBus`: the thread's events are published here, and every event goes to the thread. */
export function bridgeBus(bus: EventBus, port: BusPort): () => void {
  const receive = (value: unknown) => {
    if (isBusMessage(value)) void bus.publish(value.bus);
  };
  port.on('message', receive);
  const unsubscribe = bus.subscribe((event) => port.postMessage({ bus: event } satisfies BusMessage));
  return () => {
    unsubscribe();
    port.off('message', receive);
  };
}
