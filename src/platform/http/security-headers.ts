import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * The web app's Content-Security-Policy: only this server's own scripts, styles and connections
 * (API and WebSocket); images also from `data:` and `blob:` (the favicon, previews of files about
 * to be sent) and any `https:` server (contacts' profile pictures live on the providers' servers).
 * No inline script or style element runs, nothing is framed, no page frames us.
 */
const directives = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:', 'blob:', 'https:'],
  mediaSrc: ["'self'", 'blob:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  frameSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

export function securityHeaderOptions(https: boolean, frameable: boolean): HelmetOptions {
  return {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        ...directives,
        frameAncestors: frameable ? ['*'] : directives.frameAncestors,
        // Behind http (a laptop, the tests) an upgrade would point every request at a port nobody serves.
        ...(https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    frameguard: frameable ? false : { action: 'deny' },
    crossOriginResourcePolicy: { policy: frameable ? 'cross-origin' : 'same-origin' },
    referrerPolicy: { policy: 'same-origin' },
    // Only over https, and for this host alone: the operator's other subdomains are not ours to pin.
    strictTransportSecurity: https ? { maxAge: 180 * 24 * 3600, includeSubDomains: false } : false,
  };
}

export type SecurityHeaders = (request: IncomingMessage, response: ServerResponse, frameable: boolean) => void;

/**
 * helmet's headers on every response (`nosniff`, `Referrer-Policy: same-origin`, the policy above,
 * `X-Frame-Options: DENY`, …), built once. @fastify/helmet rebuilds them on every request: 8.4–8.8
 * µs of CPU a request here against 0.25–0.37 µs for applying prebuilt ones (BENCHMARKS.md,
 * Security headers). A route whose pages other sites must frame (the website-chat widget's) declares
 * `config: { frameable: true }`: it gets `frame-ancestors *`, no X-Frame-Options, and a
 * cross-origin resource policy; everything else stays as strict.
 */
export function createSecurityHeaders(publicUrl: string): SecurityHeaders {
  const https = publicUrl.startsWith('https://');
  const strict = helmet(securityHeaderOptions(https, false));
  const frameable = helmet(securityHeaderOptions(https, true));
  return (request, response, isFrameable) => (isFrameable ? frameable : strict)(request, response, () => undefined);
}
