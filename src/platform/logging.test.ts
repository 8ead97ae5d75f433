import { describe, expect, it } from 'vitest';
import { redactUrl } from './logging.js';

describe('URLs in logs', () => {
  it.each([
    ['/ws?token=abc.def-123', '/ws?token=[redacted]'],
    ['/api/v1/attachments/1/download?expires=99&signature=s1g&x=1', '/api/v1/attachments/1/download?expires=99&signature=[redacted]&x=1'],
    ['/ws?a=1&TOKEN=abc#frag', '/ws?a=1&TOKEN=[redacted]#frag'],
    ['/api/v1/contacts?q=token=abc', '/api/v1/contacts?q=token=abc'],
    ['/api/v1/me', '/api/v1/me'],
  ])('%s is logged as %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});
