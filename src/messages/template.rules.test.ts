import { describe, expect, it } from 'vitest';
import { fillPlaceholders, parameterCount, placeholderProblem, placeholdersOf } from './template.rules.js';

describe('template placeholders', () => {
  it.each([
    ['Hi {{1}}, your order {{2}} is on its way.', ['1', '2']],
    ['{{2}} then {{1}} then {{2}} again', ['1', '2']],
    ['{{ 1 }} with spaces', ['1']],
    ['no placeholders', []],
    ['{{first_name}} is named, not numbered', []],
  ])('%s holds the numbered placeholders %j', (text, expected) => {
    expect(placeholdersOf(text, 'numbered')).toEqual(expected);
  });

  it('finds named placeholders in order of first use', () => {
    expect(placeholdersOf('Dear {{first_name}} {{last_name}}, {{first_name}}!', 'named')).toEqual(['first_name', 'last_name']);
  });

  it.each([
    ['Hi {{1}} and {{2}}', null],
    ['nothing to fill', null],
    ['Hi {{2}}', 'placeholders must be numbered {{1}}, {{2}}… without a gap; {{2}} has no {{1}} before it'],
    ['{{1}} {{3}}', 'placeholders must be numbered {{1}}, {{2}}… without a gap; {{3}} has no {{2}} before it'],
  ])('%s: %s', (text, problem) => {
    expect(placeholderProblem(text, 'numbered')).toBe(problem);
  });

  it('counts the values a numbered template takes', () => {
    expect(parameterCount('Hi {{1}}, order {{2}}, again {{1}}')).toBe(2);
  });

  it('fills numbered placeholders by position and named ones by name, leaving unknown ones as written', () => {
    expect(fillPlaceholders('Hi {{1}}, your order {{2}} is on its way. {{1}}!', 'numbered', ['Ana', '4521'])).toBe('Hi Ana, your order 4521 is on its way. Ana!');
    expect(fillPlaceholders('Hi {{1}} {{2}}', 'numbered', ['Ana'])).toBe('Hi Ana {{2}}');
    expect(fillPlaceholders('Dear {{first_name}} {{nickname}}', 'named', { first_name: 'Ana' })).toBe('Dear Ana {{nickname}}');
  });

  it('takes a value literally, even one that looks like a placeholder or a replacement pattern', () => {
    expect(fillPlaceholders('{{1}} and {{2}}', 'numbered', ['{{2}}', '$&'])).toBe('{{2}} and $&');
  });
});
