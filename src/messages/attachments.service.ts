import { Readable, Transform, type TransformCallback, pipeline } from 'node:stream';
import { fileTypeFromBuffer } from 'file-type';
import type { OutboundAttachment } from '../channels/channel-registry.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db/client.js';
import { AppError, badRequest, forbidden, notFound } from '../platform/errors.js';
import { newId } from '../platform/ids.js';
import type { JobQueue } from '../platform/jobs.js';
import type { ServerSecrets } from '../platform/server-secrets.js';
import type { Actor } from '../platform/auth/permissions.js';
import { LINK_LIFETIME_MS, type LinkParameters, signLink, verifyLink } from './attachment-links.js';
import type { AttachmentStore } from './attachment-store.js';
import { type AttachmentRow, createAttachmentsRepository } from './attachments.repository.js';

export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
/** An upload not sent within this time is deleted. */
export const UNSENT_UPLOAD_LIFETIME_MS = 24 * 60 * 60 * 1000;
const SWEEP_JOB = 'attachments.sweep';
const SWEEP_EVERY_MS = 60 * 60 * 1000;
const SWEEP_BATCH = 500;
const DELETE_FILES_JOB = 'attachments.delete-files';
const LINK_SECRET = 'attachment-links';
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

export function createAttachmentsService(deps: {
  db: Db;
  clock: Clock;
  jobs: JobQueue;
  store: AttachmentStore;
  secrets: ServerSecrets;
  /** Where the world reaches this server: signed download links start with it. */
  publicUrl: string;
  /** A sent file is downloaded by whoever may see its conversation: the conversations domain says who (404 otherwise). */
  conversations: { requireVisible(actor: Actor, conversationId: string): Promise<unknown> };
}) {
  const { db, clock, jobs, store, secrets, publicUrl } = deps;
  const repository = createAttachmentsRepository(db);

  /**
   * Files go after their rows, through a job queued in the rows' transaction: a rollback leaves
   * both, a crash after the commit still deletes the files.
   */
  async function deleteFilesLater(tx: Db, storageKeys: string[]) {
    if (storageKeys.length > 0) await jobs.enqueue({ type: DELETE_FILES_JOB, payload: { storageKeys }, maxAttempts: 10 }, tx);
  }

  jobs.register(DELETE_FILES_JOB, async ({ job }) => {
    const { storageKeys } = job.payload as { storageKeys: string[] };
    // Deleting a file already gone is not an error, so a job run again after a crash just finishes.
    for (const key of storageKeys) await store.delete(key);
    return { deleted: storageKeys.length };
  });

  jobs.every(SWEEP_JOB, SWEEP_EVERY_MS, async () => {
    const uploadedBefore = new Date(clock.now().getTime() - UNSENT_UPLOAD_LIFETIME_MS);
    let swept = 0;
    for (;;) {
      const keys = await db.transaction(async (tx) => {
        const deleted = await createAttachmentsRepository(tx).deleteUnsent(uploadedBefore, SWEEP_BATCH);
        await deleteFilesLater(tx, deleted);
        return deleted;
      });
      swept += keys.length;
      if (keys.length < SWEEP_BATCH) return { swept };
    }
  });

  const linkSecret = () => secrets.get(LINK_SECRET);

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

    /**
     * A file a contact sent, fetched from its provider after the message was stored: kept like an
     * upload (its type sniffed from the bytes) and tied to that message. Answers undefined when
     * the message is gone meanwhile (nothing is kept), and throws 413 for a file over the limit.
     */
    async storeReceived(input: { workspaceId: string; messageId: string; contactId: string; fileName?: string; kind: string; content: Buffer }) {
      if (input.content.length > MAX_ATTACHMENT_BYTES) throw tooLarge();
      const id = newId();
      const storageKey = `${input.workspaceId}/${id}`;
      const head = input.content.subarray(0, SNIFF_BYTES);
      const contentType = await sniff(head);
      const extension = (await fileTypeFromBuffer(head))?.ext ?? (contentType === 'text/plain' ? 'txt' : 'bin');
      await store.put(storageKey, Readable.from([input.content]));
      try {
        const row = await repository.insert({
          id,
          workspaceId: input.workspaceId,
          messageId: input.messageId,
          contactId: input.contactId,
          fileName: cleanFileName(input.fileName ?? `${input.kind}.${extension}`),
          contentType,
          size: input.content.length,
          storageKey,
          createdAt: clock.now(),
        });
        return publicAttachment(row);
      } catch (error) {
        await store.delete(storageKey);
        // The message was deleted while its file was on its way (its conversation or contact went).
        if ((error as { code?: string; cause?: { code?: string } }).code === '23503' || (error as { cause?: { code?: string } }).cause?.code === '23503') return undefined;
        throw error;
      }
    },

    /**
     * A file through the API: an upload not sent yet is its uploader's alone (SPEC §1); a sent one
     * is for whoever may see its conversation. 404 otherwise, as for a file that does not exist.
     */
    async open(actor: Actor, id: string) {
      const found = await repository.findWithConversation(actor.workspaceId, id);
      if (!found || (found.row.messageId === null && found.row.uploadedBy !== actor.userId)) throw notFound('Attachment');
      if (found.conversationId) {
        await deps.conversations.requireVisible(actor, found.conversationId).catch((error: unknown) => {
          throw error instanceof AppError && error.status === 404 ? notFound('Attachment') : error;
        });
      }
      const { row } = found;
      const content = await store.get(row.storageKey);
      if (!content) throw notFound('Attachment');
      return { attachment: publicAttachment(row), content, inline: INLINE_TYPES.has(row.contentType) };
    },

    /**
     * A file through a signed link, without a session. The link is checked before the attachment
     * is looked up, and every bad link gets the same answer: it tells nothing about the file.
     */
    async openByLink(id: string, link: Partial<LinkParameters>) {
      if (!verifyLink(await linkSecret(), id, link, clock.now())) {
        throw forbidden('invalid_link', 'This download link is not valid or has expired');
      }
      const row = await repository.findForLink(id);
      const content = row && (await store.get(row.storageKey));
      if (!row || !content) throw notFound('Attachment');
      return { attachment: publicAttachment(row), content, inline: INLINE_TYPES.has(row.contentType) };
    },

    /** A message's files as a channel delivers them: each with a download link valid for LINK_LIFETIME_MS. */
    async forDelivery(workspaceId: string, messageId: string): Promise<OutboundAttachment[]> {
      const rows = await repository.ofMessages(workspaceId, [messageId]);
      if (rows.length === 0) return [];
      const secret = await linkSecret();
      const expiresAt = new Date(clock.now().getTime() + LINK_LIFETIME_MS);
      return rows.map((row) => {
        const { expires, signature } = signLink(secret, row.id, expiresAt);
        return {
          id: row.id,
          name: row.fileName,
          contentType: row.contentType,
          size: row.size,
          url: `${publicUrl}/api/v1/attachments/${row.id}/download?expires=${expires}&signature=${signature}`,
        };
      });
    },

    /** In the caller's transaction, before the conversation is deleted: its files' rows go, and a job deletes the files once that commits. */
    async discardOfConversation(tx: Db, workspaceId: string, conversationId: string) {
      await deleteFilesLater(tx, await createAttachmentsRepository(tx).deleteOfConversation(workspaceId, conversationId));
    },

    /**
     * In the caller's transaction, after the contacts were deleted there (so locks are taken in
     * the order a send takes them): as discardOfConversation, for everything sent to them.
     */
    async discardOfContacts(tx: Db, workspaceId: string, contactIds: string[]) {
      await deleteFilesLater(tx, await createAttachmentsRepository(tx).deleteOfContacts(workspaceId, contactIds));
    },

    /** In the caller's transaction: ties the sender's uploads to a message, or refuses the send (400) if one is unknown, someone else's, or already sent. */
    async attach(tx: Db, input: { workspaceId: string; ids: string[]; messageId: string; contactId: string; uploadedBy: string }) {
      const ids = [...new Set(input.ids)];
      const attached = await createAttachmentsRepository(tx).attach(input.workspaceId, ids, input.messageId, input.contactId, input.uploadedBy);
      if (attached !== ids.length) {
        throw badRequest('unknown_attachment', 'attachmentIds: every attachment must be an upload of yours not sent yet', {
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
