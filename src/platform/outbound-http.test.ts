import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPublicAddress, OutboundRefused, outboundRequest } from './outbound-http.js';

describe('isPublicAddress', () => {
  it.each([
    ['8.8.8.8', true],
    ['2606:4700:4700::1111', true],
    ['127.0.0.1', false],
    ['127.8.9.10', false],
    ['::1', false],
    ['0.0.0.0', false],
    ['10.1.2.3', false],
    ['172.16.0.1', false],
    ['192.168.1.1', false],
    ['169.254.169.254', false],
    ['100.64.0.1', false],
    ['fc00::1', false],
    ['fe80::1', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:10.0.0.1', false],
    ['224.0.0.1', false],
    ['not an address', false],
  ])('%s is public: %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });
});

describe('outboundRequest', () => {
  let server: http.Server;
  let port: number;
  const hits: string[] = [];

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      hits.push(`${request.method} ${request.url}`);
      if (request.url === '/redirect-private') {
        response.writeHead(302, { location: `http://localhost:${port}/target` }).end();
      } else if (request.url === '/redirect-same') {
        response.writeHead(302, { location: '/target' }).end();
      } else {
        response.writeHead(200, { 'content-type': 'text/plain' }).end(`hello ${request.method}`);
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('refuses loopback and private literals before connecting', async () => {
    const before = hits.length;
    for (const url of [`http://127.0.0.1:${port}/`, `http://[::1]:${port}/`, 'http://169.254.169.254/latest/meta-data/', 'http://10.0.0.1/']) {
      await expect(outboundRequest(url)).rejects.toBeInstanceOf(OutboundRefused);
    }
    expect(hits.length).toBe(before);
  });

  it('refuses a name that resolves to a loopback address', async () => {
    const before = hits.length;
    await expect(outboundRequest(`http://localhost:${port}/`)).rejects.toThrow(/non-public address/);
    expect(hits.length).toBe(before);
  });

  it('refuses URLs that are not http or https', async () => {
    await expect(outboundRequest('file:///etc/passwd')).rejects.toBeInstanceOf(OutboundRefused);
    await expect(outboundRequest('not a url')).rejects.toBeInstanceOf(OutboundRefused);
  });

  it('reaches a private host the workspace lists, by name or name and port', async () => {
    const byHost = await outboundRequest(`http://127.0.0.1:${port}/x`, { method: 'POST', body: '{}', allowedPrivateHosts: ['127.0.0.1'] });
    expect(byHost.status).toBe(200);
    expect(byHost.body.toString()).toBe('hello POST');
    const byPort = await outboundRequest(`http://127.0.0.1:${port}/x`, { allowedPrivateHosts: [`127.0.0.1:${port}`] });
    expect(byPort.status).toBe(200);
    await expect(outboundRequest(`http://127.0.0.1:${port}/x`, { allowedPrivateHosts: ['127.0.0.1:1'] })).rejects.toBeInstanceOf(OutboundRefused);
  });

  it('answers a redirect without following it, unless asked', async () => {
    const allowed = { allowedPrivateHosts: ['127.0.0.1'] };
    const answered = await outboundRequest(`http://127.0.0.1:${port}/redirect-same`, allowed);
    expect(answered.status).toBe(302);
    const followed = await outboundRequest(`http://127.0.0.1:${port}/redirect-same`, { ...allowed, maxRedirects: 3 });
    expect(followed.status).toBe(200);
    expect(followed.url).toBe(`http://127.0.0.1:${port}/target`);
  });

  it('checks every redirect again: an allowed host cannot send us to a private one', async () => {
    const before = hits.length;
    await expect(
      outboundRequest(`http://127.0.0.1:${port}/redirect-private`, { allowedPrivateHosts: ['127.0.0.1'], maxRedirects: 3 }),
    ).rejects.toThrow(/localhost resolves to a non-public address/);
    expect(hits.slice(before)).toEqual(['GET /redirect-private']);
  });
});
