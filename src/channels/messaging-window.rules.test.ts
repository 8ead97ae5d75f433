import { describe, expect, it } from 'vitest';
import { alwaysOpen, refusalFor, type SendRequest, type WindowState } from './messaging-window.rules.js';

const closed: WindowState = { freeText: false, templates: false, tags: [], closesAt: null, remaining: 0 };
const templatesOnly: WindowState = { ...closed, templates: true };
const tagsOnly: WindowState = { ...closed, tags: ['HUMAN_AGENT'] };

describe('refusing what the messaging window forbids', () => {
  const cases: Array<[string, WindowState, SendRequest, string | null]> = [
    ['free text on a channel without a window', alwaysOpen, {}, null],
    ['a template where the channel sends none', alwaysOpen, { template: { name: 'x' } }, 'template_not_allowed'],
    ['a tag the channel does not know', alwaysOpen, { tag: 'HUMAN_AGENT' }, 'tag_not_allowed'],
    ['free text outside a template window', templatesOnly, {}, 'template_required'],
    ['a template outside the window', templatesOnly, { template: { name: 'x' } }, null],
    ['free text outside a tag window', tagsOnly, {}, 'tag_required'],
    ['an allowed tag outside the window', tagsOnly, { tag: 'HUMAN_AGENT' }, null],
    ['anything once the window is shut', closed, {}, 'messaging_window_closed'],
  ];
  it.each(cases)('%s', (_name, state, request, code) => {
    expect(refusalFor(state, request)?.code ?? null).toBe(code);
  });
});
