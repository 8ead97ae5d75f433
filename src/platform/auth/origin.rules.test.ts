import { describe, expect, it } from 'vitest';
import { normaliseOrigin, originOf } from './origin.rules.js';

const ours = ['https://inbox.example.test', 'http://localhost:5173'];

describe('where a browser request comes from', () => {
  it.each([
    ['our PUBLIC_URL origin', { origin: 'https://inbox.example.test' }, 'ours'],
    ['a listed origin', { origin: 'http://localhost:5173' }, 'ours'],
    ['our host in other letters', { origin: 'HTTPS://Inbox.Example.test' }, 'ours'],
    ['another site', { origin: 'http://evil.example' }, 'foreign'],
    ['our host on another port (same site, not same origin)', { origin: 'https://inbox.example.test:8443' }, 'foreign'],
    ['our host over plain http', { origin: 'http://inbox.example.test' }, 'foreign'],
    ['an opaque origin (sandboxed frame, file://)', { origin: 'null' }, 'foreign'],
    ['a foreign Origin though Sec-Fetch-Site claims same-origin', { origin: 'http://evil.example', 'sec-fetch-site': 'same-origin' }, 'foreign'],
    ['no Origin, same-origin fetch', { 'sec-fetch-site': 'same-origin' }, 'ours'],
    ['no Origin, typed by the user', { 'sec-fetch-site': 'none' }, 'ours'],
    ['no Origin, a same-site page', { 'sec-fetch-site': 'same-site' }, 'foreign'],
    ['no Origin, a cross-site page', { 'sec-fetch-site': 'cross-site' }, 'foreign'],
    ['neither header: not a browser', {}, 'not_a_browser'],
  ] as const)('%s: %s', (_name, headers, expected) => {
    expect(originOf(headers, ours)).toBe(expected);
  });

  it.each([
    ['https://inbox.example.test/', 'https://inbox.example.test'],
    ['https://inbox.example.test:443', 'https://inbox.example.test'],
    ['http://LOCALHOST:3000/path?q', 'http://localhost:3000'],
    ['null', undefined],
    ['ftp://example.test', undefined],
    ['not a url', undefined],
  ])('normalises %s to %s', (text, expected) => {
    expect(normaliseOrigin(text)).toBe(expected);
  });
});
