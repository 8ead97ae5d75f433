import { type Readable, Transform, type TransformCallback, pipeline } from 'node:stream';
import { fileTypeFromBuffer } from 'file-type';
import type { EventBus } from '../platform/bus.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db/client.js';
import { AppError, badRequest, notFound } from '../platform/errors.js';
import { newId } from '../platform/ids.js';
import type { Logger } from '../platform/logging.js';
import type { Actor } from '../workspace/permissions.js';
import type { AttachmentStore } from './attachment-store.js';
import { type AttachmentRow, createAttachmentsRepository } from './attachments.repository.js';

export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
/** file-type reads at most this much of the start of a file. */
const SNIFF_BYTES = 4100;
/** Images a browser may show inline; SVG is not among them (it can carry script). */
const INLINE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'image/bmp']);

export const tooLarge = () =>
  new AppError(413, 'attachment_too_large', `An attachment may have at most ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MB`, {
    maxBytes: MAX_ATTACHMENT_BYTES,
  });

export type PublicAttachment = ReturnType<typeof publicAttachment>;

export const publicAttachment = (row: AttachmentRow) => ({
  id: row.id,
  fileName: row.fileName,
  contentType: row.contentType,
  size: row.size,
  url: `/api/v1/attachments/${row.id}`,
  createdAt: row.createdAt,
});

/** A name safe to store and to put in a header: no path, no control characters. */
function cleanFileName(name: string | undefined): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(/[\p{Cc}\p{Cf}]/gu, '').trim().slice(0, 255);
  return cleaned || 'file';
}

/** Counts bytes as they pass, fails the stream the moment it is too large, and keeps its first bytes to sniff. */
class SizeLimit extends Transform {
  size = 0;
  private head: Buffer[] = [];
  private headSize = 0;

  _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
    this.size += chunk.length;
    if (this.size > MAX_ATTACHMENT_BYTES) return done(tooLarge());
    if (this.headSize < SNIFF_BYTES) {
      this.head.push(chunk);
      this.headSize += chunk.length;
    }
    done(null, chunk);
  }

  start(): Buffer {
    return Buffer.concat(this.head).subarray(0, SNIFF_BYTES);
  }
}

/** The type the bytes say, never what the client claimed. Text without a signature is text/plain. */
async function sniff(head: Buffer): Promise<string> {
  const detected = await fileTypeFromBuffer(head);
  if (detected) return detected.mime;
  if (head.length > 0 && !head.includes(0)) {
    try {
      // A cut-off head may end inside a multi-byte character: leave that character out.
      const whole = head.length < SNIFF_BYTES ? head : head.subarray(0, head.length - 3);
      new TextDecoder('utf-8', { fatal: true }).decode(whole);
      return 'text/plain';
    } catch {
      // not UTF-8: binary
    }
  }
  return 'application/octet-stream';
}

export type AttachmentsService = ReturnType<typeof createAttachmentsService>;

export function createAttachmentsService(deps: { db: Db; bus: EventBus; clock: Clock; store: AttachmentStore; logger: Logger }) {
  const { db, bus, clock, store, logger } = deps;
  const repository = createAttachmentsRepository(db);

  async function purge(workspaceId: string, contactIds: string[]) {
    const rows = await createAttachmentsRepository(db).claimOrphans(workspaceId, contactIds);
    for (const row of rows) await store.delete(row.storageKey);
  }

  // Files outlive their rows' cascade on purpose: the deleted rows' ids lead here to the files.
  bus.subscribe((event) => {
    const contactIds =
      event.type === 'conversation.deleted'
        ? [(event.data as { contactId: string }).contactId]
        : event.type === 'contacts.deleted'
          ? (event.data as { contactIds: string[] }).contactIds
          : undefined;
    if (!contactIds) return;
    purge(event.workspaceId, contactIds).catch((error) => logger.error({ err: error, workspaceId: event.workspaceId }, 'attachment purge failed'));
  });

  return {
    /** Streams the upload to the store; refuses at the first byte past the limit and keeps nothing. */
    async upload(actor: Actor, input: { fileName: string | undefined; content: Readable }) {
      const id = newId();
      const storageKey = `${actor.workspaceId}/${id}`;
      const limit = new SizeLimit();
      try {
        await store.put(storageKey, pipeline(input.content, limit, () => {}));
      } catch (error) {
        if (limit.size > MAX_ATTACHMENT_BYTES) throw tooLarge();
        throw error;
      }
      const contentType = await sniff(limit.start());
      const row = await repository.insert({
        id,
        workspaceId: actor.workspaceId,
        uploadedBy: actor.userId,
        fileName: cleanFileName(input.fileName),
        contentType,
        size: limit.size,
        storageKey,
        createdAt: clock.now(),
      });
      return publicAttachment(row);
    },

    async open(actor: Actor, id: string) {
      const row = await repository.find(actor.workspaceId, id);
      const content = row && (await store.get(row.storageKey));
      if (!row || !content) throw notFound('Attachment');
      return { attachment: publicAttachment(row), content, inline: INLINE_TYPES.has(row.contentType) };
    },

    /** In the caller's transaction: ties uploads to a message, or refuses the send (400) if one is unknown or already sent. */
    async attach(tx: Db, input: { workspaceId: string; ids: string[]; messageId: string; contactId: string }) {
      const ids = [...new Set(input.ids)];
      const attached = await createAttachmentsRepository(tx).attach(input.workspaceId, ids, input.messageId, input.contactId);
      if (attached !== ids.length) {
        throw badRequest('unknown_attachment', 'attachmentIds: every attachment must be an upload of this workspace not sent yet', {
          field: 'attachmentIds',
        });
      }
    },

    /** Attachments of each message, for message lists. */
    async ofMessages(workspaceId: string, messageIds: string[]): Promise<Map<string, PublicAttachment[]>> {
      const byMessage = new Map<string, PublicAttachment[]>();
      for (const row of await repository.ofMessages(workspaceId, messageIds)) {
        byMessage.set(row.messageId!, [...(byMessage.get(row.messageId!) ?? []), publicAttachment(row)]);
      }
      return byMessage;
    },
  };
}
