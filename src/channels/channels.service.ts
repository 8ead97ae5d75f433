import { createBoundedCache } from '../platform/bounded-cache.js';
import type { EventBus } from '../platform/bus.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db/client.js';
import { notFound } from '../platform/errors.js';
import { newId } from '../platform/ids.js';
import type { Actor } from '../platform/auth/permissions.js';
import type { ChannelModule, ChannelRegistry } from './channel-registry.js';
import { type ChannelRow, createChannelsRepository } from './channels.repository.js';

export type ChannelsService = ReturnType<typeof createChannelsService>;

/**
 * How long a webhook's channel is reused without reading it again. A change or removal made on
 * any instance evicts it at once through the bus; this only bounds a missed event.
 */
const WEBHOOK_CHANNEL_TTL_MS = 5_000;

export function createChannelsService(deps: { db: Db; bus: EventBus; clock: Clock; registry: ChannelRegistry; publicUrl: string }) {
  const { db, bus, clock, registry, publicUrl } = deps;
  const repository = createChannelsRepository(db);

  function publicChannel(row: ChannelRow) {
    return {
      id: row.id,
      type: row.type,
      name: row.name,
      ...registry.publicSettings(row.type, row.settings),
      webhookUrl: `${publicUrl}/webhooks/${row.type}/${row.id}`,
      createdAt: row.createdAt,
    };
  }

  /** Channels that webhooks reached lately: a flood reads its channel once, not once per call. */
  const webhookChannels = createBoundedCache<string, ChannelRow>({ max: 10_000, ttlMs: WEBHOOK_CHANNEL_TTL_MS });
  bus.subscribe((event) => {
    if (event.type === 'channel.updated') webhookChannels.delete((event.data.channel as { id: string }).id);
    if (event.type === 'channel.removed') webhookChannels.delete(event.data.channelId as string);
  });

  const emit = (workspaceId: string, type: string, data: Record<string, unknown>) => bus.publish({ type, workspaceId, data });

  return {
    publicChannel,

    async list(actor: Actor) {
      return { items: (await repository.list(actor.workspaceId)).map(publicChannel) };
    },

    async get(actor: Actor, id: string) {
      const row = await repository.find(actor.workspaceId, id);
      if (!row) throw notFound('Channel');
      return publicChannel(row);
    },

    async create(actor: Actor, input: { type: string; name: string; settings: Record<string, unknown> }) {
      const settings = registry.parseSettings(input.type, input.settings);
      const row = await repository.insert({
        id: newId(),
        workspaceId: actor.workspaceId,
        type: input.type,
        name: input.name,
        settings,
        createdAt: clock.now(),
      });
      const channel = publicChannel(row);
      await emit(actor.workspaceId, 'channel.created', { channel });
      return channel;
    },

    async update(actor: Actor, id: string, patch: { name?: string; settings?: Record<string, unknown> }) {
      const current = await repository.find(actor.workspaceId, id);
      if (!current) throw notFound('Channel');
      const settings = patch.settings ? registry.parseSettings(current.type, patch.settings, current.settings) : undefined;
      const row = await repository.update(actor.workspaceId, id, { name: patch.name, settings });
      if (!row) throw notFound('Channel');
      const channel = publicChannel(row);
      await emit(actor.workspaceId, 'channel.updated', { channel });
      return channel;
    },

    async remove(actor: Actor, id: string) {
      if (!(await repository.delete(actor.workspaceId, id))) throw notFound('Channel');
      await emit(actor.workspaceId, 'channel.removed', { channelId: id });
    },

    /** A channel of the workspace with the module that speaks its provider's protocol. */
    async resolve(workspaceId: string, id: string): Promise<{ row: ChannelRow; module: ChannelModule } | undefined> {
      const row = await repository.find(workspaceId, id);
      const module = row && registry.get(row.type);
      return row && module ? { row, module } : undefined;
    },

    async resolveForWebhook(type: string, id: string): Promise<{ row: ChannelRow; module: ChannelModule } | undefined> {
      const module = registry.get(type);
      if (!module) return undefined;
      const cached = webhookChannels.get(id);
      if (cached?.type === type) return { row: cached, module };
      const row = await repository.findForWebhook(type, id);
      if (!row) return undefined;
      webhookChannels.set(id, row);
      return { row, module };
    },
  };
}
