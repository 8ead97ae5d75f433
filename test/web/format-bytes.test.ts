import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../web/src/inbox/format-bytes.js';

describe('file sizes as the composer shows them', () => {
  it.each([
    [1, 'en', '1 byte'],
    [15, 'en', '15 bytes'],
    [15, 'de', '15 Byte'],
    [15, 'fr', '15\u00a0octets'],
    [2048, 'en', '2 kB'],
    [10 * 1024 * 1024, 'de', '10 MB'],
  ])('a size of %i in %s reads “%s”', (bytes, language, text) => {
    expect(formatBytes(bytes, language)).toBe(text);
  });
});
