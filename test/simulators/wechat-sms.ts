import { createHash, createHmac, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Stand-ins for WeChat's Official Account API and Twilio's Messaging API, for tests and the
 * benchmark: one local HTTP server that answers their calls as they document them, records every
 * request, can be told to refuse, and posts signed webhooks in the real formats (WeChat's XML with
 * its query signature, Twilio's form posts with `X-Twilio-Signature`).
 *
 * Only Node's own modules, like ./meta.ts.
 */
export type RecordedRequest = { method: string; path: string; query: URLSearchParams; headers: http.IncomingHttpHeaders; body: string };

type Answer = { status: number; headers: Record<string, string>; body: Buffer };

const json = (status: number, body: unknown): Answer => ({ status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: Buffer.from(JSON.stringify(body)) });

/** A WeChat Official Account: its credentials, the token that signs its webhooks, and where they go. */
export type WechatAccount = { appId: string; appSecret: string; token: string; webhookUrl?: string };

/** A Twilio account: its credentials, and its number's inbound webhook as Twilio signs it (`signedUrl`) and reaches it (`postUrl`). */
export type TwilioAccount = { accountSid: string; authToken: string; number: string; signedUrl?: string; postUrl?: string };

/** The signature WeChat puts in a webhook's query: SHA-1 of the sorted token, timestamp and nonce. */
export function signWechat(token: string, timestamp: string, nonce: string): string {
  return createHash('sha1').update([token, timestamp, nonce].sort().join('')).digest('hex');
}

/** `X-Twilio-Signature`: Base64 HMAC-SHA1 of the URL followed by each parameter's name and value, sorted by name. */
export function signTwilio(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((text, key) => text + key + params[key], url);
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

const cdata = (value: string) => `<![CDATA[${value.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;

/** A WeChat message as its server posts it. */
export function wechatXml(input: { to: string; from: string; at: Date; type?: string; fields: Record<string, string>; msgId?: string }): string {
  const fields = Object.entries(input.fields)
    .map(([key, value]) => `<${key}>${/^\d+(\.\d+)?$/.test(value) ? value : cdata(value)}</${key}>`)
    .join('');
  return (
    `<xml><ToUserName>${cdata(input.to)}</ToUserName><FromUserName>${cdata(input.from)}</FromUserName>` +
    `<CreateTime>${Math.floor(input.at.getTime() / 1000)}</CreateTime><MsgType>${cdata(input.type ?? 'text')}</MsgType>${fields}` +
    (input.msgId ? `<MsgId>${input.msgId}</MsgId>` : '') +
    '</xml>'
  );
}

export type PostAnswer = { status: number; body: string };

async function post(url: string, body: string, headers: Record<string, string>): Promise<PostAnswer> {
  const response = await fetch(url, { method: 'POST', headers, body });
  return { status: response.status, body: await response.text() };
}

export async function startWechatSmsSimulator(options: { host?: string } = {}) {
  const host = options.host ?? '127.0.0.1';
  const received: RecordedRequest[] = [];
  const wechat = new Map<string, WechatAccount>();
  const twilio = new Map<string, TwilioAccount>();
  /** Access tokens WeChat issued and still honours, by token: the account's AppID. */
  const tokens = new Map<string, string>();
  const media = new Map<string, { content: Buffer; contentType: string }>();
  const profiles = new Map<string, Record<string, unknown>>();
  /** Answers given instead of the next calls to a path (`/cgi-bin/message/custom/send`), in order. */
  const scripted = new Map<string, Answer[]>();
  /** What each Twilio message was sent with: its StatusCallback, for the receipts. */
  const twilioMessages = new Map<string, { accountSid: string; statusCallback?: string; to: string }>();
  const optedOut = new Set<string>();
  let issued = 0;
  let sids = 0;

  function wechatApi(request: RecordedRequest): Answer {
    const { path, query } = request;
    if (path === '/cgi-bin/token') {
      const account = wechat.get(query.get('appid') ?? '');
      if (query.get('grant_type') !== 'client_credential') return json(200, { errcode: 40002, errmsg: 'invalid grant_type' });
      if (!account) return json(200, { errcode: 40013, errmsg: 'invalid appid' });
      if (account.appSecret !== query.get('secret')) return json(200, { errcode: 40125, errmsg: 'invalid appsecret' });
      const token = `ACCESS_TOKEN_${++issued}_${randomBytes(6).toString('hex')}`;
      tokens.set(token, account.appId);
      return json(200, { access_token: token, expires_in: 7200 });
    }
    const appId = tokens.get(query.get('access_token') ?? '');
    if (!appId) return json(200, { errcode: 40001, errmsg: 'invalid credential, access_token is invalid or not latest' });
    if (path === '/cgi-bin/message/custom/send' && request.method === 'POST') {
      let body: { touser?: unknown; msgtype?: unknown; text?: { content?: unknown } };
      try {
        body = JSON.parse(request.body);
      } catch {
        return json(200, { errcode: 47001, errmsg: 'data format error' });
      }
      if (typeof body.touser !== 'string' || body.msgtype !== 'text' || typeof body.text?.content !== 'string') return json(200, { errcode: 44002, errmsg: 'empty post data' });
      return json(200, { errcode: 0, errmsg: 'ok' });
    }
    if (path === '/cgi-bin/user/info') {
      const profile = profiles.get(query.get('openid') ?? '');
      return profile ? json(200, { subscribe: 1, openid: query.get('openid'), ...profile }) : json(200, { errcode: 40003, errmsg: 'invalid openid' });
    }
    if (path === '/cgi-bin/media/get') {
      const file = media.get(query.get('media_id') ?? '');
      if (!file) return json(200, { errcode: 40007, errmsg: 'invalid media_id' });
      return { status: 200, headers: { 'content-type': file.contentType }, body: file.content };
    }
    return json(404, { errcode: 404, errmsg: 'not found' });
  }

  function twilioApi(request: RecordedRequest): Answer {
    const match = /^\/2010-04-01\/Accounts\/([^/]+?)(\.json|\/Messages\.json)$/.exec(request.path);
    const account = match && twilio.get(match[1]!);
    const [user, password] = Buffer.from((request.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString('utf8').split(':');
    if (!account || user !== account.accountSid || password !== account.authToken) {
      return json(401, { code: 20003, message: 'Authentication Error - invalid username', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 });
    }
    if (match![2] === '.json') return json(200, { sid: account.accountSid, friendly_name: 'Simulated Shop', status: 'active', type: 'Full' });
    if (request.method !== 'POST') return json(405, { code: 20004, message: 'Method not allowed', status: 405 });
    const form = new URLSearchParams(request.body);
    const to = form.get('To') ?? '';
    if (!/^\+[1-9]\d{6,14}$/.test(to)) return json(400, { code: 21211, message: `The 'To' number ${to} is not a valid phone number.`, status: 400 });
    if (optedOut.has(to)) return json(400, { code: 21610, message: 'Attempt to send to unsubscribed recipient', status: 400 });
    if (!form.get('Body') && !form.get('MediaUrl')) return json(400, { code: 21602, message: 'Message body is required.', status: 400 });
    const sid = `SM${(++sids).toString(16).padStart(32, '0')}`;
    twilioMessages.set(sid, { accountSid: account.accountSid, statusCallback: form.get('StatusCallback') ?? undefined, to });
    return json(201, { sid, account_sid: account.accountSid, to, from: form.get('From'), body: form.get('Body'), status: 'queued', num_segments: '1' });
  }

  function handle(request: RecordedRequest): Answer {
    received.push(request);
    const queued = scripted.get(request.path)?.shift();
    if (queued) return queued;
    if (request.path.startsWith('/cgi-bin/')) return wechatApi(request);
    if (request.path.startsWith('/2010-04-01/')) return twilioApi(request);
    const file = request.path.startsWith('/twilio-media/') ? media.get(request.path.slice('/twilio-media/'.length)) : undefined;
    if (file) return { status: 200, headers: { 'content-type': file.contentType }, body: file.content };
    return json(404, { message: 'not found' });
  }

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://simulator');
      const answer = handle({ method: request.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(answer.status, { ...answer.headers, 'content-length': answer.body.length }).end(answer.body);
    });
  });
  server.keepAliveTimeout = 1000;
  server.listen(0, host);
  await once(server, 'listening');
  const url = `http://${host}:${(server.address() as AddressInfo).port}`;
  let msgIds = 6_400_000_000_000_000_000n;
  let inboundSids = 0;

  return {
    url,
    received,
    requestsTo: (path: string) => received.filter((request) => request.path === path),
    /** The next calls to `path` get these answers instead (a refusal, a 500). */
    script(path: string, ...answers: Array<{ status?: number; body: unknown }>) {
      scripted.set(path, [...(scripted.get(path) ?? []), ...answers.map((answer) => json(answer.status ?? 200, answer.body))]);
    },
    addMedia(id: string, content: Buffer, contentType: string) {
      media.set(id, { content, contentType });
      return `${url}/twilio-media/${id}`;
    },

    wechat: {
      connect(account: WechatAccount) {
        wechat.set(account.appId, account);
      },
      setProfile(openId: string, profile: Record<string, unknown>) {
        profiles.set(openId, profile);
      },
      /** Every token issued so far stops working, as when WeChat's two hours are up (42001). */
      expireTokens() {
        tokens.clear();
      },
      tokensIssued: () => issued,
      /** A signed POST of one message in WeChat's XML; `xml` overrides the body, `signature` the signature. */
      async post(appId: string, input: { xml: string; signature?: string; timestamp?: string; nonce?: string }): Promise<PostAnswer> {
        const account = wechat.get(appId)!;
        const timestamp = input.timestamp ?? String(Math.floor(Date.now() / 1000));
        const nonce = input.nonce ?? String(Math.floor(Math.random() * 1e9));
        const signature = input.signature ?? signWechat(account.token, timestamp, nonce);
        const query = new URLSearchParams({ signature, timestamp, nonce, openid: 'o' });
        return post(`${account.webhookUrl}?${query}`, input.xml, { 'content-type': 'text/xml' });
      },
      /** The customer `from` (an OpenID) writes; answers the MsgId too, to post it again. */
      async customerWrites(appId: string, input: { from: string; text?: string; msgId?: string; at?: Date; type?: string; fields?: Record<string, string> }) {
        const msgId = input.msgId ?? String(++msgIds);
        const fields = input.fields ?? { Content: input.text ?? 'hello' };
        const xml = wechatXml({ to: 'gh_simulated', from: input.from, at: input.at ?? new Date(), type: input.type, fields, msgId });
        return { msgId, ...(await this.post(appId, { xml })) };
      },
    },

    twilio: {
      connect(account: TwilioAccount) {
        twilio.set(account.accountSid, account);
      },
      /** Twilio's later sends to this number fail with 21610, as after the recipient texted STOP. */
      optOut(number: string, out = true) {
        if (out) optedOut.add(number);
        else optedOut.delete(number);
      },
      /** A form post signed for `signedUrl` (Twilio signs the URL it was configured with), posted to `postUrl`. */
      async post(accountSid: string, params: Record<string, string>, options: { signedUrl?: string; postUrl?: string; signature?: string } = {}): Promise<PostAnswer> {
        const account = twilio.get(accountSid)!;
        const signedUrl = options.signedUrl ?? account.signedUrl!;
        const signature = options.signature ?? signTwilio(account.authToken, signedUrl, params);
        return post(options.postUrl ?? account.postUrl!, new URLSearchParams(params).toString(), {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': signature,
        });
      },
      /** An SMS (or MMS, with `media` URLs) from `from` to the account's number, as Twilio posts it. */
      async customerWrites(accountSid: string, input: { from: string; body?: string; messageSid?: string; media?: Array<{ url: string; contentType: string }>; fromCountry?: string }) {
        const account = twilio.get(accountSid)!;
        const messageSid = input.messageSid ?? `${input.media?.length ? 'MM' : 'SM'}${(++inboundSids).toString(16).padStart(32, 'a')}`;
        const params: Record<string, string> = {
          ToCountry: 'US',
          ToState: 'CA',
          SmsMessageSid: messageSid,
          NumMedia: String(input.media?.length ?? 0),
          ToCity: '',
          FromZip: '',
          SmsSid: messageSid,
          FromState: '',
          SmsStatus: 'received',
          FromCity: '',
          Body: input.body ?? '',
          FromCountry: input.fromCountry ?? '',
          To: account.number,
          MessagingServiceSid: '',
          ToZip: '',
          NumSegments: '1',
          MessageSid: messageSid,
          AccountSid: accountSid,
          From: input.from,
          ApiVersion: '2010-04-01',
        };
        input.media?.forEach((file, index) => {
          params[`MediaUrl${index}`] = file.url;
          params[`MediaContentType${index}`] = file.contentType;
        });
        return { messageSid, ...(await this.post(accountSid, params)) };
      },
      /** Twilio reports a sent message's status to the StatusCallback it was sent with, signed for that URL. */
      async reportStatus(messageSid: string, status: 'queued' | 'sent' | 'delivered' | 'undelivered' | 'failed' | 'read', errorCode?: number) {
        const sent = twilioMessages.get(messageSid);
        if (!sent?.statusCallback) throw new Error(`no StatusCallback for ${messageSid}`);
        const account = twilio.get(sent.accountSid)!;
        const params: Record<string, string> = {
          SmsSid: messageSid,
          SmsStatus: status,
          MessageStatus: status,
          To: sent.to,
          MessageSid: messageSid,
          AccountSid: sent.accountSid,
          From: account.number,
          ApiVersion: '2010-04-01',
          ...(errorCode === undefined ? {} : { ErrorCode: String(errorCode) }),
        };
        // Signed for the URL as given; posted where the test server listens.
        const given = new URL(sent.statusCallback);
        const reach = new URL(account.postUrl!);
        return this.post(sent.accountSid, params, { signedUrl: sent.statusCallback, postUrl: `${reach.origin}${given.pathname}${given.search}` });
      },
      sentMessages: () => [...twilioMessages.entries()].map(([sid, message]) => ({ sid, ...message })),
    },

    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

export type WechatSmsSimulator = Awaited<ReturnType<typeof startWechatSmsSimulator>>;
