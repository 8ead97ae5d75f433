import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GRAPH_VERSION, metaSignature } from '../../src/channels/meta/meta-platform.js';
import { createRequestLog, type RecordedRequest } from './request-log.js';

/**
 * A stand-in for Meta's Graph API and its webhooks, for tests, the benchmark and the demo: a small
 * local HTTP server that answers the send, media, profile and account calls of WhatsApp,
 * Messenger and Instagram as Meta documents them, records every request it gets, can be told to
 * refuse (an error code, a 429, a 5xx), and posts signed webhooks in the real formats (messages,
 * statuses with late failures, Messenger's watermarks) to a channel's webhook URL.
 *
 * Only Node's own modules: the demo bundles it into the server.
 */
export type { RecordedRequest };

/**
 * An account the simulator plays Meta for: the token its calls must carry, the app secret that
 * signs its webhooks, and where they go (known once the channel exists: connect again then).
 */
export type SimulatedAccount = {
  id: string;
  webhookUrl?: string;
  appSecret: string;
  token: string;
  /** WhatsApp: a message accepted is reported delivered, then read, as a phone would (the demo). */
  autoStatuses?: { deliveredAfterMs: number; readAfterMs: number };
};

/** A request as the simulator sees it, and its answer: any HTTP server (its own, or the demo's route) carries them. */
export type SimulatorRequest = { method: string; path: string; headers: http.IncomingHttpHeaders; body: string };
export type SimulatorAnswer = { status: number; headers: Record<string, string>; body: Buffer };

export type ScriptedAnswer = { status: number; body: unknown; headers?: Record<string, string> };

/** Meta's error body, as the Graph API answers a refused call. */
export const graphError = (status: number, code: number, message: string, extra: { subcode?: number; details?: string } = {}): ScriptedAnswer => ({
  status,
  body: {
    error: {
      message,
      type: 'OAuthException',
      code,
      ...(extra.subcode === undefined ? {} : { error_subcode: extra.subcode }),
      ...(extra.details === undefined ? {} : { error_data: { messaging_product: 'whatsapp', details: extra.details } }),
      fbtrace_id: 'SIMULATED',
    },
  },
});

const unixSeconds = (date: Date) => String(Math.floor(date.getTime() / 1000));

export type WhatsAppInbound = { from: string; name?: string; id?: string; at?: Date; message?: Record<string, unknown>; text?: string };
export type WhatsAppStatus = {
  id: string;
  status: 'sent' | 'delivered' | 'read' | 'failed';
  recipient: string;
  at?: Date;
  errors?: Array<{ code: number; title: string; details?: string }>;
};
export type MessagingInbound = { from: string; text?: string; mid?: string; at?: Date; message?: Record<string, unknown>; object?: 'page' | 'instagram' };

/** The simulator on a local port of its own (tests, the benchmark). */
export async function startMetaSimulator(options: { port?: number; host?: string } = {}) {
  let simulator: MetaSimulatorCore | undefined;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const answer = simulator!.handle({ method: request.method ?? 'GET', path: request.url ?? '/', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(answer.status, { ...answer.headers, 'content-length': answer.body.length }).end(answer.body);
    });
  });
  server.keepAliveTimeout = 1000;
  server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  await once(server, 'listening');
  const address = server.address() as AddressInfo;
  simulator = createMetaSimulator({ baseUrl: `http://${options.host ?? '127.0.0.1'}:${address.port}` });
  return {
    ...simulator,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type MetaSimulatorCore = ReturnType<typeof createMetaSimulator>;

/** The simulator's state and answers, without a server: `baseUrl` is where it is reached (the demo mounts it on its own server). */
export function createMetaSimulator(options: { baseUrl: string }) {
  const base = options.baseUrl;
  const log = createRequestLog();
  const { received } = log;
  const accounts = new Map<string, SimulatedAccount>();
  const scripted: ScriptedAnswer[] = [];
  const media = new Map<string, { content: Buffer; mimeType: string; public: boolean }>();
  const profiles = new Map<string, Record<string, unknown>>();
  /** Every message the simulator accepted, with the id it answered: statuses name it. */
  const sent: Array<{ to: string; id: string; json: any }> = [];
  let sequence = 0;

  const tokens = () => new Set([...accounts.values()].map((account) => account.token));

  function answer(request: RecordedRequest): ScriptedAnswer | { status: number; raw: Buffer; type: string } {
    const url = new URL(request.path, 'http://simulator');
    const token = request.headers.authorization?.replace(/^Bearer /, '');
    if (url.pathname.startsWith('/media-download/')) {
      const file = media.get(decodeURIComponent(url.pathname.slice('/media-download/'.length)));
      if (!file || (!file.public && (!token || !tokens().has(token)))) return { status: 404, body: { error: { message: 'not found', code: 100 } } };
      return { status: 200, raw: file.content, type: file.mimeType };
    }
    if (!url.pathname.startsWith(`/${GRAPH_VERSION}/`)) return graphError(400, 2500, 'Unknown path components');
    if (!token || !tokens().has(token)) return graphError(401, 190, 'Invalid OAuth access token - Cannot parse access token');
    const [id, edge] = url.pathname.slice(GRAPH_VERSION.length + 2).split('/').map(decodeURIComponent);

    if (request.method === 'POST' && edge === 'messages') {
      const next = scripted.shift();
      if (next) return next;
      if (request.json?.messaging_product === 'whatsapp') {
        const wamid = `wamid.SIM${(++sequence).toString().padStart(6, '0')}${randomBytes(4).toString('hex')}`;
        sent.push({ to: request.json.to, id: wamid, json: request.json });
        const account = accounts.get(id!);
        if (account?.autoStatuses) reportLater(account, wamid, request.json.to);
        return { status: 200, body: { messaging_product: 'whatsapp', contacts: [{ input: request.json.to, wa_id: request.json.to }], messages: [{ id: wamid }] } };
      }
      const mid = `m_SIM${(++sequence).toString().padStart(6, '0')}${randomBytes(4).toString('hex')}`;
      sent.push({ to: request.json?.recipient?.id, id: mid, json: request.json });
      return { status: 200, body: { recipient_id: request.json?.recipient?.id, message_id: mid } };
    }
    if (request.method === 'GET' && edge === undefined) {
      const fields = url.searchParams.get('fields') ?? '';
      const file = media.get(id!);
      if (file && !file.public) return { status: 200, body: { url: `${base}/media-download/${encodeURIComponent(id!)}`, mime_type: file.mimeType, file_size: file.content.length, id, messaging_product: 'whatsapp' } };
      const profile = profiles.get(id!);
      if (profile) return { status: 200, body: { ...profile, id } };
      if (accounts.has(id!)) {
        if (fields.includes('display_phone_number')) return { status: 200, body: { display_phone_number: '+1 555-010-0100', verified_name: 'Simulated Shop', id } };
        if (fields.includes('username')) return { status: 200, body: { username: 'simulated_shop', id } };
        return { status: 200, body: { name: 'Simulated Shop Page', id } };
      }
      return graphError(400, 100, `Unsupported get request. Object with ID '${id}' does not exist`, { subcode: 33 });
    }
    return graphError(400, 100, 'Unsupported request');
  }

  /** Records a request and answers it as Meta would. */
  function handle(request: SimulatorRequest): SimulatorAnswer {
    let json: unknown;
    try {
      json = request.body ? JSON.parse(request.body) : undefined;
    } catch {
      json = undefined;
    }
    const recorded: RecordedRequest = { ...request, json };
    log.record(recorded);
    const result = answer(recorded);
    if ('raw' in result) return { status: result.status, headers: { 'content-type': result.type }, body: result.raw };
    return { status: result.status, headers: { 'content-type': 'application/json', ...result.headers }, body: Buffer.from(JSON.stringify(result.body)) };
  }

  /** A phone that received the message says so, then the person reads it. */
  function reportLater(account: SimulatedAccount, wamid: string, recipient: string) {
    const report = (status: 'delivered' | 'read') => () =>
      void postWebhook(account, whatsappStatus(account.id, { id: wamid, status, recipient })).catch(() => undefined);
    setTimeout(report('delivered'), account.autoStatuses!.deliveredAfterMs).unref();
    setTimeout(report('read'), account.autoStatuses!.readAfterMs).unref();
  }

  /** Posts `payload` to the account's webhook URL, signed with its app secret over the exact bytes. */
  async function postWebhook(account: SimulatedAccount, payload: unknown, signWith = account.appSecret) {
    const body = JSON.stringify(payload);
    if (!account.webhookUrl) throw new Error(`the simulator has no webhook URL for ${account.id}: connect() it with one`);
    const response = await fetch(account.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(signWith, body) },
      body,
    });
    return { status: response.status, body: await response.text() };
  }

  /** A customer writes to the number: Meta's `messages` webhook with the contact's profile. */
  function whatsappMessage(phoneNumberId: string, input: WhatsAppInbound) {
    const id = input.id ?? `wamid.IN${(++sequence).toString().padStart(6, '0')}${randomBytes(4).toString('hex')}`;
    const message = { from: input.from, id, timestamp: unixSeconds(input.at ?? new Date()), ...(input.message ?? { type: 'text', text: { body: input.text ?? 'Hello' } }) };
    return { id, payload: whatsappEnvelope(phoneNumberId, { contacts: [{ profile: { name: input.name ?? 'Customer' }, wa_id: input.from }], messages: [message] }) };
  }

  function whatsappStatus(phoneNumberId: string, input: WhatsAppStatus) {
    const errors = input.errors?.map((error) => ({ code: error.code, title: error.title, message: error.title, error_data: { details: error.details ?? error.title } }));
    return whatsappEnvelope(phoneNumberId, {
      statuses: [{ id: input.id, status: input.status, timestamp: unixSeconds(input.at ?? new Date()), recipient_id: input.recipient, ...(errors ? { errors } : {}) }],
    });
  }

  function messagingMessage(pageId: string, input: MessagingInbound) {
    const mid = input.mid ?? `m_IN${(++sequence).toString().padStart(6, '0')}${randomBytes(4).toString('hex')}`;
    const at = (input.at ?? new Date()).getTime();
    return {
      mid,
      payload: messagingEnvelope(input.object ?? 'page', pageId, [
        { sender: { id: input.from }, recipient: { id: pageId }, timestamp: at, message: { mid, ...(input.message ?? { text: input.text ?? 'Hello' }) } },
      ]),
    };
  }

  const account = (id: string) => {
    const found = accounts.get(id);
    if (!found) throw new Error(`the simulator knows no account ${id}: connect() it first`);
    return found;
  };

  const whatsappEnvelope = (phoneNumberId: string, value: Record<string, unknown>) => ({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: 'WABA-SIMULATED',
        changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550100100', phone_number_id: phoneNumberId }, ...value } }],
      },
    ],
  });

  const messagingEnvelope = (object: 'page' | 'instagram', accountId: string, messaging: unknown[]) => ({
    object,
    entry: [{ id: accountId, time: Date.now(), messaging }],
  });

  return {
    url: base,
    handle,
    received,
    sent,
    /** The requests to one path suffix (`/messages`), in order. */
    requestsTo: log.requestsTo,
    connect(input: SimulatedAccount) {
      accounts.set(input.id, input);
    },
    knows: (id: string) => accounts.has(id),
    /** The next calls to `/messages` answer these, in order (a refusal, a 429, a 5xx); then sends succeed again. */
    answerNext(...answers: ScriptedAnswer[]) {
      scripted.push(...answers);
    },
    /**
     * A file Meta keeps: WhatsApp's by media id (`GET /{id}` answers its URL, which needs the
     * token), or with `public`, a CDN file as Messenger and Instagram link them (`mediaUrl(id)`).
     */
    addMedia(id: string, content: Buffer, mimeType: string, options: { public?: boolean } = {}) {
      media.set(id, { content, mimeType, public: options.public ?? false });
    },
    mediaUrl: (id: string) => `${base}/media-download/${encodeURIComponent(id)}`,
    setProfile(id: string, profile: Record<string, unknown>) {
      profiles.set(id, profile);
    },
    waitFor: log.waitFor,
    postWebhook,
    /** Raw bytes, signed or not, for the refusal tests. */
    async postRaw(url: string, body: string | Buffer, headers: Record<string, string>) {
      const response = await fetch(url, { method: 'POST', headers, body: typeof body === 'string' ? body : new Uint8Array(body) });
      return { status: response.status, body: await response.text() };
    },

    whatsapp: {
      /** A customer writes to the number: Meta's `messages` webhook with the contact's profile. */
      message: whatsappMessage,
      status: whatsappStatus,
      async customerWrites(phoneNumberId: string, input: WhatsAppInbound) {
        const { id, payload } = whatsappMessage(phoneNumberId, input);
        return { id, ...(await postWebhook(account(phoneNumberId), payload)) };
      },
      async reportStatus(phoneNumberId: string, input: WhatsAppStatus) {
        return postWebhook(account(phoneNumberId), whatsappStatus(phoneNumberId, input));
      },
    },

    messenger: {
      message: messagingMessage,
      /** The page's own message coming back (`is_echo`). */
      echo(pageId: string, input: { to: string; mid: string; text: string; object?: 'page' | 'instagram' }) {
        return messagingEnvelope(input.object ?? 'page', pageId, [
          { sender: { id: pageId }, recipient: { id: input.to }, timestamp: Date.now(), message: { mid: input.mid, text: input.text, is_echo: true, app_id: 1 } },
        ]);
      },
      delivery(pageId: string, input: { from: string; watermark: Date; mids?: string[] }) {
        return messagingEnvelope('page', pageId, [
          { sender: { id: input.from }, recipient: { id: pageId }, timestamp: Date.now(), delivery: { ...(input.mids ? { mids: input.mids } : {}), watermark: input.watermark.getTime() } },
        ]);
      },
      read(pageId: string, input: { from: string; watermark?: Date; mid?: string; object?: 'page' | 'instagram' }) {
        const read = input.mid ? { mid: input.mid } : { watermark: input.watermark!.getTime() };
        return messagingEnvelope(input.object ?? 'page', pageId, [{ sender: { id: input.from }, recipient: { id: pageId }, timestamp: Date.now(), read }]);
      },
      async customerWrites(pageId: string, input: MessagingInbound) {
        const { mid, payload } = messagingMessage(pageId, input);
        return { mid, ...(await postWebhook(account(pageId), payload)) };
      },
    },
  };
}

export type MetaSimulator = Awaited<ReturnType<typeof startMetaSimulator>>;
