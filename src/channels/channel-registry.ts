import type { z } from 'zod';
import { badRequest } from '../platform/errors.js';
import type { Refusal, WindowInput, WindowState } from './messaging-window.rules.js';

/*
 * The channel module interface. A provider is a folder under src/channels/ whose module is listed
 * in `channelModules` (channel-modules.ts); nothing else in the code switches over channel types.
 * What a module may declare, beyond the required core (settings, verify, parse, send, window):
 *
 * - `handshake`        GET on the webhook URL (Meta's `hub.challenge`, WeChat's `echostr`);
 * - `acknowledge`      the answer a provider wants for a handled webhook (WeChat: `success`);
 * - `testConnection`   a real call the credentials must pass (Settings → Channels, "Test connection");
 * - `fetchMedia`       downloads an inbound message's files after the message is stored (a job);
 * - `fetchProfile`     the contact's name and picture from the provider's profile API, when the
 *                      payload has none (a job, after a new contact is made);
 * - `maxTextLength`, `checkOutbound`   refusals before any provider is called (`text_too_long`,
 *                      a retired tag);
 * - `templates`        pre-approved messages: placeholder style and extra fields per template;
 * - `firstContact`     the business may write first, to the identity a contact field gives;
 * - `optOut`           contacts opt out by keyword (SMS STOP): the webhook's `consent` changes are
 *                      kept per identity in `state`, and sends to an opted-out contact are refused;
 * - `extras`           fields the channel's API object adds for managers (the website chat's `embedCode`);
 * - `form`             the settings fields, from which the web app generates the connect form
 *                      (a `generated` field left empty, a verify token, is made by the server).
 *
 * Everything a module does over the network goes through the `ChannelContext` it is handed:
 * `http` refuses private addresses unless the workspace allows the host (provider base URLs are
 * settings, so tests point them at simulators), and `state` holds small values every process
 * shares for the channel (a token, a monthly count).
 */

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
  /** International, with or without `+` (WhatsApp's `wa_id` has none); stored as E.164. */
  phone?: string;
  avatarUrl?: string;
  language?: string;
  /** ISO 3166-1 alpha-2, when the provider tells it (Viber); a phone's country wins over it. */
  country?: string;
};

export type MediaKind = 'image' | 'audio' | 'video' | 'document' | 'sticker';

/** A file an inbound message carries, downloaded after the message is stored (`fetchMedia`), so the webhook answers fast. */
export type InboundMedia = {
  kind: MediaKind;
  /** What the module's `fetchMedia` needs: the provider's media id (WhatsApp) or a URL (Messenger). */
  ref: string;
  contentType?: string;
  fileName?: string;
  /** The file itself, when the provider sent it with the message (email): stored right after the message, never fetched. */
  content?: Buffer;
};

/**
 * What an inbound message is when it is more than text. The web app shows a readable label for
 * it in the reader's language, so no message is ever empty: a photo without a caption, a
 * location, a shared contact, a type the module does not know.
 */
export type InboundContent =
  | { kind: MediaKind; fileName?: string }
  | { kind: 'location'; latitude: number; longitude: number; name?: string; address?: string }
  | { kind: 'contacts'; contacts: Array<{ name: string; phones: string[] }> }
  | { kind: 'unsupported'; providerType: string }
  | EmailContent;

/**
 * A received mail (the email channel): its subject, its HTML already sanitised (remote images
 * held back as `data-remote-src`, quoted history marked `sb-quoted`), where the plain text's
 * quoted history or signature starts (folded behind "…"), and whether it is an auto-reply.
 * `inline`: the mail's own images (`cid:`), by the file name they are stored under.
 */
export type EmailContent = {
  kind: 'email';
  subject: string;
  html: string | null;
  remoteImages: number;
  foldAt: number | null;
  autoReply: boolean;
  inline: Array<{ contentId: string; fileName: string }>;
};

/** A provider's message, normalised. */
export type InboundMessage = {
  providerMessageId: string;
  contact: ChannelIdentity;
  /** As written; a caption for media; empty only when `content` says what it is. */
  text: string;
  /** The provider's timestamp; receive() caps it at the time of receipt. */
  sentAt?: Date;
  content?: InboundContent;
  media?: InboundMedia[];
};

export type DeliveryStatus = 'sent' | 'delivered' | 'read' | 'failed';

/** A delivery or read receipt for one outbound message; a late failure carries the provider's reason and code. */
export type MessageReceipt = {
  providerMessageId: string;
  status: DeliveryStatus;
  error?: string;
  /** The provider's code, namespaced by type (`whatsapp:131047`): the web app words the known ones. */
  errorCode?: string;
};

/** Every outbound message to `identifier` created up to `watermark` is delivered or read (Messenger). */
export type WatermarkReceipt = { identifier: string; status: 'delivered' | 'read'; watermark: Date };

export type StatusUpdate = MessageReceipt | WatermarkReceipt;

export const isWatermark = (update: StatusUpdate): update is WatermarkReceipt => 'watermark' in update;

/** What one verified webhook call carries. */
export type WebhookEvents = {
  messages: InboundMessage[];
  receipts: StatusUpdate[];
  /**
   * What it held that is not acted upon, each as a short kind (`echo`, `field:account_update`,
   * `status:unknown-message`): answered 2xx, logged once per channel and kind.
   */
  ignored: string[];
  /** Contacts who opted out (SMS `STOP`, a late 21610) or back in (`START`), applied after the messages are stored. */
  consent?: ConsentChange[];
};

/** `providerMessageId`: the message that said it (STOP); a provider's retry of it changes nothing (a START may have followed). */
export type ConsentChange = { identifier: string; optedOut: boolean; providerMessageId?: string };

/** Where a channel's `state` keeps whether a contact opted out (channels whose module has `optOut`). */
export const optOutStateKey = (identifier: string) => `opt-out:${identifier}`;

/** A file sent with a reply. `url` downloads it without a session until the link expires (7 days). */
export type OutboundAttachment = { id: string; name: string; contentType: string; size: number; url: string };

export type OutboundTemplate = {
  name: string;
  language: string;
  /** In placeholder order (`{{1}}`, `{{2}}`…). */
  parameters: string[];
  /** The template's body with the parameters filled in: what the contact reads. */
  body: string;
  /** The template's extra fields (its module's `templates.fields`), filled in too. */
  fields: Record<string, string>;
};

export type OutboundMessage = {
  id: string;
  text: string;
  createdAt: Date;
  /** The identity the conversation's channel knows (wa_id, PSID, IGSID), never one guessed from the contact. */
  recipient: ChannelIdentity;
  template?: OutboundTemplate;
  tag?: string;
  /** Absent or empty: text only. */
  attachments?: OutboundAttachment[];
  /** The contact's last inbound message on this channel: a provider may count what goes out after its window (Viber). */
  lastInboundAt?: Date | null;
};

export type SendResult =
  | { ok: true; providerMessageId: string }
  /** `retryable`: the provider may accept it later (timeouts, 5xx, rate limits), not before `retryAfterMs` when it says so (Telegram's `retry_after`). `code`: the provider's, namespaced (`whatsapp:131026`). */
  | { ok: false; error: string; retryable: boolean; code?: string; retryAfterMs?: number };

export type TestResult = { ok: true; detail: string } | { ok: false; error: string };

/** One answer of `ChannelContext.http`. Network failures and refused addresses throw instead. */
export type HttpResponse = { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer };

export type HttpRequest = { method?: string; headers?: Record<string, string>; body?: string | Buffer; timeoutMs?: number; maxResponseBytes?: number };

/** Small values shared by every process, per channel. */
export type ChannelStateStore = {
  get<T = unknown>(key: string): Promise<T | undefined>;
  /** `expiresAt`: past it the value reads as absent (a token's lifetime). */
  set(key: string, value: unknown, options?: { expiresAt?: Date }): Promise<void>;
  /** Adds `by` to a number, atomically across processes; answers the new value (a monthly count). */
  increment(key: string, by?: number): Promise<number>;
};

/** What a module gets for anything beyond pure parsing: the network and shared state, both scoped to the channel's workspace. */
export type ChannelContext = {
  http(url: string, request?: HttpRequest): Promise<HttpResponse>;
  /** The address to connect to for a host the settings name, for protocols other than HTTP (SMTP): refused (OutboundRefused) when it is not public and the workspace does not allow it. */
  resolveHost(host: string, port: number): Promise<string>;
  state: ChannelStateStore;
  now(): Date;
  /** The channel's public webhook URL (`PUBLIC_URL`/webhooks/<type>/<id>): for providers whose webhook is set by an API call (Telegram's setWebhook, Viber's set_webhook) or told per send where to report (Twilio's StatusCallback). */
  webhookUrl: string;
};

/**
 * One settings field as the connect form shows it. The form's label and hint are the web app's
 * texts `channels.field.<key>` (and `…Hint`), so a new type adds texts, not code.
 */
export type SettingsField = {
  key: string;
  /** `secret`: write-only (never read back); `generated`: made by the server when left empty, then shown to paste into the provider's console. */
  kind: 'text' | 'secret' | 'url' | 'number' | 'boolean' | 'list' | 'generated' | 'color' | 'choice';
  required: boolean;
  /** A `choice`'s values, in order; the web app's texts `channels.option.<value>` name them. */
  options?: readonly string[];
  default?: string | number | boolean;
};

export type TemplateSupport = {
  /** `numbered`: `{{1}}`, `{{2}}` filled from `parameters` in order (WhatsApp); `named`: `{{first_name}}` (email, later). */
  placeholders: 'numbered' | 'named';
  /** Fields a template of this type has besides its body (an email's subject), each filled like the body. */
  fields?: Array<{ key: string; required: boolean; maxLength: number }>;
  /** Categories the provider knows; absent: free text. */
  categories?: readonly string[];
  /** What the provider accepts as a template's name (WhatsApp: lower case, digits and `_`). */
  namePattern?: RegExp;
  maxBodyLength: number;
};

/**
 * One provider. Adding a channel is adding a module (in its own folder) to `channelModules`:
 * nothing else switches over channel types.
 */
export type ChannelModule<Settings extends Record<string, unknown> = Record<string, unknown>> = {
  type: string;
  settingsSchema: z.ZodType<Settings>;
  /** Settings keys that are written but never read back through the API. */
  secretKeys: readonly string[];
  /** The connect form, field by field, in order. */
  form: readonly SettingsField[];
  /** Checked over the raw bytes, in constant time, before anything is parsed. */
  verifyWebhook(request: WebhookRequest, settings: Settings): boolean;
  /** Throws a 400 AppError when the payload is not the provider's format. */
  parseWebhook(request: WebhookRequest, settings: Settings): WebhookEvents;
  send(message: OutboundMessage, settings: Settings, context: ChannelContext): Promise<SendResult>;
  /** Pure: what may be sent now (SPEC §4.1). */
  windowPolicy(input: WindowInput, settings: Settings): WindowState;
  /**
   * The channel's shared counters (`ChannelContext.state`) its window reads at `now`, handed to
   * `windowPolicy` as `input.counters` (Viber: this month's chatbot-initiated messages).
   */
  windowCounters?(now: Date): string[];

  /** GET on the webhook URL: the body to answer (200, text), or null to refuse (403). Absent: GET is 405. */
  handshake?(request: WebhookRequest, settings: Settings): string | null;
  /** The answer for a handled webhook. Absent: JSON `{ok: true, received}`. */
  acknowledge?(): { contentType: string; body: string };
  testConnection?(settings: Settings, context: ChannelContext): Promise<TestResult>;
  /** Throws when the file cannot be had now (tried again later) or is larger than `maxBytes` (a 413 AppError: given up). */
  fetchMedia?(media: InboundMedia, settings: Settings, context: ChannelContext, maxBytes: number): Promise<{ content: Buffer; contentType?: string; fileName?: string }>;
  fetchProfile?(identifier: string, settings: Settings, context: ChannelContext): Promise<Omit<ChannelIdentity, 'identifier'> | undefined>;
  /** The provider's limit on a text message, in UTF-16 code units as JavaScript counts them. */
  maxTextLength?: number;
  /** Pure: refuses what the provider refuses whatever the window (a retired message tag). */
  checkOutbound?(request: { text: string; tag?: string; template?: OutboundTemplate; attachments?: number }): Refusal | null;
  templates?: TemplateSupport;
  /** Contacts opt out by keyword (SMS `STOP`): sends to them are refused (`contact_opted_out`) until they opt back in. */
  optOut?: boolean;
  /** How its messages arrive: a provider's webhook (the default), or the server's SMTP listener (email). */
  inbound?: 'webhook' | 'smtp';
  /** How a contact who never wrote here is reached from one of its fields (WhatsApp: the phone, as `wa_id`). */
  firstContact?: { field: 'phone' | 'email'; identifier(value: string): string };
  /** A setting no two channels of this type may share, in any workspace (an email channel's address: mail for it can go to one only). */
  uniqueSetting?: string;
  /** Fields the channel's API object carries for owners and managers besides its settings (the website chat's `embedCode`). */
  extras?(channel: { id: string; settings: Settings }, publicUrl: string): Record<string, unknown>;
};

export type ChannelRegistry = ReturnType<typeof createChannelRegistry>;

/** What the web app needs to draw a type's forms: nothing secret, no code. */
export type ChannelTypeDescription = {
  type: string;
  form: readonly SettingsField[];
  webhook: { handshake: boolean };
  inbound: 'webhook' | 'smtp';
  testConnection: boolean;
  templates: (Omit<TemplateSupport, 'namePattern'> & { namePattern: string | null }) | null;
  firstContact: 'phone' | 'email' | null;
  maxTextLength: number | null;
};

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

    describe(): ChannelTypeDescription[] {
      return modules.map((module) => ({
        type: module.type,
        form: module.form,
        webhook: { handshake: module.handshake !== undefined },
        inbound: module.inbound ?? 'webhook',
        testConnection: module.testConnection !== undefined,
        templates: module.templates ? { ...module.templates, namePattern: module.templates.namePattern?.source ?? null } : null,
        firstContact: module.firstContact?.field ?? null,
        maxTextLength: module.maxTextLength ?? null,
      }));
    },

    /** Validate settings for a new channel, or a change merged over the stored ones (secrets kept unless given). */
    parseSettings(type: string, input: Record<string, unknown>, stored: Record<string, unknown> = {}, generate?: () => string) {
      const module = moduleOf(type);
      // An empty secret in a change means "keep it", as the form leaves secret fields empty.
      const given = Object.fromEntries(Object.entries(input).filter(([key, value]) => !(module.secretKeys.includes(key) && value === '' && key in stored)));
      const merged: Record<string, unknown> = { ...stored, ...given };
      // A generated field left empty (a verify token) is made here, then shown to paste into the provider's console.
      for (const field of module.form) {
        if (field.kind === 'generated' && generate && (merged[field.key] === undefined || merged[field.key] === '')) merged[field.key] = generate();
      }
      const parsed = module.settingsSchema.safeParse(merged);
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
      for (const [key, value] of Object.entries(settings)) if (!secrets.has(key)) visible[key] = value;
      // In the module's order: the database keeps JSON keys in an order of its own.
      const secretsSet = module.secretKeys.filter((key) => settings[key] !== undefined && settings[key] !== null && settings[key] !== '');
      return { settings: visible, secretsSet };
    },
  };
}
