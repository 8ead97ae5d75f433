/**
 * How a received mail finds its thread, and what our replies carry so the customer's client
 * threads them. Pure: the lookups are passed in.
 *
 * Order: `In-Reply-To`, then every `References` id (newest first), against the Message-IDs we sent
 * and received on the channel; then the reply-address token (`support+r<token>@…`, our replies'
 * `Reply-To`, which survives Outlook rewriting `In-Reply-To` and dropping `References`); then the
 * subject token (`[#<token>]`, if the subject still carries one). No match: the sender's own
 * identity (one conversation per contact, SPEC §3.2).
 */

export type ThreadHeaders = { inReplyTo?: string; references: string[]; recipients: string[]; subject: string };

/** Message-IDs as mailparser gives them (`<id@host>`), normalised for lookup: lower-cased, brackets kept. */
export function normaliseMessageId(id: string | undefined): string | undefined {
  const trimmed = id?.trim();
  if (!trimmed) return undefined;
  const inner = trimmed.replace(/^<|>$/g, '').trim();
  if (!inner || inner.length > 500 || /[\s<>]/.test(inner)) return undefined;
  return `<${inner.toLowerCase()}>`;
}

const TOKEN = /^[a-z0-9]{8,20}$/;

/** `support+rabc123@example.com` → `abc123` when the address is the channel's with a reply token. */
export function replyTokenOf(recipient: string, channelAddress: string): string | undefined {
  const [local, domain] = channelAddress.toLowerCase().split('@');
  const match = /^([^@+]+)\+r([a-z0-9]+)@(.+)$/.exec(recipient.toLowerCase());
  if (!match || match[1] !== local || match[3] !== domain || !TOKEN.test(match[2]!)) return undefined;
  return match[2];
}

export function replyAddress(channelAddress: string, token: string): string {
  const [local, domain] = channelAddress.split('@');
  return `${local}+r${token}@${domain}`;
}

/** `Re: [#abc123] Order` → `abc123`. */
export function subjectTokenOf(subject: string): string | undefined {
  const token = /\[#([a-z0-9]{8,20})\]/i.exec(subject)?.[1]?.toLowerCase();
  return token && TOKEN.test(token) ? token : undefined;
}

/** The recipient address without a `+tag`: what the channel is found by. */
export function baseAddress(address: string): string {
  const lower = address.trim().toLowerCase();
  return lower.replace(/^([^@+]+)\+[^@]*@/, '$1@');
}

export type ThreadLookup = {
  /** The identity (the contact's address on the channel) a Message-ID we sent or received belongs to. */
  byMessageId(id: string): Promise<string | undefined>;
  byToken(token: string): Promise<string | undefined>;
};

export type ThreadMatch = { identifier: string; by: 'in-reply-to' | 'references' | 'reply-address' | 'subject' };

export async function findThread(headers: ThreadHeaders, channelAddress: string, lookup: ThreadLookup): Promise<ThreadMatch | undefined> {
  const inReplyTo = normaliseMessageId(headers.inReplyTo);
  if (inReplyTo) {
    const identifier = await lookup.byMessageId(inReplyTo);
    if (identifier) return { identifier, by: 'in-reply-to' };
  }
  // Newest first: the last id is the mail answered, the first the start of the thread. At most 20 looked up.
  const references = headers.references.map(normaliseMessageId).filter((id): id is string => id !== undefined && id !== inReplyTo).reverse().slice(0, 20);
  for (const id of references) {
    const identifier = await lookup.byMessageId(id);
    if (identifier) return { identifier, by: 'references' };
  }
  for (const recipient of headers.recipients) {
    const token = replyTokenOf(recipient, channelAddress);
    const identifier = token && (await lookup.byToken(token));
    if (identifier) return { identifier, by: 'reply-address' };
  }
  const token = subjectTokenOf(headers.subject);
  const identifier = token && (await lookup.byToken(token));
  if (identifier) return { identifier, by: 'subject' };
  return undefined;
}

/** `Re: ` once, however many `Re:`, `AW:`, `Fwd:` the subject had. */
export function replySubject(subject: string): string {
  const bare = subject.replace(/^(\s*(re|aw|sv|antw|r|ref|tr|wg|fwd?)\s*(\[\d+\])?\s*:\s*)+/i, '').trim();
  return `Re: ${bare || '…'}`;
}

/** The `References` of a reply: the thread's, then the mail answered, at most 20 (oldest dropped, the first kept). */
export function replyReferences(previous: string[], answered: string | undefined): string[] {
  const all = [...previous, ...(answered ? [answered] : [])].filter((id, index, list) => list.indexOf(id) === index);
  return all.length <= 20 ? all : [all[0]!, ...all.slice(all.length - 19)];
}

/** Header injection: a subject or name from a customer's mail never carries a line break into ours. */
export function oneLine(value: string, max = 200): string {
  return value.replace(/[\r\n\t\v\f\u0085\u2028\u2029]+/g, ' ').replace(/\s{2,}/g, ' ').trim().slice(0, max);
}
