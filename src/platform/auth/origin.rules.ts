/**
 * Where a browser request comes from, for requests the session cookie authenticates. A browser
 * names the page's origin in `Origin` on every unsafe request and WebSocket handshake, and in
 * `Sec-Fetch-Site` how that page relates to us; a request with neither is not from a browser (an
 * API client, curl), which no other site can make on a user's behalf. A page on another port of
 * the same host is same-site, so the `Lax` cookie goes with its requests: `same-site` is foreign.
 */
export type RequestOrigin = 'ours' | 'foreign' | 'not_a_browser';

export function originOf(headers: { origin?: string; 'sec-fetch-site'?: string }, allowedOrigins: readonly string[]): RequestOrigin {
  const { origin } = headers;
  if (origin !== undefined) return allowedOrigins.includes(normaliseOrigin(origin) ?? '') ? 'ours' : 'foreign';
  const site = headers['sec-fetch-site'];
  if (site === undefined) return 'not_a_browser';
  // `none`: the user typed the address or followed a bookmark; no other page is involved.
  return site === 'same-origin' || site === 'none' ? 'ours' : 'foreign';
}

/** `scheme://host[:port]` as browsers write it (lower case, default ports left out); undefined when not an http(s) origin (`null` included). */
export function normaliseOrigin(text: string): string | undefined {
  try {
    const url = new URL(text.trim());
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}
