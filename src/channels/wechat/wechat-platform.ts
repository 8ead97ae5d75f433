import { createHash } from 'node:crypto';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { sameBytes } from '../../platform/constant-time.js';
import { badRequest } from '../../platform/errors.js';
import type { ChannelContext, WebhookRequest } from '../channel-registry.js';

/**
 * What a WeChat Official Account's webhook and API need (../shared/CHANNELS.md, "WeChat"): the
 * SHA-1 signature of the sorted token, timestamp and nonce, the XML of its messages, and the
 * access token every API call carries, fetched once and shared by every process.
 */
const CALL_TIMEOUT_MS = 10_000;

/** hex SHA-1 of [token, timestamp, nonce] sorted and joined, as WeChat signs each webhook call. */
export function wechatSignature(token: string, timestamp: string, nonce: string): string {
  return createHash('sha1').update([token, timestamp, nonce].sort().join('')).digest('hex');
}

/** The query's `signature` against the channel's token, in constant time; anything missing fails. */
export function verifyWechatQuery(request: WebhookRequest, token: string): boolean {
  const { signature, timestamp, nonce } = request.query;
  if (typeof signature !== 'string' || typeof timestamp !== 'string' || typeof nonce !== 'string') return false;
  if (timestamp.length > 20 || nonce.length > 100) return false;
  const expected = Buffer.from(wechatSignature(token, timestamp, nonce));
  const given = Buffer.from(signature.toLowerCase());
  return sameBytes(given, expected);
}

/** Every value a string: a `MsgId` is a 64-bit number, past what a JavaScript number holds exactly. */
const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  trimValues: true,
});

/**
 * The `<xml>` element's children as strings. WeChat sends no DOCTYPE: one, or an entity
 * declaration, is refused before parsing (no entity is ever expanded), as is XML that is not
 * well-formed or has no `<xml>` root.
 */
export function parseWechatXml(rawBody: Buffer): Record<string, unknown> {
  const text = rawBody.toString('utf8');
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw badRequest('invalid_xml', 'XML with a DOCTYPE or entity declarations is not accepted');
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw badRequest('invalid_xml', `The body is not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  const document = parser.parse(text) as { xml?: unknown };
  if (typeof document.xml !== 'object' || document.xml === null || Array.isArray(document.xml)) throw badRequest('invalid_xml', 'The body has no <xml> message');
  return document.xml as Record<string, unknown>;
}

export type WechatApiSettings = { appId: string; appSecret: string; apiBaseUrl: string };

const TOKEN_KEY = 'access-token';
/** Refreshed this long before WeChat says it expires, so no call carries a token about to lapse. */
const REFRESH_MARGIN_MS = 5 * 60 * 1000;
/** WeChat's codes for a token that is wrong or expired: fetched again, the call tried once more. */
const STALE_TOKEN_CODES = new Set([40001, 40014, 42001]);

export class WechatError extends Error {
  constructor(
    message: string,
    readonly code: number | undefined,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'WechatError';
  }
}

type Answer = { status: number; json: Record<string, unknown> | undefined; body: Buffer; contentType: string | undefined };

async function call(context: ChannelContext, url: string, init: { method?: 'GET' | 'POST'; body?: unknown; maxResponseBytes?: number } = {}): Promise<Answer> {
  const response = await context.http(url, {
    method: init.method ?? 'GET',
    headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    timeoutMs: CALL_TIMEOUT_MS,
    maxResponseBytes: init.maxResponseBytes,
  });
  const type = response.headers['content-type'];
  const contentType = typeof type === 'string' ? type.split(';')[0]!.trim() : undefined;
  let json: Record<string, unknown> | undefined;
  if (!contentType || contentType.includes('json') || contentType.startsWith('text/')) {
    try {
      const parsed: unknown = JSON.parse(response.body.toString('utf8'));
      if (typeof parsed === 'object' && parsed !== null) json = parsed as Record<string, unknown>;
    } catch {
      json = undefined;
    }
  }
  return { status: response.status, json, body: response.body, contentType };
}

const base = (settings: WechatApiSettings) => settings.apiBaseUrl.replace(/\/$/, '');

/** WeChat's refusal in words, with its code (`errcode`), or undefined when the answer is a success. */
export function wechatFailure(answer: Answer): WechatError | undefined {
  const code = typeof answer.json?.errcode === 'number' ? answer.json.errcode : undefined;
  if (answer.status >= 200 && answer.status < 300 && (code === undefined || code === 0)) return undefined;
  if (code === undefined) return new WechatError(`WeChat answered ${answer.status}`, undefined, answer.status >= 500 || answer.status === 429);
  const message = typeof answer.json?.errmsg === 'string' ? answer.json.errmsg : 'refused';
  // -1: system busy; 45009: the API's call limit; both pass.
  return new WechatError(`${message} (${code})`, code, code === -1 || code === 45009 || answer.status >= 500);
}

async function fetchToken(settings: WechatApiSettings, context: ChannelContext): Promise<string> {
  const query = new URLSearchParams({ grant_type: 'client_credential', appid: settings.appId, secret: settings.appSecret });
  const answer = await call(context, `${base(settings)}/cgi-bin/token?${query}`);
  const failure = wechatFailure(answer);
  if (failure) throw failure;
  const token = answer.json?.access_token;
  const expiresIn = Number(answer.json?.expires_in ?? 7200);
  if (typeof token !== 'string' || token === '') throw new WechatError('WeChat answered no access token', undefined, false);
  const lifetime = Math.max(60_000, expiresIn * 1000 - REFRESH_MARGIN_MS);
  await context.state.set(TOKEN_KEY, token, { expiresAt: new Date(context.now().getTime() + lifetime) });
  return token;
}

/** Fetches in flight in this process, by account: sends that find no token at once share one fetch. */
const fetching = new Map<string, Promise<string>>();

/**
 * The channel's access token: the one every process shares while it lasts, else a fresh one (then
 * shared). `stale`: the token WeChat just called expired; another send (or process) may have
 * replaced it already, and each fetch counts against WeChat's daily quota, so that one is used.
 */
export async function accessToken(settings: WechatApiSettings, context: ChannelContext, options: { force?: boolean; stale?: string } = {}): Promise<string> {
  if (!options.force) {
    const known = await context.state.get<string>(TOKEN_KEY);
    if (typeof known === 'string' && known !== '' && known !== options.stale) return known;
  }
  const key = `${settings.apiBaseUrl}\n${settings.appId}\n${settings.appSecret}`;
  const running = fetching.get(key);
  if (running) return running;
  const fetched = fetchToken(settings, context).finally(() => fetching.delete(key));
  fetching.set(key, fetched);
  return fetched;
}

/**
 * One API call with the access token in its query; a token WeChat calls stale or expired
 * (40001, 42001) is fetched again and the call made once more. Throws WechatError on a refusal.
 */
export async function wechatCall(
  settings: WechatApiSettings,
  context: ChannelContext,
  path: string,
  init: { method?: 'GET' | 'POST'; query?: Record<string, string>; body?: unknown; maxResponseBytes?: number } = {},
): Promise<Answer> {
  let token = await accessToken(settings, context);
  for (let attempt = 0; ; attempt++) {
    const query = new URLSearchParams({ access_token: token, ...init.query });
    const answer = await call(context, `${base(settings)}${path}?${query}`, init);
    const failure = wechatFailure(answer);
    if (!failure) return answer;
    if (attempt === 0 && failure.code !== undefined && STALE_TOKEN_CODES.has(failure.code)) {
      token = await accessToken(settings, context, { stale: token });
      continue;
    }
    throw failure;
  }
}
