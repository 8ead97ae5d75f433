import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createSecurityHeaders } from './security-headers.js';

function headersOf(publicUrl: string, frameable: boolean): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  createSecurityHeaders(publicUrl)({} as IncomingMessage, response as unknown as ServerResponse, frameable);
  return headers;
}

describe('security headers', () => {
  it('forbid framing, sniffing and cross-origin referrers, and allow only our own scripts', () => {
    const headers = headersOf('http://localhost:3000', false);
    expect(headers['content-security-policy']).toBe(
      "default-src 'self';script-src 'self';style-src 'self';img-src 'self' data: blob: https:;media-src 'self' blob:;font-src 'self';" +
        "connect-src 'self';object-src 'none';frame-src 'none';base-uri 'none';form-action 'self';frame-ancestors 'none'",
    );
    expect(headers).toMatchObject({
      'x-frame-options': 'DENY',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
    });
    expect(headers['strict-transport-security']).toBeUndefined();
  });

  it('behind https, also upgrade requests and pin https for this host only', () => {
    const headers = headersOf('https://inbox.example.test', false);
    expect(headers['content-security-policy']).toContain('upgrade-insecure-requests');
    expect(headers['strict-transport-security']).toBe('max-age=15552000');
  });

  it('let other sites frame a route that opts out (the website-chat widget’s pages), and nothing else changes', () => {
    const strict = headersOf('http://localhost:3000', false);
    const frameable = headersOf('http://localhost:3000', true);
    expect(frameable['content-security-policy']).toBe(strict['content-security-policy']!.replace("frame-ancestors 'none'", 'frame-ancestors *'));
    expect(frameable['x-frame-options']).toBeUndefined();
    expect(frameable['cross-origin-resource-policy']).toBe('cross-origin');
    expect(frameable['x-content-type-options']).toBe('nosniff');
  });
});
