import type { z } from 'zod';
import { badRequest } from '../platform/errors.js';
import type { WindowInput, WindowState } from './messaging-window.rules.js';

/** What a webhook route hands to a channel: the raw bytes, because signatures cover them. */
export type WebhookRequest = {
  rawBody: Buffer;
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, string | undefined>;
  /** The public URL the provider called (Twilio signs it). */
  url: string;
};

/** Who wrote, as the provider describes them. `identifier` is the contact's id on the channel. */
export type ChannelIdentity = {
  identifier: string;
  name?: string;
  email?: string;
  phone?: string;
  avatarUrl?: string;
  language?: string;
};

/** A provider's message, normalised. */
export type InboundMessage = {
  providerMessageId: string;
  contact: ChannelIdentity;
  text: string;
  /** The provider's timestamp; receive() caps it at the time of receipt. */
  sentAt?: Date;
};

export type DeliveryStatus = 'sent' | 'delivered' | 'read' | 'failed';

/** A delivery or read receipt for an outbound message. */
export type StatusUpdate = { providerMessageId: string; status: DeliveryStatus; error?: string };

/** A file sent with a reply. `url` downloads it without a session until the link expires (7 days). */
export type OutboundAttachment = { id: string; name: string; contentType: string; size: number; url: string };

export type OutboundMessage = {
  id: string;
  text: string;
  createdAt: Date;
  recipient: ChannelIdentity;
  template?: { name: string; language: string; parameters: unknown[] };
  tag?: string;
  /** Absent or empty: text only. */
  attachments?: OutboundAttachment[];
};

/** What the workspace says about how a message may go out, given to `send` beside the channel's settings. */
export type SendContext = {
  /** Private or loopback hosts (`host` or `host:port`) a delivery to a workspace-given URL may reach (platform/outbound-http.ts). */
  allowedPrivateHosts: readonly string[];
};

export type SendResult =
  | { ok: true; providerMessageId: string }
  /** `retryable`: the provider may accept it later (timeouts, 5xx, rate limits). */
  | { ok: false; error: string; retryable: boolean };

/**
 * One provider. Adding a channel is adding a module (in its own folder) to `channelModules`:
 * nothing else switches over channel types.
 */
export type ChannelModule<Settings extends Record<string, unknown> = Record<string, unknown>> = {
  type: string;
  settingsSchema: z.ZodType<Settings>;
  /** Settings keys that are written but never read back through the API. */
  secretKeys: readonly string[];
  verifyWebhook(request: WebhookRequest, settings: Settings): boolean;
  /** Throws a 400 AppError when the payload is not the provider's format. */
  parseInbound(request: WebhookRequest, settings: Settings): InboundMessage[];
  parseStatus(request: WebhookRequest, settings: Settings): StatusUpdate[];
  send(message: OutboundMessage, settings: Settings, context: SendContext): Promise<SendResult>;
  /** Pure: what may be sent now (SPEC §4.1). */
  windowPolicy(input: WindowInput, settings: Settings): WindowState;
};

export type ChannelRegistry = ReturnType<typeof createChannelRegistry>;

export function createChannelRegistry(modules: ChannelModule[]) {
  const byType = new Map(modules.map((module) => [module.type, module]));

  function get(type: string): ChannelModule | undefined {
    return byType.get(type);
  }

  function moduleOf(type: string): ChannelModule {
    const module = byType.get(type);
    if (!module) {
      throw badRequest('unknown_channel_type', `type: one of ${[...byType.keys()].join(', ')}`, { field: 'type' });
    }
    return module;
  }

  return {
    get,
    moduleOf,
    types: () => [...byType.keys()],

    /** Validate settings for a new channel, or a change merged over the stored ones (secrets kept unless given). */
    parseSettings(type: string, input: Record<string, unknown>, stored: Record<string, unknown> = {}) {
      const parsed = moduleOf(type).settingsSchema.safeParse({ ...stored, ...input });
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const field = ['settings', ...issue.path.map(String)].join('.');
        throw badRequest('invalid_field', `${field}: ${issue.message}`, { field });
      }
      return parsed.data;
    },

    /** What the API may show: settings without secrets, and which secrets are set. */
    publicSettings(type: string, settings: Record<string, unknown>) {
      const module = get(type);
      // A type no module knows any more: show nothing rather than guess which keys are secret.
      if (!module) return { settings: {}, secretsSet: [] };
      const secrets = new Set(module.secretKeys);
      const visible: Record<string, unknown> = {};
      const secretsSet: string[] = [];
      for (const [key, value] of Object.entries(settings)) {
        if (!secrets.has(key)) visible[key] = value;
        else if (value !== undefined && value !== null && value !== '') secretsSet.push(key);
      }
      return { settings: visible, secretsSet };
    },
  };
}
