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
};

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
