/**
 * What a channel allows to be sent right now (SPEC §4.1). Each channel module computes its own
 * state from plain data; `refusalFor` turns a state and a send request into the error to answer.
 */
export type WindowInput = {
  /** The contact's last inbound message on this channel (provider time, capped at receipt). */
  lastInboundAt: Date | null;
  /** Outbound messages on this channel since that inbound message (WeChat counts them). */
  outboundSinceInbound: number;
  /** Sent by a workflow, not a person: Messenger's and Instagram's HUMAN_AGENT tag is for people only. */
  automated: boolean;
  now: Date;
};

export type WindowState = {
  freeText: boolean;
  /** Pre-approved templates may be sent (WhatsApp outside its window). */
  templates: boolean;
  /** Message tags that make a send allowed outside the window (Messenger's HUMAN_AGENT…). */
  tags: string[];
  /** When free text stops being allowed; null when the channel has no window. */
  closesAt: Date | null;
  /** Outbound messages left in the window, for channels that count them. */
  remaining: number | null;
};

export type SendRequest = { template?: unknown; tag?: string };

export type Refusal = { code: string; message: string };

/** The channel has no window: anything, any time (Telegram, LINE, SMS, email, webchat, API). */
export const alwaysOpen: WindowState = { freeText: true, templates: false, tags: [], closesAt: null, remaining: null };

export function refusalFor(state: WindowState, request: SendRequest): Refusal | null {
  if (request.template !== undefined) {
    return state.templates ? null : { code: 'template_not_allowed', message: 'This channel does not send templates now' };
  }
  if (request.tag !== undefined) {
    if (state.tags.includes(request.tag)) return null;
    return { code: 'tag_not_allowed', message: `The message tag ${request.tag} is not allowed on this channel now` };
  }
  if (state.freeText) return null;
  if (state.templates) return { code: 'template_required', message: 'The messaging window is closed: send an approved template' };
  if (state.tags.length > 0) {
    return { code: 'tag_required', message: `The messaging window is closed: send with a message tag (${state.tags.join(', ')})` };
  }
  return { code: 'messaging_window_closed', message: 'The messaging window is closed until the contact writes again' };
}
