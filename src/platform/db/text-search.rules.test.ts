import { describe, expect, it } from 'vitest';
import { textSearchConfig } from './text-search.rules.js';

describe('the text-search configuration of a language', () => {
  it.each([
    ['en', 'english'],
    ['de', 'german'],
    ['de-AT', 'german'],
    ['fr-CA', 'french'],
    ['es', 'spanish'],
    ['pt_BR', 'portuguese'],
    ['EN', 'english'],
    ['ja', 'simple'],
    ['zh-Hans', 'simple'],
    ['', 'simple'],
    [null, 'simple'],
    [undefined, 'simple'],
  ])('%s → %s', (language, config) => {
    expect(textSearchConfig(language)).toBe(config);
  });
});
