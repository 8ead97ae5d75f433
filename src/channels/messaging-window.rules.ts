/**
 * What a channel allows to be sent right now (SPEC §4.1). Each channel module computes its own
 * state from plain data (`windowPolicy`); `decideSend` turns a state and a send request into the
 * message tag to send with, or the error to answer. Pure: no I/O, `now` is an argument.
 */
export type WindowInput = {
  /** The contact's last inbound message on this channel (provider time, capped at receipt); null: it never wrote there. */
  lastInboundAt: Date | null;
  /** Outbound messages on this channel since that inbound message (WeChat counts them). */
  outboundSinceInbound: number;
  /** Sent by a workflow, not a person: Messenger's and Instagram's HUMAN_AGENT tag is for people only. */
  automated: boolean;
  now: Date;
  /** The values of the counters the module's `windowCounters` names (absent: 0). */
  counters?: Record<string, number>;
  /** The contact opted out of messages on this channel (SMS `STOP`) and has not opted back in. */
  optedOut?: boolean;
};

/**
 * Why the window is as it is, for the composer to say so:
 * - `no_window`: the channel sends any time (Telegram, SMS, email, the API channel…);
 * - `open`: free text until `closesAt`;
 * - `human_agent`: past the standard window, a person's reply goes out with the HUMAN_AGENT tag until `closesAt`;
 * - `templates_only`: only pre-approved templates (WhatsApp after 24 h, or before the contact ever wrote);
 * - `contact_must_write`: nothing can be sent until the contact writes again;
 * - `message_limit`: the window's outbound messages are spent (WeChat) until the contact writes again;
 * - `chatbot_initiated`: past the session, each message counts against a monthly quota (Viber; `quota` says how much is used);
 * - `quota_exceeded`: that quota is spent for this month: nothing more until the contact writes or the month turns;
 * - `opted_out`: the contact opted out (SMS `STOP`): nothing until it opts back in (`START`).
 */
export type WindowReason = 'no_window' | 'open' | 'human_agent' | 'templates_only' | 'contact_must_write' | 'message_limit' | 'chatbot_initiated' | 'quota_exceeded' | 'opted_out';

/** A monthly allowance of messages (Viber's chatbot-initiated ones): `used` of `limit` this calendar month (UTC); `paid`: beyond it messages still go, at a price. */
export type MonthlyQuota = { used: number; limit: number; paid: boolean };

export type WindowState = {
  freeText: boolean;
  /** Pre-approved templates may be sent (WhatsApp, at any time). */
  templates: boolean;
  /** Message tags that make a send allowed now (Messenger's HUMAN_AGENT, for people, up to 7 days). */
  tags: string[];
  /** When what is allowed now stops being allowed (free text at 24 h, HUMAN_AGENT at 7 days); null when nothing ends. */
  closesAt: Date | null;
  /** Outbound messages left in the window, for channels that count them. */
  remaining: number | null;
  reason: WindowReason;
  /** Present when what is sent now counts against a monthly quota. */
  quota?: MonthlyQuota;
};

export type SendRequest = { template?: unknown; tag?: string };

/** `field`: the request's field at fault, when not the tag (a file where the channel takes none). */
export type Refusal = { code: string; message: string; field?: string };

export const HOUR_MS = 60 * 60 * 1000;
export const DAY_MS = 24 * HOUR_MS;

/** The channel has no window: anything, any time (Telegram, LINE, SMS, email, webchat, API). */
export const alwaysOpen: WindowState = { freeText: true, templates: false, tags: [], closesAt: null, remaining: null, reason: 'no_window' };

/** A channel without a window that a contact can opt out of (SMS): anything, any time, until it opts out. */
export function optOutWindow(input: WindowInput): WindowState {
  if (!input.optedOut) return alwaysOpen;
  return { freeText: false, templates: false, tags: [], closesAt: null, remaining: null, reason: 'opted_out' };
}

/**
 * Free text for `hours` after the contact's last message and at most `limit` outbound messages in
 * that time (WeChat: 48 h, 5); then nothing until the contact writes again, which resets both.
 */
export function countedWindow(input: WindowInput, options: { hours: number; limit: number }): WindowState {
  const closed: WindowState = { freeText: false, templates: false, tags: [], closesAt: null, remaining: null, reason: 'contact_must_write' };
  if (!input.lastInboundAt) return closed;
  const closesAt = new Date(input.lastInboundAt.getTime() + options.hours * HOUR_MS);
  if (input.now >= closesAt) return closed;
  const remaining = Math.max(0, options.limit - input.outboundSinceInbound);
  if (remaining === 0) return { ...closed, remaining: 0, reason: 'message_limit' };
  return { freeText: true, templates: false, tags: [], closesAt, remaining, reason: 'open' };
}

/** Free text for `hours` after the contact's last message; before and after, only templates. */
export function templateWindow(input: WindowInput, hours: number): WindowState {
  const closesAt = input.lastInboundAt && new Date(input.lastInboundAt.getTime() + hours * HOUR_MS);
  if (closesAt && input.now < closesAt) return { freeText: true, templates: true, tags: [], closesAt, remaining: null, reason: 'open' };
  return { freeText: false, templates: true, tags: [], closesAt: null, remaining: null, reason: 'templates_only' };
}

/**
 * Free text for `hours`; then, for a person only, a reply with `tag` until `tagDays` after the
 * contact's last message; then nothing until the contact writes again (Messenger, Instagram).
 */
export function humanAgentWindow(input: WindowInput, options: { hours: number; tag: string; tagDays: number }): WindowState {
  const closed: WindowState = { freeText: false, templates: false, tags: [], closesAt: null, remaining: null, reason: 'contact_must_write' };
  if (!input.lastInboundAt) return closed;
  const since = input.lastInboundAt.getTime();
  const standardEnd = new Date(since + options.hours * HOUR_MS);
  const tagEnd = new Date(since + options.tagDays * DAY_MS);
  const tags = input.automated || input.now >= tagEnd ? [] : [options.tag];
  if (input.now < standardEnd) return { freeText: true, templates: false, tags, closesAt: standardEnd, remaining: null, reason: 'open' };
  if (tags.length > 0) return { freeText: false, templates: false, tags, closesAt: tagEnd, remaining: null, reason: 'human_agent' };
  return closed;
}

/**
 * What a send request becomes under the window: the tag to send with, or the refusal. A person's
 * free text past the standard window goes out with the one tag the window offers (the composer
 * says so); naming a tag the window does not offer is refused.
 */
export function decideSend(state: WindowState, request: SendRequest): { ok: true; tag?: string } | { ok: false; refusal: Refusal } {
  const refuse = (code: string, message: string) => ({ ok: false as const, refusal: { code, message } });
  if (state.reason === 'opted_out') return refuse('contact_opted_out', 'The contact opted out of messages on this channel: it must opt back in (START) first');
  if (request.template !== undefined) {
    return state.templates ? { ok: true } : refuse('template_not_allowed', 'This channel does not send templates');
  }
  if (request.tag !== undefined) {
    if (state.tags.includes(request.tag)) return { ok: true, tag: request.tag };
    return refuse('tag_not_allowed', `The message tag ${request.tag} is not allowed on this channel now`);
  }
  if (state.freeText) return { ok: true };
  if (state.tags.length === 1) return { ok: true, tag: state.tags[0] };
  if (state.templates) return refuse('template_required', 'The messaging window is closed: send an approved template');
  if (state.tags.length > 1) return refuse('tag_required', `The messaging window is closed: send with a message tag (${state.tags.join(', ')})`);
  if (state.reason === 'quota_exceeded') return refuse('quota_exceeded', 'This month’s free chatbot-initiated messages on this channel are used up: the contact must write first, or the channel must be set to the provider’s commercial terms');
  if (state.reason === 'message_limit') return refuse('messaging_window_closed', 'No more messages may be sent until the contact writes again');
  return refuse('messaging_window_closed', 'The messaging window is closed until the contact writes again');
}
