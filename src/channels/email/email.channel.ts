import { randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { z } from 'zod';
import { badRequest } from '../../platform/errors.js';
import { OutboundRefused } from '../../platform/outbound-http.js';
import type { ChannelContext, ChannelModule, ChannelStateStore, OutboundMessage, SendResult } from '../channel-registry.js';
import { alwaysOpen } from '../messaging-window.rules.js';
import { oneLine, replyAddress, replyReferences, replySubject } from './email-threading.js';

/**
 * Email (../shared/CHANNELS.md, "Email"). Mail comes in through the server's own SMTP listener
 * (smtp-listener.ts), not a webhook; replies go out through the channel's relay with nodemailer,
 * carrying our own Message-ID, In-Reply-To, References and a `Re:` subject so the customer's
 * client threads them, and a Reply-To with a token that finds the thread when a client loses the
 * headers (Outlook). The contact's identity on the channel is its address, lower-cased.
 */
const settingsSchema = z.strictObject({
  address: z
    .string()
    .trim()
    .toLowerCase()
    .max(254)
    .pipe(z.email('the support address, such as support@example.com'))
    .refine((value) => !value.split('@')[0]!.includes('+'), 'without a +tag: Switchboard adds its own to reply addresses'),
  smtpHost: z.string().trim().min(1).max(253).regex(/^[A-Za-z0-9.-]+$|^\[?[0-9a-fA-F:.]+\]?$/, 'a host name or address'),
  smtpPort: z.coerce.number().int().min(1).max(65535).default(587),
  smtpSecure: z.boolean().default(false),
  smtpUser: z.string().trim().max(500).default(''),
  smtpPassword: z.string().max(1000).default(''),
});
export type EmailSettings = z.infer<typeof settingsSchema>;

const DAY = 24 * 60 * 60 * 1000;
/** How long a Message-ID or a reply token finds its thread. */
export const THREAD_MEMORY_MS = 365 * DAY;

export type ThreadState = { subject: string; lastMessageId?: string; references: string[] };

/** Channel-state keys (a Message-ID is at most 500 characters, normalised). */
export const stateKeys = {
  messageId: (id: string) => `mid:${id}`,
  token: (token: string) => `tok:${token}`,
  tokenOf: (identifier: string) => `tokfor:${identifier}`,
  thread: (identifier: string) => `thread:${identifier}`,
};

/** Our Message-IDs: `<sb.<message id>@<the channel's domain>>`; one coming back to us is a loop. */
export const ourMessageId = (messageId: string, address: string) => `<sb.${messageId}@${address.split('@')[1]!.toLowerCase()}>`;
export const isOurMessageId = (id: string, address: string) => new RegExp(`^<sb\\.[0-9a-f-]{36}@${address.split('@')[1]!.replace(/[.]/g, '\\.')}>$`, 'i').test(id);

/** The contact's reply token on this channel, made once. */
export async function tokenFor(state: ChannelStateStore, identifier: string): Promise<string> {
  const known = await state.get<string>(stateKeys.tokenOf(identifier));
  if (known) return known;
  const token = randomBytes(8).toString('hex').slice(0, 12);
  await state.set(stateKeys.token(token), identifier);
  await state.set(stateKeys.tokenOf(identifier), token);
  return token;
}

/**
 * A transport to the relay, connected to the address the guard answered for its host (a private
 * address only where the workspace allows the host), with the host's name for TLS.
 */
async function transportTo(settings: EmailSettings, context: ChannelContext) {
  const address = await context.resolveHost(settings.smtpHost, settings.smtpPort);
  const options: SMTPTransport.Options = {
    host: address,
    servername: settings.smtpHost.replace(/^\[|\]$/g, ''),
    port: settings.smtpPort,
    secure: settings.smtpSecure,
    auth: settings.smtpUser ? { user: settings.smtpUser, pass: settings.smtpPassword } : undefined,
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 30_000,
  };
  return nodemailer.createTransport(options);
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The composer's light formatting (`**bold**`, `_italic_`, `` `code` ``, links, line breaks) as the mail's HTML part; everything else escaped. */
export function textToHtml(text: string): string {
  const html = escapeHtml(text)
    .replace(/\*\*([^*\n]+)\*\*/g, '<strong>$1</strong>')
    .replace(/(^|[\s(])_([^_\n]+)_(?=[\s).,!?]|$)/g, '$1<em>$2</em>')
    .replace(/`([^`\n]+)`/g, '<code>$1</code>')
    .replace(/\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)]/g, (url) => `<a href="${url}">${url}</a>`)
    .replace(/\n/g, '<br>\n');
  return `<!doctype html><html><body><div style="font-family: sans-serif; font-size: 14px; line-height: 1.5">${html}</div></body></html>`;
}

/** `{{first_name}}`, `{{last_name}}`, `{{name}}`, `{{email}}` from the recipient. */
function fillContact(text: string, recipient: OutboundMessage['recipient']): string {
  const [first = '', ...rest] = (recipient.name ?? '').trim().split(/\s+/);
  const values: Record<string, string> = { first_name: first, last_name: rest.join(' '), name: recipient.name ?? '', email: recipient.email ?? recipient.identifier };
  return text.replace(/\{\{\s*(first_name|last_name|name|email)\s*\}\}/gi, (_whole, key: string) => values[key.toLowerCase()] ?? '');
}

/** A relay's answer as a send result: 4xx and network trouble are tried again, 5xx is final. */
export function relayFailure(error: unknown): Extract<SendResult, { ok: false }> {
  if (error instanceof OutboundRefused) return { ok: false, error: `The relay's address is refused: ${error.message}`, retryable: false, code: 'smtp:address_refused' };
  const failure = error as { responseCode?: number; response?: string; code?: string; message?: string };
  if (typeof failure.responseCode === 'number') {
    const answer = oneLine(failure.response ?? failure.message ?? '', 500);
    return { ok: false, error: `The relay refused the mail: ${answer}`, retryable: failure.responseCode < 500, code: `smtp:${failure.responseCode}` };
  }
  if (failure.code === 'EAUTH') return { ok: false, error: `The relay refused the login: ${oneLine(failure.message ?? '', 300)}`, retryable: false, code: 'smtp:auth' };
  return { ok: false, error: `The relay could not be reached: ${oneLine(failure.message ?? String(error), 300)}`, retryable: true, code: failure.code ? `smtp:${failure.code}` : undefined };
}

async function filesOf(message: OutboundMessage, context: ChannelContext) {
  const files = [];
  for (const attachment of message.attachments ?? []) {
    const response = await context.http(attachment.url, { maxResponseBytes: 11 * 1024 * 1024, timeoutMs: 30_000 });
    if (response.status !== 200) throw Object.assign(new Error(`attachment ${attachment.name} could not be read (${response.status})`), { code: 'EATTACHMENT' });
    files.push({ filename: attachment.name, contentType: attachment.contentType, content: response.body });
  }
  return files;
}

export const emailChannel: ChannelModule<EmailSettings> = {
  type: 'email',
  settingsSchema,
  secretKeys: ['smtpPassword'],
  form: [
    { key: 'address', kind: 'text', required: true },
    { key: 'smtpHost', kind: 'text', required: true },
    { key: 'smtpPort', kind: 'number', required: true, default: 587 },
    { key: 'smtpSecure', kind: 'boolean', required: false, default: false },
    { key: 'smtpUser', kind: 'text', required: false },
    { key: 'smtpPassword', kind: 'secret', required: false },
  ],
  templates: { placeholders: 'named', fields: [{ key: 'subject', required: true, maxLength: 250 }], maxBodyLength: 20_000 },
  inbound: 'smtp',
  uniqueSetting: 'address',
  firstContact: { field: 'email', identifier: (email) => email.trim().toLowerCase() },
  maxTextLength: 100_000,

  // Mail arrives over SMTP (smtp-listener.ts): nothing is posted to the webhook URL.
  verifyWebhook: () => false,
  parseWebhook() {
    throw badRequest('invalid_payload', 'Email channels receive mail over SMTP, not webhooks');
  },
  // No window; templates (with a subject) may be sent any time.
  windowPolicy: () => ({ ...alwaysOpen, templates: true }),

  async testConnection(settings, context) {
    let transport;
    try {
      transport = await transportTo(settings, context);
      await transport.verify();
      return { ok: true, detail: `${settings.smtpHost}:${settings.smtpPort} accepted ${settings.smtpUser ? `the login of ${settings.smtpUser}` : 'the connection'}; nothing was sent` };
    } catch (error) {
      return { ok: false, error: relayFailure(error).error };
    } finally {
      transport?.close();
    }
  },

  async send(message, settings, context) {
    const identifier = message.recipient.identifier;
    const state = context.state;
    const thread = await state.get<ThreadState>(stateKeys.thread(identifier));
    const token = await tokenFor(state, identifier);
    const messageId = ourMessageId(message.id, settings.address);
    const templateSubject = message.template?.fields.subject;
    const firstLine = message.text.trim().split('\n')[0] ?? '';
    const subject = oneLine(
      templateSubject ? fillContact(templateSubject, message.recipient) : thread?.subject ? replySubject(thread.subject) : firstLine.slice(0, 78) || '…',
      250,
    );
    const text = fillContact(message.text, message.recipient);
    const references = replyReferences(thread?.references ?? [], thread?.lastMessageId);
    let transport;
    try {
      transport = await transportTo(settings, context);
      const attachments = await filesOf(message, context);
      await transport.sendMail({
        from: { name: '', address: settings.address },
        to: { name: oneLine(message.recipient.name ?? ''), address: identifier },
        replyTo: replyAddress(settings.address, token),
        subject,
        text,
        html: textToHtml(text),
        messageId,
        inReplyTo: templateSubject ? undefined : thread?.lastMessageId,
        references: templateSubject ? undefined : references.length > 0 ? references : undefined,
        attachments,
        date: message.createdAt,
      });
    } catch (error) {
      if ((error as { code?: string }).code === 'EATTACHMENT') return { ok: false, error: (error as Error).message, retryable: true };
      return relayFailure(error);
    } finally {
      transport?.close();
    }
    const lower = messageId.toLowerCase();
    await state.set(stateKeys.messageId(lower), identifier, { expiresAt: new Date(context.now().getTime() + THREAD_MEMORY_MS) });
    await state.set(stateKeys.thread(identifier), {
      subject: thread?.subject ?? subject,
      lastMessageId: thread?.lastMessageId ?? lower,
      references: replyReferences(references, lower),
    } satisfies ThreadState);
    return { ok: true, providerMessageId: lower };
  },
};
