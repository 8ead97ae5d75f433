import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * HTTP requests to addresses a workspace gives us (the API channel's webhookUrl, a workflow's HTTP
 * step). Loopback, private, link-local and other non-public addresses are refused, checked on the
 * address actually connected to (after DNS resolution, so a name that resolves to 127.0.0.1 is
 * refused too) and again on every redirect, unless the workspace lists the host in its
 * `allowedPrivateHosts` setting. Redirects are not followed unless asked for.
 */
export type OutboundRequest = {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  timeoutMs?: number;
  /** Redirects to follow (each re-checked); 0, the default, answers the 3xx itself. */
  maxRedirects?: number;
  /** The largest response body read; more is cut off. */
  maxResponseBytes?: number;
  /** Host names (or `host:port`) that may be private: the workspace's `allowedPrivateHosts`. */
  allowedPrivateHosts?: readonly string[];
};

export type OutboundResponse = { status: number; headers: http.IncomingHttpHeaders; body: Buffer; url: string };

/** Why a request was not made: the address is not public, or the URL is not http(s). */
export class OutboundRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutboundRefused';
  }
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

/** Only addresses of the public internet; everything ipaddr.js names otherwise is refused. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  return parsed.range() === 'unicast';
}

function isAllowed(url: URL, allowed: readonly string[]): boolean {
  return isAllowedHost(url.hostname, url.port || (url.protocol === 'https:' ? '443' : '80'), allowed);
}

function isAllowedHost(hostname: string, port: string, allowed: readonly string[]): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return allowed.some((entry) => {
    const wanted = entry.trim().toLowerCase();
    return wanted === host || wanted === `${host}:${port}`;
  });
}

/** Why a host may not be connected to: a literal address that is not public. */
function refusedLiteral(host: string): OutboundRefused | undefined {
  return ipaddr.isValid(host) && !isPublicAddress(host) ? new OutboundRefused(`${host} is not a public address`) : undefined;
}

/** Why a name may not be connected to: one of the addresses it resolves to is not public (or it has none). */
function refusedAddresses(hostname: string, list: readonly dns.LookupAddress[]): OutboundRefused | undefined {
  const refused = list.find((entry) => !isPublicAddress(entry.address));
  return refused || list.length === 0 ? new OutboundRefused(`${hostname} resolves to a non-public address (${refused?.address ?? 'none'})`) : undefined;
}

/** A DNS lookup that fails for non-public addresses, so the socket never connects to one. */
const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return (callback as (error: Error) => void)(error);
    const list = addresses as dns.LookupAddress[];
    const refusal = refusedAddresses(hostname, list);
    if (refusal) return (callback as (error: Error) => void)(refusal);
    if ((options as { all?: boolean }).all) return (callback as (error: null, addresses: dns.LookupAddress[]) => void)(null, list);
    (callback as (error: null, address: string, family: number) => void)(null, list[0]!.address, list[0]!.family);
  });
};

function requestOnce(url: URL, request: OutboundRequest, allowed: boolean): Promise<OutboundResponse> {
  const refusal = allowed ? undefined : refusedLiteral(url.hostname.replace(/^\[|\]$/g, ''));
  if (refusal) return Promise.reject(refusal);
  const transport = url.protocol === 'https:' ? https : http;
  const maxBytes = request.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  return new Promise((resolve, reject) => {
    const outgoing = transport.request(
      url,
      {
        method: request.method ?? 'GET',
        headers: request.headers,
        lookup: allowed ? undefined : guardedLookup,
        timeout: request.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        // A fresh connection each time: a kept-alive socket was checked for another host.
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          if (size >= maxBytes) return;
          chunks.push(chunk.subarray(0, maxBytes - size));
          size += chunk.length;
          if (size >= maxBytes) response.destroy();
        });
        const done = () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks), url: url.href });
        response.on('end', done);
        response.on('close', done);
        response.on('error', reject);
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${request.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`)));
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}

/** One request under the guard; a redirect, when followed, is checked like the first URL. */
export async function outboundRequest(target: string, request: OutboundRequest = {}): Promise<OutboundResponse> {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new OutboundRefused(`${target} is not a URL`);
  }
  const allowedHosts = request.allowedPrivateHosts ?? [];
  for (let hop = 0; ; hop++) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OutboundRefused(`${url.protocol} URLs are not allowed`);
    const response = await requestOnce(url, request, isAllowed(url, allowedHosts));
    const location = response.headers.location;
    if (response.status < 300 || response.status >= 400 || !location || hop >= (request.maxRedirects ?? 0)) return response;
    url = new URL(location, url);
    // A 303, and a 301/302 after a POST, turn into a GET without a body, as browsers do.
    if (response.status === 303 || ((response.status === 301 || response.status === 302) && request.method && request.method !== 'GET')) {
      request = { ...request, method: 'GET', body: undefined };
    }
  }
}

/**
 * The address to connect to for a host a workspace gave us for a protocol other than HTTP (an
 * email channel's SMTP relay), under the same guard: a literal or every address the name resolves
 * to must be public, unless the host is one of `allowedPrivateHosts`. Connect to the address
 * answered (naming the host for TLS), not to the name, so that a second lookup cannot answer
 * otherwise.
 */
export async function resolvePublicHost(hostname: string, port: number, allowedPrivateHosts: readonly string[] = []): Promise<string> {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (isAllowedHost(host, String(port), allowedPrivateHosts)) return host;
  if (ipaddr.isValid(host)) {
    const refusal = refusedLiteral(host);
    if (refusal) throw refusal;
    return host;
  }
  const addresses = await dns.promises.lookup(host, { all: true });
  const refusal = refusedAddresses(host, addresses);
  if (refusal) throw refusal;
  return addresses[0]!.address;
}
