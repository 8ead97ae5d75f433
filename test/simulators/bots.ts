import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { lineSignature } from '../../src/channels/line/line.channel.js';
import { viberSignature } from '../../src/channels/viber/viber.channel.js';
import { createRequestLog, type RecordedRequest } from './request-log.js';

/**
 * A stand-in for the Telegram Bot API, the LINE Messaging API and the Viber REST Bot API, for
 * tests and the benchmark: a local HTTP server that answers their calls as documented (send,
 * set webhook, account info, profiles, files), records every request, can be told to refuse the
 * next sends, and posts webhooks in the real formats, authenticated as each provider does
 * (Telegram's secret-token header, LINE's base64 and Viber's hex HMAC-SHA256 over the bytes).
 *
 * Only Node's own modules.
 */
export type { RecordedRequest };
export type ScriptedAnswer = { status: number; body: unknown; headers?: Record<string, string> };

/** A Telegram bot: its token, and where its webhook goes once setWebhook named it (or the test did). */
export type TelegramBot = { token: string; webhookUrl?: string; secretToken?: string; username?: string };
export type LineBot = { accessToken: string; channelSecret: string; webhookUrl?: string; displayName?: string };
export type ViberBot = { authToken: string; webhookUrl?: string; name?: string };

/** Viber's message tokens exceed 2^53: written into JSON as bare digits, as Viber does. */
const bigToken = () => (4_000_000_000_000_000_000n + BigInt(`0x${randomBytes(6).toString('hex')}`)).toString();

export async function startBotsSimulator() {
  const log = createRequestLog();
  const { received } = log;
  const telegramBots = new Map<string, TelegramBot>();
  const lineBots = new Map<string, LineBot>();
  const viberBots = new Map<string, ViberBot>();
  const scripted: ScriptedAnswer[] = [];
  const files = new Map<string, { content: Buffer; type: string }>();
  const profiles = new Map<string, Record<string, unknown>>();
  /** LINE retry keys already accepted, with the request id they were accepted as. */
  const retryKeys = new Map<string, string>();
  /** Every message accepted: `provider`, recipient and the id answered (statuses name it). */
  const sent: Array<{ provider: 'telegram' | 'line' | 'viber'; to: string; id: string; json: any }> = [];
  let sequence = 0;
  let base = '';
  /** LINE pushes to deliver but answer 500, as when the answer is lost on the way back. */
  let loseLineAnswers = 0;

  const json = (status: number, body: unknown, headers: Record<string, string> = {}) => ({ status, headers: { 'content-type': 'application/json', ...headers }, body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)) });

  async function answer(request: RecordedRequest) {
    const url = new URL(request.path, 'http://simulator');
    const path = url.pathname;

    // Telegram: /bot<token>/<method> and /file/bot<token>/<path>
    const file = /^\/file\/bot([^/]+)\/(.+)$/.exec(path);
    if (file) {
      const found = telegramBots.has(decodeURIComponent(file[1]!)) ? files.get(file[2]!) : undefined;
      return found ? { status: 200, headers: { 'content-type': found.type }, body: found.content } : json(404, { ok: false, error_code: 404, description: 'Not Found' });
    }
    const telegram = /^\/bot([^/]+)\/(\w+)$/.exec(path);
    if (telegram) {
      const bot = telegramBots.get(decodeURIComponent(telegram[1]!));
      if (!bot) return json(401, { ok: false, error_code: 401, description: 'Unauthorized' });
      const method = telegram[2]!;
      if (method === 'getMe') return json(200, { ok: true, result: { id: 7000001, is_bot: true, first_name: 'Shop', username: bot.username ?? 'simulated_shop_bot' } });
      if (method === 'setWebhook') {
        bot.webhookUrl = request.json?.url;
        bot.secretToken = request.json?.secret_token;
        return json(200, { ok: true, result: true, description: 'Webhook was set' });
      }
      if (method === 'getFile') {
        const id = request.json?.file_id;
        return files.has(id) ? json(200, { ok: true, result: { file_id: id, file_size: files.get(id)!.content.length, file_path: id } }) : json(400, { ok: false, error_code: 400, description: 'Bad Request: invalid file_id' });
      }
      if (method.startsWith('send')) {
        const next = scripted.shift();
        if (next) return json(next.status, next.body, next.headers);
        const id = ++sequence;
        sent.push({ provider: 'telegram', to: String(request.json?.chat_id), id: String(id), json: request.json });
        return json(200, { ok: true, result: { message_id: id, chat: { id: Number(request.json?.chat_id), type: 'private' }, date: Math.floor(Date.now() / 1000), text: request.json?.text } });
      }
      return json(404, { ok: false, error_code: 404, description: 'Not Found: method not found' });
    }

    // LINE: /v2/bot/…, with Bearer the channel access token
    if (path.startsWith('/v2/bot/')) {
      const bot = lineBots.get(request.headers.authorization?.replace(/^Bearer /, '') ?? '');
      if (!bot) return json(401, { message: 'Authentication failed. Confirm that the access token in the authorization header is valid.' });
      if (path === '/v2/bot/info') return json(200, { userId: 'Ubot0000', basicId: '@123abcde', displayName: bot.displayName ?? 'Simulated Shop', chatMode: 'chat', markAsReadMode: 'manual' });
      const profile = /^\/v2\/bot\/profile\/(.+)$/.exec(path);
      if (profile) {
        const found = profiles.get(decodeURIComponent(profile[1]!));
        return found ? json(200, { userId: decodeURIComponent(profile[1]!), ...found }) : json(404, { message: 'Not found' });
      }
      const content = /^\/v2\/bot\/message\/(.+)\/content$/.exec(path);
      if (content) {
        const found = files.get(`line:${decodeURIComponent(content[1]!)}`);
        return found ? { status: 200, headers: { 'content-type': found.type }, body: found.content } : json(404, { message: 'Not found' });
      }
      if (path === '/v2/bot/message/push') {
        const key = request.headers['x-line-retry-key'];
        if (typeof key === 'string' && retryKeys.has(key)) {
          return json(409, { message: 'The retry key is already accepted' }, { 'x-line-accepted-request-id': retryKeys.get(key)! });
        }
        const next = scripted.shift();
        if (next) return json(next.status, next.body, next.headers);
        const requestId = `req-${randomBytes(8).toString('hex')}`;
        if (typeof key === 'string') retryKeys.set(key, requestId);
        const ids = (request.json?.messages ?? []).map(() => String(4_600_000_000_000_000 + ++sequence));
        sent.push({ provider: 'line', to: request.json?.to, id: ids[0], json: request.json });
        if (loseLineAnswers > 0) {
          loseLineAnswers--;
          return json(500, { message: 'An error occurred in the server' });
        }
        return json(200, { sentMessages: ids.map((id: string) => ({ id, quoteToken: randomBytes(8).toString('hex') })) }, { 'x-line-request-id': requestId });
      }
      return json(404, { message: 'Not found' });
    }

    // Viber: /pa/<method>, with X-Viber-Auth-Token
    if (path.startsWith('/pa/')) {
      const bot = viberBots.get(String(request.headers['x-viber-auth-token'] ?? ''));
      if (!bot) return json(200, { status: 2, status_message: 'invalidAuthToken' });
      const method = path.slice(4);
      if (method === 'get_account_info') return json(200, { status: 0, status_message: 'ok', id: 'pa:75346594275468546724', name: bot.name ?? 'Simulated Shop', uri: 'simulatedshop', members: [] });
      if (method === 'set_webhook') {
        // Viber calls the URL with a signed `webhook` event before it answers, and sets it only if that answers 200.
        const url = request.json?.url;
        const check = await postSigned(url, 'x-viber-content-signature', { event: 'webhook', timestamp: Date.now(), chat_hostname: 'SN-CHAT-01_', message_token: bigToken() }, bot.authToken).catch(() => ({ status: 0 }));
        if (check.status !== 200) return json(200, { status: 1, status_message: `invalidUrl: the webhook answered ${check.status}` });
        bot.webhookUrl = url;
        return json(200, { status: 0, status_message: 'ok', chat_hostname: 'SN-CHAT-01_', event_types: request.json?.event_types ?? [] });
      }
      if (method === 'send_message') {
        const next = scripted.shift();
        if (next) return json(next.status, next.body, next.headers);
        const token = bigToken();
        sent.push({ provider: 'viber', to: request.json?.receiver, id: token, json: request.json });
        // Bare digits, as Viber writes them: a JSON.parse would round them.
        return json(200, `{"status":0,"status_message":"ok","message_token":${token},"chat_hostname":"SN-CHAT-01_","billing_status":1}`);
      }
      return json(200, { status: 1, status_message: 'invalidUrl' });
    }
    if (path.startsWith('/media/')) {
      const found = files.get(path.slice('/media/'.length));
      return found ? { status: 200, headers: { 'content-type': found.type }, body: found.content } : json(404, {});
    }
    return json(404, { error: 'unknown path' });
  }

  /** Posts `payload` (or its text as is) with a provider's authentication header. */
  async function postSigned(url: string | undefined, header: string, payload: unknown, key: string, sign?: (key: string, body: string) => string) {
    if (!url) throw new Error('the simulator has no webhook URL for this bot');
    const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
    const value = header === 'x-telegram-bot-api-secret-token' ? key : (sign ?? viberSignature)(key, body);
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', [header]: value }, body });
    return { status: response.status, body: await response.text() };
  }

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let parsed: unknown;
      try {
        parsed = body ? JSON.parse(body) : undefined;
      } catch {
        parsed = undefined;
      }
      const recorded: RecordedRequest = { method: request.method ?? 'GET', path: request.url ?? '/', headers: request.headers, body, json: parsed };
      log.record(recorded);
      void answer(recorded).then((result) => response.writeHead(result.status, { ...result.headers, 'content-length': result.body.length }).end(result.body));
    });
  });
  server.keepAliveTimeout = 1000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const bot = <T>(map: Map<string, T>, key: string) => {
    const found = map.get(key);
    if (!found) throw new Error(`the simulator knows no bot ${key}`);
    return found;
  };
  let updates = 100_000;

  return {
    url: base,
    received,
    sent,
    requestsTo: log.requestsTo,
    /** The next sends (any provider) answer these, in order. */
    answerNext(...answers: ScriptedAnswer[]) {
      scripted.push(...answers);
    },
    addFile(id: string, content: Buffer, type: string) {
      files.set(id, { content, type });
    },
    mediaUrl: (id: string) => `${base}/media/${id}`,
    waitFor: log.waitFor,
    async postRaw(url: string, body: string | Buffer, headers: Record<string, string>) {
      const response = await fetch(url, { method: 'POST', headers, body: typeof body === 'string' ? body : new Uint8Array(body) });
      return { status: response.status, body: await response.text() };
    },

    telegram: {
      connect: (input: TelegramBot) => void telegramBots.set(input.token, input),
      bot: (token: string) => bot(telegramBots, token),
      /** An update as Telegram sends it: a private chat's message from the user. */
      update(input: { from: { id: number; first_name?: string; last_name?: string; username?: string; language_code?: string }; text?: string; message?: Record<string, unknown>; updateId?: number; at?: Date }) {
        const updateId = input.updateId ?? ++updates;
        return {
          updateId,
          payload: {
            update_id: updateId,
            message: { message_id: ++sequence, from: { is_bot: false, ...input.from }, chat: { id: input.from.id, type: 'private', first_name: input.from.first_name }, date: Math.floor((input.at ?? new Date()).getTime() / 1000), ...(input.message ?? { text: input.text ?? 'Hello' }) },
          },
        };
      },
      /** Posts an update to the bot's webhook with the secret token setWebhook was given (or another, to forge). */
      post(token: string, payload: unknown, secret?: string) {
        const found = bot(telegramBots, token);
        return postSigned(found.webhookUrl, 'x-telegram-bot-api-secret-token', payload, secret ?? found.secretToken ?? '');
      },
    },

    line: {
      connect: (input: LineBot) => void lineBots.set(input.accessToken, input),
      setProfile: (userId: string, profile: Record<string, unknown>) => void profiles.set(userId, profile),
      /** The next push is delivered, but its answer is a 500: the sender cannot know it went out. */
      loseNextAnswer: () => void loseLineAnswers++,
      /** A message event as LINE sends it, in its `events` envelope. */
      message(input: { userId: string; text?: string; message?: Record<string, unknown>; eventId?: string; at?: Date }) {
        const eventId = input.eventId ?? `01H${randomBytes(12).toString('hex').toUpperCase()}`;
        const messageId = String(++sequence + 500_000_000_000_000);
        return {
          eventId,
          messageId,
          payload: {
            destination: 'Ubot0000',
            events: [
              {
                type: 'message',
                mode: 'active',
                timestamp: (input.at ?? new Date()).getTime(),
                webhookEventId: eventId,
                deliveryContext: { isRedelivery: false },
                source: { type: 'user', userId: input.userId },
                replyToken: randomBytes(16).toString('hex'),
                message: { id: messageId, quoteToken: randomBytes(8).toString('hex'), ...(input.message ?? { type: 'text', text: input.text ?? 'Hello' }) },
              },
            ],
          },
        };
      },
      post(accessToken: string, payload: unknown, secret?: string) {
        const found = bot(lineBots, accessToken);
        return postSigned(found.webhookUrl, 'x-line-signature', payload, secret ?? found.channelSecret, lineSignature);
      },
    },

    viber: {
      connect: (input: ViberBot) => void viberBots.set(input.authToken, input),
      bot: (authToken: string) => bot(viberBots, authToken),
      /** A message event as Viber writes it: `message_token` as bare digits past 2^53. */
      message(input: { sender: { id: string; name?: string; avatar?: string; country?: string; language?: string }; text?: string; message?: Record<string, unknown>; token?: string; at?: Date }) {
        const token = input.token ?? bigToken();
        const head = { event: 'message', timestamp: (input.at ?? new Date()).getTime(), chat_hostname: 'SN-CHAT-01_', message_token: 0, sender: { api_version: 10, ...input.sender }, message: input.message ?? { type: 'text', text: input.text ?? 'Hello' }, silent: false };
        return { token, payload: JSON.stringify(head).replace('"message_token":0', `"message_token":${token}`) };
      },
      receipt(event: 'delivered' | 'seen' | 'failed', token: string, userId: string, desc?: string) {
        return `{"event":"${event}","timestamp":${Date.now()},"chat_hostname":"SN-CHAT-01_","message_token":${token},"user_id":${JSON.stringify(userId)}${desc ? `,"desc":${JSON.stringify(desc)}` : ''}}`;
      },
      post(authToken: string, payload: string, signWith?: string) {
        const found = bot(viberBots, authToken);
        return postSigned(found.webhookUrl, 'x-viber-content-signature', payload, signWith ?? found.authToken);
      },
    },

    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type BotsSimulator = Awaited<ReturnType<typeof startBotsSimulator>>;
