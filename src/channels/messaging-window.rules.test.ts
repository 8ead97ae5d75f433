import { describe, expect, it } from 'vitest';
import { alwaysOpen, countedWindow, decideSend, humanAgentWindow, optOutWindow, type SendRequest, templateWindow, type WindowInput, type WindowState } from './messaging-window.rules.js';

const refusalFor = (state: WindowState, request: SendRequest) => {
  const decision = decideSend(state, request);
  return decision.ok ? null : decision.refusal;
};

const closed: WindowState = { freeText: false, templates: false, tags: [], closesAt: null, remaining: 0, reason: 'contact_must_write' };
const templatesOnly: WindowState = { ...closed, templates: true, reason: 'templates_only' };
const tagsOnly: WindowState = { ...closed, tags: ['HUMAN_AGENT'], reason: 'human_agent' };
const twoTags: WindowState = { ...closed, tags: ['HUMAN_AGENT', 'OTHER'], reason: 'human_agent' };

describe('refusing what the messaging window forbids', () => {
  const cases: Array<[string, WindowState, SendRequest, string | null]> = [
    ['free text on a channel without a window', alwaysOpen, {}, null],
    ['a template where the channel sends none', alwaysOpen, { template: { name: 'x' } }, 'template_not_allowed'],
    ['a tag the channel does not know', alwaysOpen, { tag: 'HUMAN_AGENT' }, 'tag_not_allowed'],
    ['free text outside a template window', templatesOnly, {}, 'template_required'],
    ['a template outside the window', templatesOnly, { template: { name: 'x' } }, null],
    ['free text where one of several tags is needed', twoTags, {}, 'tag_required'],
    ['an allowed tag outside the window', tagsOnly, { tag: 'HUMAN_AGENT' }, null],
    ['a retired tag outside the window', tagsOnly, { tag: 'ACCOUNT_UPDATE' }, 'tag_not_allowed'],
    ['anything once the window is shut', closed, {}, 'messaging_window_closed'],
    ['anything once a monthly quota is spent', { ...closed, reason: 'quota_exceeded', quota: { used: 10_000, limit: 10_000, paid: false } }, {}, 'quota_exceeded'],
    ['free text counted against a monthly quota', { ...alwaysOpen, reason: 'chatbot_initiated', quota: { used: 9_999, limit: 10_000, paid: false } }, {}, null],
  ];
  it.each(cases)('%s', (_name, state, request, code) => {
    expect(refusalFor(state, request)?.code ?? null).toBe(code);
  });

  it('sends a person’s free text with the one tag the window offers, and a named tag as named', () => {
    expect(decideSend(tagsOnly, {})).toEqual({ ok: true, tag: 'HUMAN_AGENT' });
    expect(decideSend(tagsOnly, { tag: 'HUMAN_AGENT' })).toEqual({ ok: true, tag: 'HUMAN_AGENT' });
    expect(decideSend({ ...tagsOnly, freeText: true, reason: 'open' }, {})).toEqual({ ok: true });
  });
});

const last = new Date('2026-05-04T10:00:00Z');
const after = (ms: number) => new Date(last.getTime() + ms);
const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const input = (now: Date, patch: Partial<WindowInput> = {}): WindowInput => ({ lastInboundAt: last, outboundSinceInbound: 0, automated: false, now, ...patch });

describe('WhatsApp: free text for 24 hours after the contact’s last message, templates always', () => {
  const cases: Array<[string, WindowInput, Pick<WindowState, 'freeText' | 'templates' | 'reason'> & { closesAt: Date | null }]> = [
    ['right after the contact wrote', input(after(1000)), { freeText: true, templates: true, reason: 'open', closesAt: after(DAY) }],
    ['a millisecond before 24 h', input(after(DAY - 1)), { freeText: true, templates: true, reason: 'open', closesAt: after(DAY) }],
    ['at exactly 24 h', input(after(DAY)), { freeText: false, templates: true, reason: 'templates_only', closesAt: null }],
    ['a week later', input(after(7 * DAY)), { freeText: false, templates: true, reason: 'templates_only', closesAt: null }],
    ['before the contact ever wrote', input(after(0), { lastInboundAt: null }), { freeText: false, templates: true, reason: 'templates_only', closesAt: null }],
    ['for a workflow, as for a person', input(after(HOUR), { automated: true }), { freeText: true, templates: true, reason: 'open', closesAt: after(DAY) }],
  ];
  it.each(cases)('%s', (_name, given, expected) => {
    expect(templateWindow(given, 24)).toMatchObject({ ...expected, tags: [] });
  });

  it('a new inbound message reopens the window for 24 hours from it', () => {
    const now = after(3 * DAY);
    expect(templateWindow(input(now), 24).freeText).toBe(false);
    expect(templateWindow(input(now, { lastInboundAt: after(3 * DAY - HOUR) }), 24)).toMatchObject({ freeText: true, closesAt: after(4 * DAY - HOUR) });
  });
});

describe('Messenger and Instagram: 24 hours free, then HUMAN_AGENT for a person up to 7 days, then nothing', () => {
  const window = (given: WindowInput) => humanAgentWindow(given, { hours: 24, tag: 'HUMAN_AGENT', tagDays: 7 });
  const cases: Array<[string, WindowInput, Partial<WindowState>]> = [
    ['a person within 24 h', input(after(HOUR)), { freeText: true, tags: ['HUMAN_AGENT'], reason: 'open', closesAt: after(DAY) }],
    ['a workflow within 24 h', input(after(HOUR), { automated: true }), { freeText: true, tags: [], reason: 'open', closesAt: after(DAY) }],
    ['a person at exactly 24 h', input(after(DAY)), { freeText: false, tags: ['HUMAN_AGENT'], reason: 'human_agent', closesAt: after(7 * DAY) }],
    ['a person at 25 h', input(after(25 * HOUR)), { freeText: false, tags: ['HUMAN_AGENT'], reason: 'human_agent', closesAt: after(7 * DAY) }],
    ['a workflow at 25 h (HUMAN_AGENT is for people)', input(after(25 * HOUR), { automated: true }), { freeText: false, tags: [], reason: 'contact_must_write', closesAt: null }],
    ['a person a millisecond before 7 days', input(after(7 * DAY - 1)), { freeText: false, tags: ['HUMAN_AGENT'], reason: 'human_agent' }],
    ['a person at exactly 7 days', input(after(7 * DAY)), { freeText: false, tags: [], reason: 'contact_must_write', closesAt: null }],
    ['before the contact ever wrote', input(after(0), { lastInboundAt: null }), { freeText: false, tags: [], reason: 'contact_must_write' }],
  ];
  it.each(cases)('%s', (_name, given, expected) => {
    expect(window(given)).toMatchObject({ templates: false, ...expected });
  });

  it('a workflow’s message at 25 h is refused; a person’s goes out with HUMAN_AGENT', () => {
    expect(decideSend(window(input(after(25 * HOUR), { automated: true })), {})).toMatchObject({ ok: false, refusal: { code: 'messaging_window_closed' } });
    expect(decideSend(window(input(after(25 * HOUR), { automated: true })), { tag: 'HUMAN_AGENT' })).toMatchObject({ ok: false, refusal: { code: 'tag_not_allowed' } });
    expect(decideSend(window(input(after(25 * HOUR))), {})).toEqual({ ok: true, tag: 'HUMAN_AGENT' });
  });

  it('a new inbound message after 7 days reopens the standard window', () => {
    const now = after(10 * DAY);
    expect(window(input(now)).reason).toBe('contact_must_write');
    expect(window(input(now, { lastInboundAt: after(10 * DAY - 1000) }))).toMatchObject({ freeText: true, reason: 'open', closesAt: after(11 * DAY - 1000) });
  });
});

describe('WeChat: 48 hours after the contact’s last message, and at most N messages in them', () => {
  const window = (given: WindowInput) => countedWindow(given, { hours: 48, limit: 5 });
  const cases: Array<[string, WindowInput, Partial<WindowState>]> = [
    ['the first reply', input(after(HOUR)), { freeText: true, remaining: 5, reason: 'open', closesAt: after(2 * DAY) }],
    ['the 5th message (4 sent)', input(after(HOUR), { outboundSinceInbound: 4 }), { freeText: true, remaining: 1, reason: 'open' }],
    ['the 6th message (5 sent)', input(after(HOUR), { outboundSinceInbound: 5 }), { freeText: false, remaining: 0, reason: 'message_limit', closesAt: null }],
    ['a millisecond before 48 h', input(after(2 * DAY - 1)), { freeText: true, remaining: 5, reason: 'open', closesAt: after(2 * DAY) }],
    ['at exactly 48 h', input(after(2 * DAY)), { freeText: false, remaining: null, reason: 'contact_must_write', closesAt: null }],
    ['before the contact ever wrote', input(after(0), { lastInboundAt: null }), { freeText: false, reason: 'contact_must_write' }],
  ];
  it.each(cases)('%s', (_name, given, expected) => {
    expect(window(given)).toMatchObject({ templates: false, tags: [], ...expected });
  });

  it('refuses the 6th message and anything after 48 h with messaging_window_closed; a new contact message resets both', () => {
    expect(decideSend(window(input(after(HOUR), { outboundSinceInbound: 4 })), {})).toEqual({ ok: true });
    expect(decideSend(window(input(after(HOUR), { outboundSinceInbound: 5 })), {})).toMatchObject({ ok: false, refusal: { code: 'messaging_window_closed' } });
    expect(decideSend(window(input(after(2 * DAY))), {})).toMatchObject({ ok: false, refusal: { code: 'messaging_window_closed' } });
    expect(window(input(after(3 * DAY), { lastInboundAt: after(3 * DAY - 1000), outboundSinceInbound: 0 }))).toMatchObject({ freeText: true, remaining: 5 });
  });

  it('follows the channel’s limit (older accounts: 20)', () => {
    expect(countedWindow(input(after(HOUR), { outboundSinceInbound: 19 }), { hours: 48, limit: 20 })).toMatchObject({ freeText: true, remaining: 1 });
  });
});

describe('SMS: no window, until the contact opts out', () => {
  it('sends any time to a contact who did not opt out, and refuses with contact_opted_out after STOP', () => {
    expect(optOutWindow(input(after(30 * DAY), { lastInboundAt: null }))).toEqual(alwaysOpen);
    const stopped = optOutWindow(input(after(HOUR), { optedOut: true }));
    expect(stopped).toMatchObject({ freeText: false, reason: 'opted_out' });
    expect(decideSend(stopped, {})).toMatchObject({ ok: false, refusal: { code: 'contact_opted_out' } });
  });
});
