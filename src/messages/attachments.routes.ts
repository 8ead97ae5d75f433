import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { badRequest } from '../platform/errors.js';
import { actorOf, type RouteContext } from '../platform/http/app.js';
import { uuidParam } from '../platform/http/schemas.js';
import { type AttachmentsService, MAX_ATTACHMENT_BYTES, tooLarge } from './attachments.service.js';

const inboxUse = { permission: 'inbox.use' as const };
/** Room for the multipart boundaries and part headers around one file. */
const ENVELOPE_BYTES = 64 * 1024;

/** RFC 6266 / 5987: an ASCII fallback and the exact UTF-8 name. */
function contentDisposition(kind: 'inline' | 'attachment', fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

/** A stored file as a response: images inline, anything else as a download, and nothing in it runs. */
function sendFile(reply: FastifyReply, file: Awaited<ReturnType<AttachmentsService['open']>>, cacheControl: string) {
  const { attachment, content, inline } = file;
  return reply
    .header('content-type', attachment.contentType)
    .header('content-length', String(attachment.size))
    .header('content-disposition', contentDisposition(inline ? 'inline' : 'attachment', attachment.fileName))
    .header('x-content-type-options', 'nosniff')
    // Even a file opened directly in a tab runs nothing.
    .header('content-security-policy', "default-src 'none'; sandbox")
    .header('cache-control', cacheControl)
    .send(content);
}

export function registerAttachmentRoutes({ app: root, services }: RouteContext<{ attachments: AttachmentsService }>) {
  const { attachments } = services;

  // Multipart only here: every other route keeps speaking JSON.
  root.register(async (scope: FastifyInstance) => {
    // busboy stops one byte past the limit, so the size check below sees the file is too large without buffering it.
    await scope.register(fastifyMultipart, { limits: { fileSize: MAX_ATTACHMENT_BYTES + 1, files: 1 } });
    const app = scope.withTypeProvider<ZodTypeProvider>();

    app.post(
      '/api/v1/attachments',
      {
        config: inboxUse,
        schema: {
          tags: ['attachments'],
          summary: 'Upload one file (multipart/form-data, field `file`, up to 10 MB); send its id in attachmentIds',
          consumes: ['multipart/form-data'],
        },
      },
      async (request, reply) => {
        const actor = actorOf(request);
        // An honest Content-Length tells before the first byte is read.
        if (Number(request.headers['content-length'] ?? 0) > MAX_ATTACHMENT_BYTES + ENVELOPE_BYTES) {
          reply.header('connection', 'close');
          throw tooLarge();
        }
        if (!request.isMultipart()) throw badRequest('multipart_required', 'Upload the file as multipart/form-data');
        const file = await request.file();
        if (!file) throw badRequest('missing_file', 'file: required');
        try {
          return reply.status(201).send(await attachments.upload(actor, { fileName: file.filename, content: file.file }));
        } catch (error) {
          // Stop the client sending the rest of a file we refused.
          reply.header('connection', 'close');
          throw error;
        }
      },
    );
  });

  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/api/v1/attachments/:id',
    { config: inboxUse, schema: { tags: ['attachments'], summary: 'Download a file (images inline, anything else as a download)', params: uuidParam } },
    async (request, reply) => sendFile(reply, await attachments.open(actorOf(request), request.params.id), 'private, max-age=3600'),
  );

  app.get(
    '/api/v1/attachments/:id/download',
    {
      config: { public: true },
      schema: {
        tags: ['attachments'],
        summary:
          'Download a file through the signed link a channel delivered with a reply (no session; valid 7 days); an unsigned, changed or expired link answers 403 invalid_link',
        params: uuidParam,
        querystring: z.object({ expires: z.string().max(20).optional(), signature: z.string().max(200).optional() }),
        security: [],
      },
    },
    async (request, reply) =>
      // Whoever holds the link may fetch it; shared caches may not keep it.
      sendFile(reply, await attachments.openByLink(request.params.id, request.query), 'private, no-store'),
  );
}
