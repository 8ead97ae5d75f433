import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { createBoundedCache } from '../../platform/bounded-cache.js';
import type { Logger } from '../../platform/logging.js';
import type { ChannelModule, EmailContent, InboundMessage, MediaKind } from '../channel-registry.js';
import type { ChannelRow } from '../channels.repository.js';
import type { ChannelsService } from '../channels.service.js';
import { type InboundSink, storableInbound } from '../webhooks.routes.js';
import { type EmailSettings, isOurMessageId, stateKeys, THREAD_MEMORY_MS, type ThreadState } from './email.channel.js';
import { type ParsedMail, parseMail, type ReceivedMail } from './email-inbound.js';
import { baseAddress, findThread, replyReferences, type ThreadMatch } from './email-threading.js';

/** SPEC §3.3: files up to 10 MB; a mail is refused above it, at DATA, with 552. */
export const MAX_MAIL_BYTES = 10 * 1024 * 1024;
/** How long a recipient address's channel (or that it has none) is remembered: a new channel takes mail within this. */
const CHANNEL_CACHE_MS = 5_000;

type Resolved = { row: ChannelRow; module: ChannelModule };

const smtpError = (responseCode: number, message: string) => Object.assign(new Error(message), { responseCode });

const kindOf = (contentType: string): MediaKind =>
  contentType.startsWith('image/') ? 'image' : contentType.startsWith('audio/') ? 'audio' : contentType.startsWith('video/') ? 'video' : 'document';

/**
 * Switchboard's own mail server (SMTP_PORT, default 2525): the MX of a support domain, or where an
 * existing mailbox forwards. It accepts mail for every email channel's address (and its `+tag`
 * reply addresses), refuses other recipients at RCPT (550) and mail over 10 MB at DATA (552).
 * A mail is answered 250 only once it is stored (451 when it could not be: the sender tries again,
 * and its Message-ID makes the second delivery the same message).
 */
export function createSmtpListener(deps: { channels: ChannelsService; sink: InboundSink; logger: Logger; maxBytes?: number }) {
  const { channels, sink, logger } = deps;
  const maxBytes = deps.maxBytes ?? MAX_MAIL_BYTES;
  const recipientsOf = new WeakMap<SMTPServerSession, Map<string, Resolved>>();

  // Every mail names its channel at RCPT: looked up once per address every few seconds, not per mail.
  const known = createBoundedCache<string, { channel: Resolved | undefined }>({ max: 10_000, ttlMs: CHANNEL_CACHE_MS });
  async function channelFor(address: string): Promise<Resolved | undefined> {
    const key = baseAddress(address);
    const cached = known.get(key);
    if (cached) return cached.channel;
    const channel = await channels.resolveBySetting('email', 'address', key);
    known.set(key, { channel });
    return channel;
  }

  async function receiveOn(channel: Resolved, mail: ParsedMail, recipients: string[]): Promise<string> {
    const settings = channel.row.settings as EmailSettings;
    const context = channels.contextFor(channel.row);
    const state = context.state;
    if (mail.kind === 'bounce') {
      if (!mail.originalMessageId || !isOurMessageId(mail.originalMessageId, settings.address)) return 'bounce of a mail we did not send';
      const { unmatched } = await sink.applyReceipts(channel.row, [
        { providerMessageId: mail.originalMessageId, status: 'failed', error: `The mail bounced: ${mail.reason}`, errorCode: mail.status ? `smtp:${mail.status}` : 'smtp:bounce' },
      ]);
      return unmatched > 0 ? 'bounce of an unknown reply' : 'bounce';
    }
    // Our own mail coming back (a forwarding loop, an auto-forward to the support address): never a new message.
    if (isOurMessageId(mail.messageId, settings.address)) return 'loop: our own Message-ID';
    if (!mail.from) return 'no sender';
    const match: ThreadMatch | undefined = await findThread(
      { inReplyTo: mail.inReplyTo, references: mail.references, recipients: [...recipients, ...mail.recipients], subject: mail.subject },
      settings.address,
      { byMessageId: (id) => state.get<string>(stateKeys.messageId(id)), byToken: (token) => state.get<string>(stateKeys.token(token)) },
    );
    const identifier = match?.identifier ?? mail.from.address;
    const content: EmailContent = {
      kind: 'email',
      subject: mail.subject,
      html: mail.html,
      remoteImages: mail.remoteImages,
      foldAt: mail.foldAt,
      autoReply: mail.autoReply,
      inline: mail.files.flatMap((file) => (file.inline && file.contentId ? [{ contentId: file.contentId, fileName: file.fileName }] : [])),
    };
    const inbound: InboundMessage = {
      providerMessageId: mail.messageId,
      // A thread found by its headers keeps the conversation's identity, whoever answered from which address.
      contact: identifier === mail.from.address ? { identifier, name: mail.from.name || undefined, email: identifier } : { identifier },
      text: mail.text,
      sentAt: mail.date,
      content,
      // The files came with the mail: stored with the message, nothing to fetch.
      media: mail.files.map((file, index) => ({ kind: kindOf(file.contentType), ref: `part-${index + 1}`, contentType: file.contentType, fileName: file.fileName, content: file.content })),
    };
    const stored = await sink.receive(channel.row, storableInbound(inbound));
    if (stored.duplicate) return 'duplicate';
    await rememberThread(state, identifier, mail, context.now());
    return match ? `threaded by ${match.by}` : 'stored';
  }

  /** The mail our next reply answers: its Message-ID (for In-Reply-To), its References and subject. */
  async function rememberThread(state: ReturnType<ChannelsService['contextFor']>['state'], identifier: string, mail: ReceivedMail, now: Date) {
    await state.set(stateKeys.messageId(mail.messageId), identifier, { expiresAt: new Date(now.getTime() + THREAD_MEMORY_MS) });
    await state.set(stateKeys.thread(identifier), {
      subject: mail.subject,
      lastMessageId: mail.messageId,
      references: replyReferences(mail.references.map((id) => id.toLowerCase()), mail.messageId),
    } satisfies ThreadState);
  }

  const server = new SMTPServer({
    name: 'switchboard',
    banner: 'Switchboard',
    size: maxBytes,
    authOptional: true,
    disabledCommands: ['AUTH'],
    logger: false,
    hideSTARTTLS: false,
    async onRcptTo(address, session, callback) {
      try {
        const channel = await channelFor(address.address);
        if (!channel) return callback(smtpError(550, `5.1.1 <${address.address}>: no such mailbox here`));
        const known = recipientsOf.get(session) ?? new Map<string, Resolved>();
        known.set(address.address.toLowerCase(), channel);
        recipientsOf.set(session, known);
        callback();
      } catch (error) {
        logger.error({ err: error }, 'smtp: recipient lookup failed');
        callback(smtpError(451, '4.3.0 try again later'));
      }
    },
    onData(stream, session, callback) {
      // Parsed as it arrives, hashed and counted on the way: a large mail is never held whole beside its parts.
      const hash = createHash('sha256');
      const feed = new PassThrough();
      let size = 0;
      const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address || undefined : undefined;
      let hashed: string | undefined;
      const parsed = parseMail(feed, envelopeFrom, undefined).catch((error: unknown) => error as Error);
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        // Past the limit nothing more is parsed: the stream is drained, then refused.
        if (size > maxBytes) return;
        hash.update(chunk);
        feed.write(chunk);
      });
      stream.on('error', (error) => {
        feed.destroy();
        callback(error);
      });
      stream.on('end', () => {
        feed.end();
        if (stream.sizeExceeded || size > maxBytes) {
          void parsed.then(() => undefined);
          return callback(smtpError(552, `5.3.4 message exceeds the ${Math.round(maxBytes / 1024 / 1024)} MB limit`));
        }
        hashed = hash.digest('hex');
        void (async () => {
          const result = await parsed;
          // Not a mail anyone can read: refused for good (the sender's server bounces it), never tried again.
          if (result instanceof Error) throw Object.assign(result, { unparseable: true });
          const mail = result.kind === 'message' && !result.hasOwnMessageId ? { ...result, messageId: `<sha256.${hashed!.slice(0, 40)}@switchboard.invalid>` } : result;
          const byChannel = new Map<string, { channel: Resolved; recipients: string[] }>();
          for (const [recipient, channel] of recipientsOf.get(session) ?? []) {
            const entry = byChannel.get(channel.row.id) ?? { channel, recipients: [] };
            entry.recipients.push(recipient);
            byChannel.set(channel.row.id, entry);
          }
          for (const { channel, recipients } of byChannel.values()) {
            const outcome = await receiveOn(channel, mail, recipients);
            logger.debug({ channelId: channel.row.id, outcome }, 'smtp: mail received');
          }
        })().then(
          () => callback(),
          (error: unknown) => {
            if ((error as { unparseable?: boolean }).unparseable) {
              logger.warn({ err: error }, 'smtp: a mail that could not be parsed was refused');
              return callback(smtpError(554, '5.6.0 the message could not be parsed'));
            }
            logger.error({ err: error }, 'smtp: mail not stored');
            callback(smtpError(451, '4.3.0 the mail could not be stored; try again later'));
          },
        );
      });
    },
  });
  server.on('error', (error) => logger.warn({ err: error }, 'smtp: connection error'));

  return {
    async listen(port: number, host?: string): Promise<number> {
      await new Promise<void>((resolve, reject) => {
        server.server.once('error', reject);
        server.listen(port, host, () => {
          server.server.off('error', reject);
          resolve();
        });
      });
      return (server.server.address() as AddressInfo).port;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type SmtpListener = ReturnType<typeof createSmtpListener>;
