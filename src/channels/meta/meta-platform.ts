import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { sameBytes } from '../../platform/constant-time.js';
import { AppError, badRequest } from '../../platform/errors.js';
import type { ChannelContext, HttpResponse, SendResult, TestResult, WebhookRequest } from '../channel-registry.js';

/**
 * What WhatsApp, Messenger and Instagram share: Meta's webhook signature and handshake, and its
 * Graph API's calls and errors (../shared/CHANNELS.md, "Meta").
 */
export const GRAPH_VERSION = 'v23.0';
export const SIGNATURE_HEADER = 'x-hub-signature-256';
const CALL_TIMEOUT_MS = 10_000;

/** `sha256=<hex HMAC-SHA256(app secret, raw body)>`, as Meta signs a webhook. */
export function metaSignature(appSecret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
}

/** Over the raw bytes, compared in constant time; a missing or malformed header fails. */
export function verifyMetaSignature(request: WebhookRequest, appSecret: string): boolean {
  const header = request.headers[SIGNATURE_HEADER];
  if (typeof header !== 'string') return false;
  const expected = Buffer.from(metaSignature(appSecret, request.rawBody));
  const given = Buffer.from(header);
  return sameBytes(given, expected);
}

/** `GET ?hub.mode=subscribe&hub.verify_token=T&hub.challenge=C`: C when T is the channel's verify token. */
export function metaHandshake(request: WebhookRequest, verifyToken: string): string | null {
  const { query } = request;
  const token = query['hub.verify_token'];
  const challenge = query['hub.challenge'];
  if (query['hub.mode'] !== 'subscribe' || typeof token !== 'string' || typeof challenge !== 'string' || challenge.length > 200) return null;
  const given = Buffer.from(token);
  const expected = Buffer.from(verifyToken);
  return sameBytes(given, expected) ? challenge : null;
}

/**
 * The body as JSON whose `object` is the one this channel subscribes to. Another object (a
 * Messenger payload posted to a WhatsApp URL) is a misconfigured webhook: 400, nothing stored.
 */
export function parseMetaBody<T extends z.ZodType>(request: WebhookRequest, object: string, schema: T): z.infer<T> {
  let json: unknown;
  try {
    json = JSON.parse(request.rawBody.toString('utf8'));
  } catch {
    throw badRequest('invalid_json', 'The body is not valid JSON');
  }
  const found = (json as { object?: unknown } | null)?.object;
  if (found !== object) {
    throw badRequest('unsupported_object', `This webhook takes object "${object}", not ${JSON.stringify(found ?? null)}: check the callback URL in Meta's console`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw badRequest('invalid_payload', `${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  return parsed.data;
}

/** Unix seconds as a string (WhatsApp) or milliseconds as a number (Messenger, Instagram). */
export const fromUnixSeconds = (value: string | number) => new Date(Number(value) * 1000);
export const fromUnixMillis = (value: number) => new Date(value);

export type GraphAnswer = { response: HttpResponse; json: unknown };

/** One Graph API call with the channel's token; network failures throw. */
export async function graphCall(
  context: ChannelContext,
  input: { baseUrl: string; path: string; token: string; method?: 'GET' | 'POST'; body?: unknown; timeoutMs?: number },
): Promise<GraphAnswer> {
  const url = `${input.baseUrl.replace(/\/$/, '')}/${GRAPH_VERSION}/${input.path}`;
  const response = await context.http(url, {
    method: input.method ?? 'GET',
    headers: { authorization: `Bearer ${input.token}`, ...(input.body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: input.body === undefined ? undefined : JSON.stringify(input.body),
    timeoutMs: input.timeoutMs ?? CALL_TIMEOUT_MS,
  });
  let json: unknown;
  try {
    json = JSON.parse(response.body.toString('utf8'));
  } catch {
    json = undefined;
  }
  return { response, json };
}

const graphError = z.object({
  error: z.object({
    message: z.string().optional(),
    code: z.number().optional(),
    error_subcode: z.number().optional(),
    error_user_title: z.string().optional(),
    error_data: z.object({ details: z.string().optional() }).loose().optional(),
  }),
});

/** Codes Meta documents as temporary (rate limits, service errors): the send is tried again later. */
const temporaryCodes = new Set([1, 2, 4, 17, 32, 613, 1200, 80007, 130429, 131000, 131016, 131048, 131056, 133004]);

export type GraphFailure = { error: string; retryable: boolean; code?: string };

/** A refused Graph call in words, with the provider's code namespaced by channel type (`whatsapp:131047`). */
export function graphFailure(type: string, { response, json }: GraphAnswer): GraphFailure {
  const parsed = graphError.safeParse(json);
  const transient = response.status === 429 || response.status >= 500;
  if (!parsed.success) {
    const detail = response.body.toString('utf8').slice(0, 200);
    return { error: `Meta answered ${response.status}${detail ? `: ${detail}` : ''}`, retryable: transient || response.status === 408 };
  }
  const { message, code, error_subcode: subcode, error_data: data } = parsed.data.error;
  const words = [message, data?.details].filter(Boolean).join(': ') || `HTTP ${response.status}`;
  const codeText = code === undefined ? undefined : subcode === undefined ? String(code) : `${code}/${subcode}`;
  return {
    error: codeText ? `${words} (${codeText})` : words,
    retryable: transient || (code !== undefined && temporaryCodes.has(code)),
    code: codeText ? `${type}:${codeText}` : undefined,
  };
}

/** A call that did not get an answer (timeout, refused address, connection reset). */
export function unreachable(error: unknown): { error: string; retryable: boolean } {
  const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
  // A refused address stays refused: trying again would only fail again.
  const refused = error instanceof Error && error.name === 'OutboundRefused';
  return { error: `Meta could not be reached: ${reason}`, retryable: !refused };
}

/** The message id a Graph send answered, or a failure when the answer has none. */
export function sentId(type: string, answer: GraphAnswer, read: (json: unknown) => string | undefined): SendResult {
  if (answer.response.status < 200 || answer.response.status >= 300) return { ok: false, ...graphFailure(type, answer) };
  const id = read(answer.json);
  if (!id) return { ok: false, error: 'Meta accepted the message but answered no message id', retryable: false };
  return { ok: true, providerMessageId: id };
}

/** "Test connection": a GET the credentials must pass, answered in a person's words. */
export async function testGraphCall(
  type: string,
  context: ChannelContext,
  input: { baseUrl: string; path: string; token: string },
  describe: (json: unknown) => string | undefined,
): Promise<TestResult> {
  let answer: GraphAnswer;
  try {
    answer = await graphCall(context, input);
  } catch (error) {
    return { ok: false, error: unreachable(error).error };
  }
  if (answer.response.status !== 200) return { ok: false, error: graphFailure(type, answer).error };
  const detail = describe(answer.json);
  return detail ? { ok: true, detail } : { ok: false, error: 'Meta answered, but not with what this channel needs: check the ids' };
}

/** Downloads a file Meta keeps for a message; refuses what is larger than an attachment may be. */
export async function download(context: ChannelContext, url: string, token: string | undefined, maxBytes: number) {
  const response = await context.http(url, { headers: token ? { authorization: `Bearer ${token}` } : {}, maxResponseBytes: maxBytes + 1, timeoutMs: 30_000 });
  if (response.status !== 200) throw new Error(`Meta answered ${response.status} for the file`);
  if (response.body.length > maxBytes) throw new AppError(413, 'attachment_too_large', 'The file is larger than an attachment may be');
  const type = response.headers['content-type'];
  return { content: response.body, contentType: typeof type === 'string' ? type.split(';')[0]!.trim() : undefined };
}
