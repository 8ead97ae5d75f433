import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { convert as htmlToText } from 'html-to-text';
import { type AddressObject, type Attachment, simpleParser } from 'mailparser';
import { foldOffset, sanitizeEmailHtml } from './email-html.js';
import { normaliseMessageId, oneLine } from './email-threading.js';

/**
 * A raw received mail, parsed by mailparser (charsets, transfer encodings, RFC 2047 words), then
 * sorted: a delivery report (a bounce of one of our replies), or a message for the inbox.
 */

export type ReceivedFile = { fileName: string; contentType: string; content: Buffer; contentId?: string; inline: boolean };

export type ReceivedMail = {
  kind: 'message';
  /** Normalised (`<id@host>` lower-cased); absent from the mail: a hash of its bytes stands in, so a resend is still one message. */
  messageId: string;
  hasOwnMessageId: boolean;
  from?: { address: string; name?: string };
  subject: string;
  text: string;
  /** Sanitised (email-html.ts); null for a text-only mail. */
  html: string | null;
  remoteImages: number;
  foldAt: number | null;
  inReplyTo?: string;
  references: string[];
  /** To and Cc: the reply-address token may sit in either. */
  recipients: string[];
  date?: Date;
  autoReply: boolean;
  /** Outlook's conversation header: shown by nothing, recorded so the thread tests can name it. */
  threadIndex?: string;
  files: ReceivedFile[];
};

export type Bounce = { kind: 'bounce'; originalMessageId?: string; recipient?: string; reason: string; status?: string };

export type ParsedMail = ReceivedMail | Bounce;

const header = (value: unknown): string | undefined => {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'value' in value && typeof (value as { value: unknown }).value === 'string') return (value as { value: string }).value;
  return undefined;
};

const addresses = (value: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(value) ? value : value ? [value] : []).flatMap((object) => object.value).flatMap((each) => (each.group ? each.group : [each]));

/** Auto-Submitted other than `no`, Precedence bulk/junk/list/auto_reply, X-Autoreply, X-Autorespond (RFC 3834 and what servers send). */
function isAutoReply(headers: Map<string, unknown>): boolean {
  const autoSubmitted = header(headers.get('auto-submitted'))?.trim().toLowerCase();
  if (autoSubmitted && autoSubmitted !== 'no') return true;
  if (/^(bulk|junk|list|auto_reply)$/i.test(header(headers.get('precedence'))?.trim() ?? '')) return true;
  return headers.has('x-autoreply') || headers.has('x-autorespond') || headers.has('x-auto-response-suppress') && /^(auto|out of office)/i.test(String(headers.get('subject') ?? ''));
}

/** The fields of a `message/delivery-status` part (RFC 3464): `Name: value` lines, continuation lines folded. */
function deliveryFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  let last: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (/^\s/.test(line) && last) fields.set(last, `${fields.get(last)} ${line.trim()}`);
    const match = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
    if (match) {
      last = match[1]!.toLowerCase();
      if (!fields.has(last)) fields.set(last, match[2]!.trim());
    }
  }
  return fields;
}

async function bounceOf(attachments: Attachment[], fallbackText: string): Promise<Bounce> {
  const status = attachments.find((part) => /^message\/(global-)?delivery-status$/i.test(part.contentType));
  // mailparser shows a delivery-status part as text of the mail when it does not list it as a part.
  const fields = deliveryFields(status ? status.content.toString('utf8') : fallbackText);
  const original = attachments.find((part) => /^(message\/(global-)?rfc822|text\/rfc822-headers|message\/global-headers)$/i.test(part.contentType));
  // The bounced mail's own headers, parsed like any mail.
  const headers = original ? await simpleParser(original.content, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true }) : undefined;
  const diagnostic = fields.get('diagnostic-code')?.replace(/^smtp;\s*/i, '');
  const action = fields.get('action');
  const reason = oneLine(diagnostic || (action ? `${action} (${fields.get('status') ?? 'no status'})` : '') || fallbackText.trim().split('\n')[0] || 'The mail bounced', 500);
  return {
    kind: 'bounce',
    originalMessageId: normaliseMessageId(headers?.messageId) ?? normaliseMessageId(fields.get('original-message-id')),
    recipient: fields.get('final-recipient')?.replace(/^rfc822;\s*/i, ''),
    reason,
    status: fields.get('status'),
  };
}

/**
 * mailparser 3.9 decodes ISO-2022-JP encoded words' bytes but leaves them unconverted (escape
 * sequences shown as text): those are converted here with the runtime's own decoder (ICU).
 */
function fixJis(value: string): string {
  if (!value.includes('\u001b')) return value;
  try {
    return new TextDecoder('iso-2022-jp').decode(Buffer.from(value, 'latin1'));
  } catch {
    return value.replace(/\u001b[$(][@A-Z]/g, '');
  }
}

/** An address we can write back to; a mangled From (`"Name <a@b>` unclosed) is not one. */
const plausible = (address: string | undefined) => address !== undefined && /^[^\s"<>@]{1,64}@[^\s"<>@]{1,253}$/.test(address);

/**
 * `source`: the raw mail, or a stream of it (the listener streams, so a large mail is not held
 * twice); `rawHash`: the hash of its bytes, for a mail without a Message-ID (computed here for a Buffer).
 */
export async function parseMail(source: Buffer | Readable, envelopeFrom?: string, rawHash?: string): Promise<ParsedMail> {
  const hash = rawHash ?? (Buffer.isBuffer(source) ? createHash('sha256').update(source).digest('hex') : undefined);
  const mail = await simpleParser(source, { skipImageLinks: true, skipTextToHtml: true, maxHtmlLengthToParse: 2 * 1024 * 1024 });
  const contentType = mail.headers.get('content-type') as { value?: string; params?: Record<string, string> } | undefined;
  if (contentType?.value?.toLowerCase() === 'multipart/report' && /delivery-status/i.test(contentType.params?.['report-type'] ?? '')) {
    return bounceOf(mail.attachments, mail.text ?? '');
  }
  const own = normaliseMessageId(mail.messageId);
  const sender = addresses(mail.from).find((each) => plausible(each.address)) ?? (plausible(envelopeFrom) ? { address: envelopeFrom!, name: '' } : undefined);
  const safe = typeof mail.html === 'string' && mail.html.trim() !== '' ? sanitizeEmailHtml(mail.html) : undefined;
  // A mail whose HTML sits in a multipart/related part has no text from mailparser: made here from the sanitised HTML.
  const given = (mail.text ?? '').replace(/\r\n/g, '\n').trimEnd();
  const text = given.trim() === '' && safe ? htmlToText(safe.html, { wordwrap: false, selectors: [{ selector: 'img', format: 'skip' }] }).trim() : given;
  const references = Array.isArray(mail.references) ? mail.references : mail.references ? mail.references.split(/\s+/) : [];
  const files = mail.attachments
    .filter((part) => !/^message\/(delivery-status|disposition-notification)$/i.test(part.contentType))
    .map((part, index) => ({
      fileName: oneLine(part.filename ?? `${part.related || part.contentDisposition === 'inline' ? 'inline' : 'attachment'}-${index + 1}${extensionOf(part.contentType)}`, 200),
      contentType: part.contentType,
      content: part.content,
      contentId: part.cid ? part.cid.replace(/^<|>$/g, '') : undefined,
      inline: Boolean(part.related || part.contentDisposition === 'inline') && Boolean(part.cid),
    }));
  return {
    kind: 'message',
    messageId: own ?? `<sha256.${(hash ?? 'unknown').slice(0, 40)}@switchboard.invalid>`,
    hasOwnMessageId: own !== undefined,
    from: sender?.address ? { address: sender.address.toLowerCase(), name: sender.name ? oneLine(fixJis(sender.name)) : undefined } : undefined,
    subject: oneLine(fixJis(mail.subject ?? ''), 500),
    text,
    html: safe?.html ?? null,
    remoteImages: safe?.remoteImages ?? 0,
    foldAt: foldOffset(text),
    inReplyTo: mail.inReplyTo,
    references,
    recipients: [...addresses(mail.to), ...addresses(mail.cc)].flatMap((each) => (each.address ? [each.address.toLowerCase()] : [])),
    date: mail.date,
    autoReply: isAutoReply(mail.headers),
    threadIndex: header(mail.headers.get('thread-index')),
    files,
  };
}

function extensionOf(contentType: string): string {
  const known: Record<string, string> = { 'image/png': '.png', 'image/jpeg': '.jpg', 'image/gif': '.gif', 'application/pdf': '.pdf', 'text/plain': '.txt', 'message/rfc822': '.eml' };
  return known[contentType.toLowerCase()] ?? '';
}
