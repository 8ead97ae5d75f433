import { randomBytes } from 'node:crypto';
import { grantOf, type Actor } from '../platform/auth/permissions.js';
import { createBoundedCache } from '../platform/bounded-cache.js';
import type { EventBus } from '../platform/bus.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db/client.js';
import { conflict, notFound } from '../platform/errors.js';
import { newId } from '../platform/ids.js';
import { outboundRequest, resolvePublicHost } from '../platform/outbound-http.js';
import { isUniqueViolation, type WorkspaceService } from '../workspace/workspace.service.js';
import { type ChannelContext, type ChannelModule, type ChannelRegistry, optOutStateKey, type TestResult } from './channel-registry.js';
import { createChannelState } from './channel-state.js';
import { type ChannelRow, createChannelsRepository } from './channels.repository.js';

export type ChannelsService = ReturnType<typeof createChannelsService>;
export type ChannelStatus = ChannelRow['status'];

/**
 * How long a webhook's channel is reused without reading it again. A change or removal made on
 * any instance evicts it at once through the bus; this only bounds a missed event.
 */
const WEBHOOK_CHANNEL_TTL_MS = 5_000;
/** A channel's last activity is written at most this often per process: a busy channel's row is not a hot spot. */
const ACTIVITY_EVERY_MS = 5_000;
/** State keys the channel list shows. */
const LAST_TEST = 'lastTest';
const WEBHOOK_VERIFIED_AT = 'webhookVerifiedAt';

type TestRecord = TestResult & { at: string };

export function createChannelsService(deps: { db: Db; bus: EventBus; clock: Clock; registry: ChannelRegistry; workspace: WorkspaceService; publicUrl: string }) {
  const { db, bus, clock, registry, workspace, publicUrl } = deps;
  const repository = createChannelsRepository(db);
  const state = createChannelState(db, clock);

  /**
   * A channel as the API shows it. Owners and managers (who manage channels) see its settings
   * without secrets, the webhook URL and what the last test said; agents only what the composer
   * needs to name it.
   */
  function publicChannel(row: ChannelRow, viewer: 'manager' | 'agent' = 'manager', known: Record<string, unknown> = {}) {
    const summary = { id: row.id, type: row.type, name: row.name, status: row.status, lastActivityAt: row.lastActivityAt, createdAt: row.createdAt };
    if (viewer === 'agent') return summary;
    return {
      ...summary,
      ...registry.publicSettings(row.type, row.settings),
      ...registry.get(row.type)?.extras?.(row, publicUrl),
      webhookUrl: `${publicUrl}/webhooks/${row.type}/${row.id}`,
      lastTest: (known[LAST_TEST] as TestRecord | undefined) ?? null,
      webhookVerifiedAt: (known[WEBHOOK_VERIFIED_AT] as string | undefined) ?? null,
    };
  }
  const viewerOf = (actor: Actor) => (grantOf(actor.role, 'workspace.manage') === 'allow' ? 'manager' : 'agent');

  /** Channels that webhooks reached lately: a flood reads its channel once, not once per call. */
  const webhookChannels = createBoundedCache<string, ChannelRow>({ max: 10_000, ttlMs: WEBHOOK_CHANNEL_TTL_MS });
  const activityWritten = createBoundedCache<string, number>({ max: 10_000 });
  bus.subscribe((event) => {
    if (event.type === 'channel.updated') webhookChannels.delete((event.data.channel as { id: string }).id);
    if (event.type === 'channel.removed') webhookChannels.delete(event.data.channelId as string);
  });

  const emit = (workspaceId: string, type: string, data: Record<string, unknown>) => bus.publish({ type, workspaceId, data });
  const generate = () => randomBytes(24).toString('base64url');

  async function requireRow(actor: Actor, id: string) {
    const row = await repository.find(actor.workspaceId, id);
    if (!row) throw notFound('Channel');
    return row;
  }

  async function shown(actor: Actor, row: ChannelRow) {
    const known = (await state.valuesOf(actor.workspaceId, [row.id], [LAST_TEST, WEBHOOK_VERIFIED_AT])).get(row.id);
    return publicChannel(row, viewerOf(actor), known);
  }

  /**
   * The network and shared state a module uses for one channel. Provider base URLs are settings,
   * so requests go through the guard against private addresses, with the workspace's exceptions.
   */
  function contextFor(row: Pick<ChannelRow, 'id' | 'workspaceId' | 'type'>): ChannelContext {
    return {
      async http(url, request = {}) {
        const { allowedPrivateHosts } = await workspace.settingsOf(row.workspaceId);
        const response = await outboundRequest(url, { ...request, allowedPrivateHosts });
        return { status: response.status, headers: response.headers, body: response.body };
      },
      async resolveHost(host, port) {
        const { allowedPrivateHosts } = await workspace.settingsOf(row.workspaceId);
        return resolvePublicHost(host, port, allowedPrivateHosts);
      },
      state: state.storeFor(row.workspaceId, row.id),
      now: () => clock.now(),
      webhookUrl: `${publicUrl}/webhooks/${row.type}/${row.id}`,
    };
  }

  /** The module's unique setting (an email address) as the channel row's unique key; null where the type has none. */
  function uniqueKeyOf(type: string, settings: Record<string, unknown>) {
    const key = registry.get(type)?.uniqueSetting;
    const value = key ? settings[key] : undefined;
    return key && typeof value === 'string' ? { key, value, uniqueKey: `${type}:${value}` } : undefined;
  }

  /**
   * 409 when another channel of the type, in any workspace, has the module's unique setting (an
   * email address) already: asked first for the common case, held by the unique index when two
   * connect the same address at the same moment.
   */
  async function withUniqueSetting<T>(type: string, settings: Record<string, unknown>, ownId: string | undefined, write: (uniqueKey: string | null) => Promise<T>) {
    const unique = uniqueKeyOf(type, settings);
    const taken = () => conflict('setting_taken', `settings.${unique!.key}: ${unique!.value} is connected already, here or in another workspace; mail for it can reach one channel only`);
    if (unique) {
      const [row] = await repository.findBySetting(type, unique.key, unique.value);
      if (row && row.id !== ownId) throw taken();
    }
    try {
      return await write(unique?.uniqueKey ?? null);
    } catch (error) {
      if (unique && isUniqueViolation(error)) throw taken();
      throw error;
    }
  }

  async function runTest(row: ChannelRow): Promise<TestRecord> {
    const module = registry.get(row.type);
    let result: TestResult;
    if (!module?.testConnection) result = { ok: false, error: 'This channel type has no connection test' };
    else {
      try {
        result = await module.testConnection(row.settings, contextFor(row));
      } catch (error) {
        result = { ok: false, error: error instanceof Error ? error.message : String(error) };
      }
    }
    const record = { ...result, at: clock.now().toISOString() };
    await state.storeFor(row.workspaceId, row.id).set(LAST_TEST, record);
    return record;
  }

  return {
    publicChannel,
    contextFor,
    types: () => ({ items: registry.describe() }),
    /** The module that speaks a type's protocol, if this server has one. */
    moduleOf: (type: string) => registry.get(type),

    async list(actor: Actor) {
      const rows = await repository.list(actor.workspaceId);
      const viewer = viewerOf(actor);
      const known = viewer === 'manager' ? await state.valuesOf(actor.workspaceId, rows.map((row) => row.id), [LAST_TEST, WEBHOOK_VERIFIED_AT]) : new Map();
      return { items: rows.map((row) => publicChannel(row, viewer, known.get(row.id))) };
    },

    async get(actor: Actor, id: string) {
      return shown(actor, await requireRow(actor, id));
    },

    async create(actor: Actor, input: { type: string; name: string; settings: Record<string, unknown> }) {
      const settings = registry.parseSettings(input.type, input.settings, {}, generate);
      const row = await withUniqueSetting(input.type, settings, undefined, (uniqueKey) =>
        repository.insert({ id: newId(), workspaceId: actor.workspaceId, type: input.type, name: input.name, settings, uniqueKey, createdAt: clock.now() }),
      );
      const channel = publicChannel(row);
      await emit(actor.workspaceId, 'channel.created', { channel: publicChannel(row, 'agent') });
      return channel;
    },

    async update(actor: Actor, id: string, patch: { name?: string; settings?: Record<string, unknown>; status?: ChannelStatus }) {
      const current = await requireRow(actor, id);
      const settings = patch.settings ? registry.parseSettings(current.type, patch.settings, current.settings, generate) : undefined;
      const row = settings
        ? await withUniqueSetting(current.type, settings, current.id, (uniqueKey) => repository.update(actor.workspaceId, id, { name: patch.name, settings, uniqueKey, status: patch.status }))
        : await repository.update(actor.workspaceId, id, { name: patch.name, status: patch.status });
      if (!row) throw notFound('Channel');
      await emit(actor.workspaceId, 'channel.updated', { channel: publicChannel(row, 'agent') });
      return shown(actor, row);
    },

    async remove(actor: Actor, id: string) {
      if (!(await repository.delete(actor.workspaceId, id))) throw notFound('Channel');
      await emit(actor.workspaceId, 'channel.removed', { channelId: id });
    },

    /** "Test connection": the module's real call with the stored credentials; the outcome is kept for the channel list. */
    async test(actor: Actor, id: string) {
      const record = await runTest(await requireRow(actor, id));
      return record;
    },

    /** A channel of the workspace with the module that speaks its provider's protocol. */
    async resolve(workspaceId: string, id: string): Promise<{ row: ChannelRow; module: ChannelModule } | undefined> {
      const row = await repository.find(workspaceId, id);
      const module = row && registry.get(row.type);
      return row && module ? { row, module } : undefined;
    },

    /** Refuses a reply on a paused channel, before anything is stored. */
    assertActive(row: ChannelRow) {
      if (row.status === 'paused') throw conflict('channel_paused', `The channel ${row.name} is paused: resume it in Settings → Channels to send`);
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

    /** A contact opted out of the channel (SMS `STOP`) or back in (`START`); kept per identity in the channel's state. */
    async recordConsent(row: Pick<ChannelRow, 'id' | 'workspaceId'>, identifier: string, optedOut: boolean) {
      await state.storeFor(row.workspaceId, row.id).set(optOutStateKey(identifier), optedOut);
    },

    /** Whether the contact with this identity opted out of the channel; false where the module has no opt-out. */
    async optedOut(row: Pick<ChannelRow, 'id' | 'workspaceId' | 'type'>, identifier: string | undefined): Promise<boolean> {
      if (!identifier || !registry.get(row.type)?.optOut) return false;
      return (await state.storeFor(row.workspaceId, row.id).get<boolean>(optOutStateKey(identifier))) === true;
    },

    /** The channel a setting names (an email channel by its address), for inbound traffic that is not a webhook. */
    async resolveBySetting(type: string, key: string, value: string): Promise<{ row: ChannelRow; module: ChannelModule } | undefined> {
      const module = registry.get(type);
      const [row] = module ? await repository.findBySetting(type, key, value) : [];
      return row && module ? { row, module } : undefined;
    },

    /** The provider proved the webhook URL (a handshake answered): Settings shows when. */
    async recordHandshake(row: ChannelRow) {
      await state.storeFor(row.workspaceId, row.id).set(WEBHOOK_VERIFIED_AT, clock.now().toISOString());
    },

    /**
     * A message went in or out on the channel: its last activity moves, written at most every few
     * seconds per process. Never awaited by a webhook: a lost write costs a few seconds of accuracy.
     */
    async touch(row: Pick<ChannelRow, 'id' | 'workspaceId'>, at: Date) {
      const written = activityWritten.get(row.id);
      if (written !== undefined && at.getTime() - written < ACTIVITY_EVERY_MS && at.getTime() >= written) return;
      activityWritten.set(row.id, at.getTime());
      await repository.touch(row.workspaceId, row.id, at);
    },
  };
}
