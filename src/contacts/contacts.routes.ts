import fs from 'node:fs';
import { Readable } from 'node:stream';
import fastifyMultipart from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, type RouteContext } from '../platform/http/app.js';
import { uuidParam } from '../platform/http/schemas.js';
import { paginationQuery } from '../platform/pagination.js';
import type { Actor } from '../platform/auth/permissions.js';
import { invalidField } from './contact-criteria.js';
import { customFieldTypes } from './contact-fields.rules.js';
import { contactFilterSchema, contactFilterSchemaWith, filterOnly } from './contact-filter.js';
import { IMPORT_MAX_BYTES } from './contact-transfers.js';
import type { ContactsService } from './contacts.service.js';

const contactsModule = { permission: 'contacts.module' as const };
const manage = { permission: 'workspace.manage' as const };

const optionalText = (max: number) => z.string().max(max).nullable().optional();

/** SPEC §7: every field optional; PATCH sends any subset, `null` clears a field. */
const contactBody = z.strictObject({
  firstName: optionalText(200),
  lastName: optionalText(200),
  email: optionalText(320),
  phone: optionalText(40),
  country: optionalText(10),
  language: optionalText(35),
  assigneeId: z.uuid().nullable().optional(),
  tags: z.array(z.string().max(64)).max(100).optional(),
  customFields: z.record(z.string().max(64), z.unknown()).optional(),
});

const listQuery = contactFilterSchemaWith({
  ...paginationQuery,
  sort: z.enum(['name', 'created', 'lastInteraction']).optional(),
  order: z.enum(['asc', 'desc']).optional(),
});

const bulkBody = z.strictObject({
  action: z.enum(['delete', 'tag', 'untag', 'block', 'unblock', 'export']),
  contactIds: z.array(z.uuid()).min(1).max(10_000).optional(),
  filter: contactFilterSchema.optional(),
  all: z.boolean().optional(),
  tags: z.array(z.string().max(64)).max(50).optional(),
});

const contactChannelParams = z.strictObject({ id: z.uuid(), channelId: z.uuid() });
const tagName = z.strictObject({ name: z.string().max(64) });
const fieldKey = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'letters, digits and _, starting with a letter');
const segmentParam = z.strictObject({ id: z.union([z.uuid(), z.literal('blocked')]) });
const segmentName = z.string().trim().min(1).max(200);

export function registerContactsRoutes({ app: root, services }: RouteContext<{ contacts: ContactsService }>) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { contacts } = services;

  // ------------------------------------------------------------ contacts

  app.get(
    '/api/v1/contacts',
    {
      config: contactsModule,
      schema: {
        tags: ['contacts'],
        summary: 'Search, filter and sort contacts (keyset pages); custom fields filter as cf.<key>=<value>',
        querystring: listQuery,
      },
    },
    async (request) => {
      const { cursor, limit, sort, order } = request.query;
      return contacts.list(actorOf(request), { filter: filterOnly(request.query), cursor, limit, sort, order });
    },
  );

  app.get(
    '/api/v1/contacts/count',
    { config: contactsModule, schema: { tags: ['contacts'], summary: 'How many contacts a filter selects', querystring: contactFilterSchema } },
    async (request) => contacts.count(actorOf(request), request.query),
  );

  app.get(
    '/api/v1/contacts/export.csv',
    { config: contactsModule, schema: { tags: ['contacts'], summary: 'The contacts of a filter as CSV, streamed', querystring: contactFilterSchema } },
    async (request, reply) => {
      const stream = await contacts.exportStream(actorOf(request), request.query);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="contacts.csv"')
        .send(stream);
    },
  );

  app.get(
    '/api/v1/contacts/exports/:id',
    { config: contactsModule, schema: { tags: ['contacts'], summary: 'Download the CSV of a finished export job', params: uuidParam } },
    async (request, reply) => {
      const file = await contacts.exportFile(actorOf(request), request.params.id);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${file.fileName}"`)
        .send(fs.createReadStream(file.path));
    },
  );

  app.post(
    '/api/v1/contacts',
    { config: contactsModule, schema: { tags: ['contacts'], summary: 'Create a contact', body: contactBody } },
    async (request, reply) => reply.status(201).send(await contacts.create(actorOf(request), request.body)),
  );

  app.post(
    '/api/v1/contacts/bulk',
    {
      config: contactsModule,
      schema: {
        tags: ['contacts'],
        summary: 'Delete, tag, untag, block, unblock or export many contacts in a background job',
        body: bulkBody,
      },
    },
    async (request, reply) => reply.status(202).send({ job: await contacts.bulk(actorOf(request), request.body) }),
  );

  app.get('/api/v1/contacts/:id', { schema: { tags: ['contacts'], params: uuidParam } }, async (request) =>
    contacts.get(actorOf(request), request.params.id),
  );

  app.patch(
    '/api/v1/contacts/:id',
    { schema: { tags: ['contacts'], summary: 'Change the fields sent, and only those', params: uuidParam, body: contactBody } },
    async (request) => contacts.update(actorOf(request), request.params.id, request.body),
  );

  app.delete(
    '/api/v1/contacts/:id',
    {
      schema: {
        tags: ['contacts'],
        summary: 'Delete a contact and its conversation history for good (agents: see the workspace setting)',
        params: uuidParam,
      },
    },
    async (request, reply) => {
      await contacts.remove(actorOf(request), request.params.id);
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/v1/contacts/:id/channels',
    { schema: { tags: ['contacts'], summary: 'Each channel of the workspace as it stands with the contact', params: uuidParam } },
    async (request) => contacts.channels(actorOf(request), request.params.id),
  );

  app.delete(
    '/api/v1/contacts/:id/channels/:channelId',
    {
      config: { permission: 'contacts.removeChannel' },
      schema: { tags: ['contacts'], summary: "Remove the contact's identity on a channel; history stays", params: contactChannelParams },
    },
    async (request, reply) => {
      await contacts.removeChannel(actorOf(request), request.params.id, request.params.channelId);
      return reply.status(204).send();
    },
  );

  registerImportRoute({ app: root, services });

  // ------------------------------------------------------------ tags

  app.get(
    '/api/v1/tags',
    { schema: { tags: ['tags'], summary: 'Tags by name with their number of contacts', querystring: z.strictObject({ ...paginationQuery, q: z.string().max(64).optional() }) } },
    async (request) => contacts.tags.list(actorOf(request), request.query),
  );

  app.post('/api/v1/tags', { schema: { tags: ['tags'], body: tagName } }, async (request, reply) =>
    reply.status(201).send(await contacts.tags.create(actorOf(request), request.body)),
  );

  app.patch('/api/v1/tags/:id', { config: contactsModule, schema: { tags: ['tags'], params: uuidParam, body: tagName } }, async (request) =>
    contacts.tags.rename(actorOf(request), request.params.id, request.body),
  );

  app.delete(
    '/api/v1/tags/:id',
    { config: contactsModule, schema: { tags: ['tags'], summary: 'Delete a tag from the workspace and from its contacts', params: uuidParam } },
    async (request, reply) => {
      await contacts.tags.remove(actorOf(request), request.params.id);
      return reply.status(204).send();
    },
  );

  // ------------------------------------------------------------ custom fields

  app.get('/api/v1/custom-fields', { schema: { tags: ['custom-fields'], summary: 'Custom fields in display order' } }, async (request) =>
    contacts.customFields.list(actorOf(request)),
  );

  app.post(
    '/api/v1/custom-fields',
    {
      config: manage,
      schema: {
        tags: ['custom-fields'],
        body: z.strictObject({
          key: fieldKey,
          label: z.string().trim().min(1).max(100),
          type: z.enum(customFieldTypes),
          options: z.array(z.string().max(100)).max(200).nullable().optional(),
          position: z.number().int().min(0).optional(),
        }),
      },
    },
    async (request, reply) => reply.status(201).send(await contacts.customFields.create(actorOf(request), request.body)),
  );

  app.post(
    '/api/v1/custom-fields/order',
    {
      config: manage,
      schema: { tags: ['custom-fields'], summary: 'Set the display order: every field id once', body: z.strictObject({ ids: z.array(z.uuid()).max(500) }) },
    },
    async (request) => contacts.customFields.reorder(actorOf(request), request.body.ids),
  );

  app.patch(
    '/api/v1/custom-fields/:id',
    {
      config: manage,
      schema: {
        tags: ['custom-fields'],
        summary: 'Change label, options or position (key and type are fixed)',
        params: uuidParam,
        body: z.strictObject({
          label: z.string().trim().min(1).max(100).optional(),
          options: z.array(z.string().max(100)).max(200).nullable().optional(),
          position: z.number().int().min(0).optional(),
        }),
      },
    },
    async (request) => contacts.customFields.update(actorOf(request), request.params.id, request.body),
  );

  app.delete(
    '/api/v1/custom-fields/:id',
    { config: manage, schema: { tags: ['custom-fields'], summary: 'Delete a field; its values leave the contacts in the background', params: uuidParam } },
    async (request, reply) => {
      await contacts.customFields.remove(actorOf(request), request.params.id);
      return reply.status(204).send();
    },
  );

  // ------------------------------------------------------------ segments

  app.get('/api/v1/segments', { config: contactsModule, schema: { tags: ['segments'], summary: 'The built-in Blocked contacts segment, then saved ones' } }, async (request) =>
    contacts.segments.list(actorOf(request)),
  );

  app.get('/api/v1/segments/:id', { config: contactsModule, schema: { tags: ['segments'], params: segmentParam } }, async (request) =>
    contacts.segments.get(actorOf(request), request.params.id),
  );

  app.post(
    '/api/v1/segments',
    { config: contactsModule, schema: { tags: ['segments'], body: z.strictObject({ name: segmentName, filter: contactFilterSchema }) } },
    async (request, reply) => reply.status(201).send(await contacts.segments.create(actorOf(request), request.body)),
  );

  app.patch(
    '/api/v1/segments/:id',
    {
      config: contactsModule,
      schema: { tags: ['segments'], params: segmentParam, body: z.strictObject({ name: segmentName.optional(), filter: contactFilterSchema.optional() }) },
    },
    async (request) => contacts.segments.update(actorOf(request), request.params.id, request.body),
  );

  app.delete('/api/v1/segments/:id', { config: contactsModule, schema: { tags: ['segments'], params: segmentParam } }, async (request, reply) => {
    await contacts.segments.remove(actorOf(request), request.params.id);
    return reply.status(204).send();
  });
}

/**
 * CSV import: a multipart upload (a `file` part and an optional `mapping` field holding JSON) or
 * a text/csv body with `?mapping=<JSON>`. Registered in its own scope so its body parsers apply
 * to this route only. The upload is streamed to disk, never held in memory.
 */
function registerImportRoute({ app: root, services }: Pick<RouteContext<{ contacts: ContactsService }>, 'app' | 'services'>) {
  root.register(async (scope) => {
    if (!scope.hasContentTypeParser('text/csv')) {
      scope.addContentTypeParser(['text/csv', 'application/csv'], (_request, payload, done) => done(null, payload));
    }
    if (!scope.hasContentTypeParser('multipart/form-data')) {
      await scope.register(fastifyMultipart, { limits: { fileSize: IMPORT_MAX_BYTES, files: 1 } });
    }
    const app = scope.withTypeProvider<ZodTypeProvider>();
    app.post(
      '/api/v1/contacts/import',
      {
        config: contactsModule,
        schema: {
          tags: ['contacts'],
          summary: 'Import contacts from CSV in a background job; the job result lists refused rows and why',
          querystring: z.strictObject({ mapping: z.string().max(20_000).optional() }),
        },
      },
      async (request, reply) => {
        const actor = actorOf(request);
        const { upload, mapping } = request.isMultipart()
          ? await receiveMultipart(actor, request, services.contacts)
          : { upload: await services.contacts.saveUpload(actor, asStream(request.body)), mapping: request.query.mapping };
        const job = await services.contacts.startImport(actor, upload, mapping);
        return reply.status(202).send({ job });
      },
    );
  });
}

async function receiveMultipart(actor: Actor, request: FastifyRequest, contacts: ContactsService) {
  let upload: string | undefined;
  let mapping: string | undefined;
  for await (const part of request.parts()) {
    if (part.type === 'file' && !upload) upload = await contacts.saveUpload(actor, part.file);
    else if (part.type === 'file') part.file.resume();
    else if (part.fieldname === 'mapping') mapping = String(part.value);
  }
  if (!upload) throw invalidField('file', 'file: send the CSV as a file part');
  return { upload, mapping };
}

function asStream(body: unknown): Readable {
  if (body instanceof Readable) return body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) return Readable.from([body]);
  throw invalidField('file', 'file: send the CSV as a text/csv body or a multipart upload');
}
