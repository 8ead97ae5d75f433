import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import path from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify';
import { stringify as stringifySync } from 'csv-stringify/sync';
import { v7 } from 'uuid';
import { z } from 'zod';
import { AppError, badRequest, conflict, notFound } from '../platform/errors.js';
import { newId } from '../platform/ids.js';
import { type Job, type JobContext, publicJob } from '../platform/jobs.js';
import type { Actor } from '../platform/auth/permissions.js';
import { cleanText, cleanTexts, findUnstorableText } from '../platform/storable.rules.js';
import { invalidField, type ResolveCriteria } from './contact-criteria.js';
import {
  type ColumnMapping,
  defaultMapping,
  exportColumns,
  exportRecord,
  importRecord,
  isEmptyContact,
  mappingProblem,
  spreadsheetSafe,
  withoutFormulaQuotes,
} from './contact-csv.rules.js';
import { normaliseContactInput, normaliseTagNames } from './contact-fields.rules.js';
import type { ContactCriteria, ContactFilter } from './contact-filter.js';
import { type ContactCursor, createContactsRepository, newContactRow, type NewContact } from './contacts.repository.js';
import type { ContactsDeps } from './contacts.service.js';
import { createCustomFieldsRepository } from './custom-fields.repository.js';
import { PURGE_CUSTOM_FIELD_JOB } from './custom-fields.service.js';
import { createTagsRepository } from './tags.repository.js';

export const BULK_JOB = 'contacts.bulk';
export const EXPORT_JOB = 'contacts.export';
export const IMPORT_JOB = 'contacts.import';

/** Rows per batch: one short transaction each, and a checkpoint after it. */
const BATCH = 1000;
/** The import report lists this many refused rows; `refusedCount` counts them all. */
const REFUSALS_LISTED = 1000;
export const IMPORT_MAX_BYTES = 200 * 1024 * 1024;

export type BulkAction = 'delete' | 'tag' | 'untag' | 'block' | 'unblock' | 'export';
export type BulkRequest = { action: BulkAction; contactIds?: string[]; filter?: ContactFilter; all?: boolean; tags?: string[] };

type BulkPayload = { action: 'delete' | 'tag' | 'untag' | 'block' | 'unblock'; criteria: ContactCriteria; tagIds: string[]; tagNames: string[]; cursor?: string; processed?: number };
type ExportPayload = { criteria: ContactCriteria; columns: string[]; file: string; cursor?: ContactCursor; rows?: number; bytes?: number };
type Refusal = { row: number; reason: string };
type ImportPayload = {
  file: string;
  mapping: ColumnMapping;
  line?: number;
  handled?: number;
  imported?: number;
  refusedCount?: number;
  refused?: Refusal[];
};

/**
 * An imported row's id comes from its job and line, so a batch run again after a crash inserts
 * nothing twice. Still a v7 uuid (time of the upload, then the line), as ids are elsewhere.
 */
function importedContactId(job: Pick<Job, 'id' | 'createdAt'>, line: number): string {
  const random = createHash('sha256').update(job.id).digest().subarray(0, 16);
  return v7({ msecs: job.createdAt.getTime(), seq: line, random });
}

/**
 * Saves a batch's checkpoint, then lets waiting requests in. Embedded PGlite runs queries on the
 * main thread and they chain through microtasks: a job going straight on to its next batch
 * starves every HTTP request until it ends (measured: 26 s of waiting during a 100k delete).
 */
async function checkpointBatch(context: JobContext, update: Parameters<JobContext['checkpoint']>[0]) {
  await context.checkpoint(update);
  await new Promise((resolve) => setImmediate(resolve));
}

/**
 * Bulk actions, CSV import and export (SPEC §2.4). Everything over many contacts runs in the
 * durable job queue, in batches of about a thousand rows; each batch is idempotent and followed
 * by a checkpoint, so a job taken over after a crash continues from its last checkpoint.
 */
export function createContactTransfers(deps: ContactsDeps & { resolve: ResolveCriteria }) {
  const { db, bus, clock, jobs, dataDir, resolve, blocking, attachments } = deps;
  const repository = createContactsRepository(db);
  const fields = createCustomFieldsRepository(db);
  const tags = createTagsRepository(db);
  const emit = (workspaceId: string, type: string, data: Record<string, unknown>) => bus.publish({ type, workspaceId, data });
  const inDataDir = (relative: string) => path.join(dataDir, relative);

  async function columnsOf(workspaceId: string): Promise<{ columns: string[]; keys: string[] }> {
    const keys = (await fields.list(workspaceId)).map((d) => d.key);
    return { columns: exportColumns(keys.map((key) => ({ key }))), keys };
  }

  async function* exportRecords(workspaceId: string, criteria: ContactCriteria, keys: string[], after?: ContactCursor) {
    const columns = exportColumns(keys.map((key) => ({ key })));
    for (let cursor = after; ; ) {
      const rows = await repository.page(workspaceId, criteria, { sort: 'created', order: 'asc', limit: BATCH, after: cursor });
      if (rows.length === 0) return;
      yield { records: rows.map((r) => spreadsheetSafe(columns, exportRecord(r.item, keys.map((key) => ({ key }))))), cursor: rows.at(-1)!.cursor };
      if (rows.length < BATCH) return;
      cursor = rows.at(-1)!.cursor;
    }
  }

  /** What a bulk request selects: given ids, a filter (as the list reads it), or every contact. */
  async function selection(actor: Actor, request: BulkRequest): Promise<ContactCriteria> {
    const chosen = [request.contactIds !== undefined, request.filter !== undefined, request.all === true].filter(Boolean).length;
    if (chosen !== 1) {
      throw invalidField('contactIds', 'Choose the contacts with exactly one of contactIds, filter or all: true');
    }
    if (request.contactIds) return { contactIds: [...new Set(request.contactIds)] };
    if (request.all) return {};
    return resolve(actor.workspaceId, request.filter!).catch((error: unknown) => {
      if (error instanceof AppError && typeof error.details?.field === 'string') {
        throw invalidField(`filter.${error.details.field}`, `filter.${error.message}`);
      }
      throw error;
    });
  }

  async function runBulk(context: JobContext) {
    const { job } = context;
    const workspaceId = job.workspaceId!;
    const payload = job.payload as BulkPayload;
    let cursor = payload.cursor ?? null;
    let processed = payload.processed ?? 0;
    const total = job.total ?? (await repository.count(workspaceId, payload.criteria));
    if (job.total === null) await context.checkpoint({ total, progress: processed });
    for (;;) {
      const ids = await repository.idsAfter(workspaceId, payload.criteria, cursor, BATCH);
      if (ids.length === 0) break;
      if (payload.action === 'delete') {
        const deleted = await db.transaction(async (tx) => {
          const removed = await createContactsRepository(tx).delete(workspaceId, ids);
          await attachments.discardOfContacts(tx, workspaceId, removed);
          return removed;
        });
        await emit(workspaceId, 'contacts.deleted', { contactIds: deleted });
      } else if (payload.action === 'block' || payload.action === 'unblock') {
        await blocking.setBlockedMany(workspaceId, ids, payload.action === 'block', job.createdBy);
      } else if (payload.action === 'tag') {
        await repository.addTags(workspaceId, ids, payload.tagIds, clock.now());
        await emit(workspaceId, 'contacts.updated', { contactIds: ids, changed: ['tags'], tagsAdded: payload.tagNames, cause: job.id });
      } else {
        await repository.removeTags(workspaceId, ids, payload.tagIds);
        await emit(workspaceId, 'contacts.updated', { contactIds: ids, changed: ['tags'], tagsRemoved: payload.tagNames, cause: job.id });
      }
      cursor = ids.at(-1)!;
      processed += ids.length;
      await checkpointBatch(context, { state: { cursor, processed }, progress: processed, total: Math.max(total, processed) });
    }
    if (payload.action === 'delete') {
      // Counted from what is left, so a batch deleted just before a crash is counted once.
      processed = Math.max(0, total - (await repository.count(workspaceId, payload.criteria)));
    }
    return { action: payload.action, processed };
  }

  /** Appends batches to the file; a resumed run first cuts the file back to its last checkpoint. */
  async function runExport(context: JobContext) {
    const { job } = context;
    const workspaceId = job.workspaceId!;
    const payload = job.payload as ExportPayload;
    const file = inDataDir(payload.file);
    await mkdir(path.dirname(file), { recursive: true });
    const total = job.total ?? (await repository.count(workspaceId, payload.criteria));
    if (job.total === null) await context.checkpoint({ total, progress: payload.rows ?? 0 });
    const keys = payload.columns.filter((c) => c.startsWith('cf.')).map((c) => c.slice(3));
    const handle = await open(file, payload.bytes ? 'r+' : 'w');
    try {
      let bytes = payload.bytes ?? 0;
      let rows = payload.rows ?? 0;
      await handle.truncate(bytes);
      const append = async (text: string) => {
        const buffer = Buffer.from(text);
        await handle.write(buffer, 0, buffer.length, bytes);
        await handle.sync();
        bytes += buffer.length;
      };
      if (bytes === 0) await append(stringifySync([payload.columns], { bom: true }));
      for await (const batch of exportRecords(workspaceId, payload.criteria, keys, payload.cursor)) {
        await append(stringifySync(batch.records));
        rows += batch.records.length;
        await checkpointBatch(context, { state: { cursor: batch.cursor, rows, bytes }, progress: rows, total: Math.max(total, rows) });
      }
      return { rows, fileName: `contacts-${job.createdAt.toISOString().slice(0, 10)}.csv`, downloadUrl: `/api/v1/contacts/exports/${job.id}` };
    } finally {
      await handle.close();
    }
  }

  async function countRecords(file: string): Promise<number> {
    let count = 0;
    const parser = fs.createReadStream(file).pipe(parse({ bom: true, from_line: 2, skip_empty_lines: true, relax_column_count: true, skip_records_with_error: true }));
    for await (const _record of parser) count++;
    return count;
  }

  async function runImport(context: JobContext) {
    const { job } = context;
    const workspaceId = job.workspaceId!;
    const payload = job.payload as ImportPayload;
    const file = inDataDir(payload.file);
    const definitions = new Map((await fields.list(workspaceId)).map((d) => [d.key, d]));
    const total = job.total ?? (await countRecords(file));
    if (job.total === null) await context.checkpoint({ total, progress: payload.handled ?? 0 });

    const doneLine = payload.line ?? 1;
    let handled = payload.handled ?? 0;
    let imported = payload.imported ?? 0;
    let refusedCount = payload.refusedCount ?? 0;
    const refused = payload.refused ?? [];
    const refuse = (row: number, reason: string) => {
      refusedCount++;
      if (refused.length < REFUSALS_LISTED) refused.push({ row, reason });
    };

    type Line = { line: number; record: Record<string, string> | null; error?: string };
    let batch: Line[] = [];

    async function flush() {
      if (batch.length === 0) return;
      const now = clock.now();
      const rows: NewContact[] = [];
      const tagsOf = new Map<string, string[]>();
      for (const { line, record, error } of batch) {
        if (!record) {
          refuse(line, `not readable as CSV: ${error}`);
          continue;
        }
        // A NUL byte or a broken surrogate in a cell is dropped, as a webhook's are: the rest of the row is kept.
        const { input, tags: names } = importRecord(withoutFormulaQuotes(cleanTexts(record)), payload.mapping);
        if (isEmptyContact(input)) {
          refuse(line, 'no name, email or phone');
          continue;
        }
        const checked = normaliseContactInput(input, null, definitions);
        if (!checked.ok) {
          refuse(line, checked.error.message);
          continue;
        }
        const tagNames = normaliseTagNames(names);
        if (!tagNames.ok) {
          refuse(line, `tags: ${tagNames.reason}`);
          continue;
        }
        const id = importedContactId(job, line);
        rows.push(newContactRow(workspaceId, id, checked.changes, { now }));
        if (tagNames.value.length) tagsOf.set(id, tagNames.value);
      }
      const allTags = normaliseTagNames([...tagsOf.values()].flat());
      await db.transaction(async (tx) => {
        const contacts = createContactsRepository(tx);
        await contacts.insert(rows);
        const found = await createTagsRepository(tx).ensure(workspaceId, allTags.ok ? allTags.value : [], newId, now);
        const idOf = new Map(found.map((t) => [t.name.toLowerCase(), t.id]));
        await contacts.addTagPairs(
          workspaceId,
          [...tagsOf].flatMap(([contactId, tagNames]) => tagNames.map((name) => ({ contactId, tagId: idOf.get(name.toLowerCase())! }))),
          now,
        );
      });
      imported += rows.length;
      handled += batch.filter((b) => b.record).length;
      const line = batch.at(-1)!.line;
      batch = [];
      await checkpointBatch(context, {
        state: { line, handled, imported, refusedCount, refused },
        progress: handled,
        total: Math.max(total, handled),
      });
      if (rows.length) await emit(workspaceId, 'contacts.created', { contactIds: rows.map((r) => r.id) });
    }

    // Unreadable records are reported by on_skip ahead of the records before them still in the
    // stream; they join the batch in line order, so a checkpoint's line covers all before it.
    const skipped: Line[] = [];
    const skippedBefore = (line: number) => {
      const due = skipped.filter((s) => s.line < line && s.line > doneLine);
      skipped.splice(0, skipped.length, ...skipped.filter((s) => s.line >= line));
      return due;
    };
    const parser = fs.createReadStream(file).pipe(
      parse({
        columns: true,
        bom: true,
        info: true,
        skip_empty_lines: true,
        relax_column_count: true,
        skip_records_with_error: true,
        on_skip: (error) => {
          if (error) skipped.push({ line: Number(error.lines), record: null, error: error.message });
          return undefined;
        },
      }),
    );
    for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      batch.push(...skippedBefore(info.lines));
      if (info.lines <= doneLine) continue;
      batch.push({ line: info.lines, record });
      if (batch.length >= BATCH) await flush();
    }
    batch.push(...skippedBefore(Number.POSITIVE_INFINITY));
    await flush();
    await rm(file, { force: true });
    return { imported, refusedCount, refused };
  }

  /** The values of a deleted custom field leave the contacts a batch at a time. */
  async function runPurge(context: JobContext) {
    const { job } = context;
    const workspaceId = job.workspaceId!;
    const { key } = job.payload as { key: string };
    let removed = (job.payload.removed as number | undefined) ?? 0;
    // A field defined again under the same key keeps its new values.
    while (!(await fields.findByKey(workspaceId, key))) {
      const count = await repository.removeCustomFieldValues(workspaceId, key, BATCH);
      if (count === 0) break;
      removed += count;
      await checkpointBatch(context, { state: { removed }, progress: removed });
    }
    return { removed };
  }

  const jobHandlers = {
    [BULK_JOB]: runBulk,
    [EXPORT_JOB]: runExport,
    [IMPORT_JOB]: runImport,
    [PURGE_CUSTOM_FIELD_JOB]: runPurge,
  };
  for (const [type, handler] of Object.entries(jobHandlers)) jobs.register(type, handler);

  return {
    /** The handlers this module runs in the job queue, by job type. */
    jobHandlers,

    /** Starts a bulk action as a background job (SPEC §2.4): answers the queued job. */
    async bulk(actor: Actor, request: BulkRequest) {
      const criteria = await selection(actor, request);
      if (request.action === 'export') {
        const { columns } = await columnsOf(actor.workspaceId);
        const file = path.join('exports', actor.workspaceId, `${newId()}.csv`);
        const job = await jobs.enqueue({ type: EXPORT_JOB, workspaceId: actor.workspaceId, payload: { criteria, columns, file }, createdBy: actor.userId });
        return publicJob(job);
      }
      const tagNames = normaliseTagNames(request.tags ?? []);
      if (!tagNames.ok) throw invalidField('tags', `tags: ${tagNames.reason}`);
      const tagged = request.action === 'tag' || request.action === 'untag';
      if (tagged && tagNames.value.length === 0) throw invalidField('tags', 'tags: name at least one tag');
      const tagRows =
        request.action === 'tag'
          ? await tags.ensure(actor.workspaceId, tagNames.value, newId, clock.now())
          : request.action === 'untag'
            ? await tags.findByNames(actor.workspaceId, tagNames.value)
            : [];
      const payload: BulkPayload = {
        action: request.action,
        criteria,
        tagIds: tagRows.map((t) => t.id),
        tagNames: tagRows.map((t) => t.name),
      };
      return publicJob(await jobs.enqueue({ type: BULK_JOB, workspaceId: actor.workspaceId, payload, createdBy: actor.userId }));
    },

    /** The CSV of a filter, streamed a page at a time: never held in memory whole. */
    async exportStream(actor: Actor, filter: ContactFilter): Promise<Readable> {
      const criteria = await resolve(actor.workspaceId, filter);
      const { columns, keys } = await columnsOf(actor.workspaceId);
      const stringifier = stringify({ bom: true });
      async function* records() {
        yield columns;
        for await (const batch of exportRecords(actor.workspaceId, criteria, keys)) yield* batch.records;
      }
      // pipeline() carries a failure on to the response stream instead of leaving it hanging.
      pipeline(records(), stringifier).catch(() => undefined);
      return stringifier;
    },

    /** The file of a finished export job of the workspace. */
    async exportFile(actor: Actor, jobId: string): Promise<{ path: string; fileName: string }> {
      const job = await jobs.find(actor.workspaceId, jobId);
      if (!job || job.type !== EXPORT_JOB) throw notFound('Export');
      if (job.status !== 'done') throw conflict('export_not_ready', 'The export has not finished yet');
      const result = job.result as { fileName: string };
      const file = inDataDir((job.payload as ExportPayload).file);
      if (!fs.existsSync(file)) throw notFound('Export file');
      return { path: file, fileName: result.fileName };
    },

    /** Stores an uploaded CSV under the data directory; answers its name for startImport. */
    async saveUpload(actor: Actor, upload: Readable): Promise<string> {
      const name = path.join('imports', actor.workspaceId, `${newId()}.csv`);
      const file = inDataDir(name);
      await mkdir(path.dirname(file), { recursive: true });
      let size = 0;
      const limit = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          size += chunk.length;
          if (size > IMPORT_MAX_BYTES) done(new AppError(413, 'file_too_large', `An import file may have at most ${IMPORT_MAX_BYTES / 1024 / 1024} MB`));
          else done(null, chunk);
        },
      });
      try {
        await pipeline(upload, limit, fs.createWriteStream(file));
      } catch (error) {
        await rm(file, { force: true });
        throw error;
      }
      return name;
    },

    /**
     * Checks the mapping against the file's header and queues the import. Without a mapping,
     * columns named like contact fields are imported (an export imports back as it is).
     */
    async startImport(actor: Actor, upload: string, mappingJson: string | undefined) {
      const file = inDataDir(upload);
      let effective: ColumnMapping;
      try {
        const mapping = parseMapping(mappingJson);
        const headers = await readHeader(file);
        const keys = new Set((await fields.list(actor.workspaceId)).map((d) => d.key));
        effective = (mapping ?? defaultMapping(headers, keys)) as ColumnMapping;
        const problem = mappingProblem(effective, headers, keys);
        if (problem) {
          const field = problem.column ? `mapping.${problem.column}` : 'mapping';
          throw invalidField(field, `${field}: ${problem.message}`);
        }
      } catch (error) {
        await rm(file, { force: true });
        throw error;
      }
      const job = await jobs.enqueue({
        type: IMPORT_JOB,
        workspaceId: actor.workspaceId,
        payload: { file: upload, mapping: effective },
        createdBy: actor.userId,
      });
      return publicJob(job);
    },
  };
}

async function readHeader(file: string): Promise<string[]> {
  const parser = fs.createReadStream(file).pipe(parse({ bom: true, to_line: 1, relax_column_count: true }));
  try {
    for await (const row of parser as AsyncIterable<string[]>) return row.map(cleanText);
  } catch (error) {
    throw invalidField('file', `file: the header row is not readable as CSV (${(error as Error).message})`);
  }
  throw invalidField('file', 'file: the CSV is empty (it needs a header row)');
}

const mappingSchema = z.record(z.string().max(200), z.string().max(100));

/** The mapping arrives as JSON text (a multipart field or a query parameter). */
function parseMapping(text: string | undefined): Record<string, string> | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidField('mapping', 'mapping: not JSON; send {"csv column": "field"}');
  }
  const parsed = mappingSchema.safeParse(value);
  if (!parsed.success) throw invalidField('mapping', 'mapping: send {"csv column": "field"}');
  if (findUnstorableText(parsed.data)) throw badRequest('invalid_text', 'mapping: contains a NUL character or a lone surrogate', { field: 'mapping' });
  return parsed.data;
}
