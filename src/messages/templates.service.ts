import { z } from 'zod';
import type { ChannelModule, OutboundTemplate, TemplateSupport } from '../channels/channel-registry.js';
import type { ChannelRow } from '../channels/channels.repository.js';
import type { ChannelsService } from '../channels/channels.service.js';
import type { Actor } from '../platform/auth/permissions.js';
import type { EventBus } from '../platform/bus.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db/client.js';
import { badRequest, conflict, notFound } from '../platform/errors.js';
import { newId } from '../platform/ids.js';
import { cursorPart, decodeCursor, page } from '../platform/pagination.js';
import { isUniqueViolation } from '../workspace/workspace.service.js';
import { fillPlaceholders, parameterCount, placeholderProblem, placeholdersOf } from './template.rules.js';
import { createTemplatesRepository, type TemplateRow } from './templates.repository.js';

/**
 * Pre-approved messages, kept per channel (SPEC §7): WhatsApp's templates, and whatever a channel
 * type declares in its module's `templates` (placeholder style, extra fields such as an email's
 * subject). A reply names one by name and language with its parameters; the stored text is the
 * filled body, so the inbox shows what the contact reads.
 */
export type TemplateInput = { channelId: string; name: string; language: string; category?: string | null; body: string; fields?: Record<string, string> };
export type TemplateRequest = { name: string; language: string; parameters: unknown[] };

/** BCP 47 or Meta's codes (`en`, `en_US`, `pt_BR`, `zh_Hant`). */
const LANGUAGE = /^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8}){0,2}$/;
/** WhatsApp refuses a parameter with a line break or tab (error 132018); no channel wants an empty one. */
const PARAMETER = /^[^\n\r\t]{1,1024}$/;

const templateExists = () => conflict('template_exists', 'This channel has a template with this name and language already');

export function publicTemplate(row: TemplateRow, support: TemplateSupport | undefined) {
  return {
    id: row.id,
    channelId: row.channelId,
    name: row.name,
    language: row.language,
    category: row.category,
    body: row.body,
    fields: row.fields,
    /** What a reply must fill: the numbers (`["1","2"]`) or names of its placeholders, body first. */
    placeholders: placeholdersOf([row.body, ...Object.values(row.fields)].join('\n'), support?.placeholders ?? 'numbered'),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export type TemplatesService = ReturnType<typeof createTemplatesService>;

export function createTemplatesService(deps: { db: Db; bus: EventBus; clock: Clock; channels: ChannelsService }) {
  const { db, bus, clock, channels } = deps;
  const repository = createTemplatesRepository(db);
  const emit = (workspaceId: string, type: string, data: Record<string, unknown>) => bus.publish({ type, workspaceId, data });

  async function channelOf(workspaceId: string, channelId: string) {
    const channel = await channels.resolve(workspaceId, channelId);
    if (!channel) throw badRequest('unknown_channel', 'channelId: no such channel in this workspace', { field: 'channelId' });
    const support = channel.module.templates;
    if (!support) throw badRequest('templates_not_supported', `channelId: ${channel.row.type} channels send no templates`, { field: 'channelId' });
    return { ...channel, support };
  }

  /** The template as the channel type wants it, or a 400 naming the field. */
  function checked(support: TemplateSupport, input: Omit<TemplateInput, 'channelId'>) {
    const invalid = (field: string, message: string) => badRequest('invalid_field', `${field}: ${message}`, { field });
    const name = input.name.trim();
    if (support.namePattern && !support.namePattern.test(name)) throw invalid('name', 'lower-case letters, digits and _ only, as the provider shows it');
    if (!LANGUAGE.test(input.language)) throw invalid('language', 'a language code such as en, en_US or pt_BR');
    if (input.body.length > support.maxBodyLength) throw invalid('body', `at most ${support.maxBodyLength} characters`);
    const problem = placeholderProblem(input.body, support.placeholders);
    if (problem) throw invalid('body', problem);
    let category = input.category?.trim() || null;
    if (category && support.categories) {
      category = category.toUpperCase();
      if (!support.categories.includes(category)) throw invalid('category', `one of ${support.categories.join(', ')}`);
    }
    const given = input.fields ?? {};
    const declared = support.fields ?? [];
    const unknown = Object.keys(given).find((key) => !declared.some((field) => field.key === key));
    if (unknown) throw badRequest('unknown_field', `fields.${unknown}: this channel type's templates have no such field`, { field: `fields.${unknown}` });
    for (const field of declared) {
      const value = given[field.key]?.trim() ?? '';
      if (field.required && value === '') throw badRequest('missing_field', `fields.${field.key}: required`, { field: `fields.${field.key}` });
      if (value.length > field.maxLength) throw invalid(`fields.${field.key}`, `at most ${field.maxLength} characters`);
    }
    return { name, language: input.language, category, body: input.body, fields: given };
  }

  async function write<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (isUniqueViolation(error)) throw templateExists();
      throw error;
    }
  }

  async function requireRow(actor: Actor, id: string) {
    const row = await repository.find(actor.workspaceId, id);
    if (!row) throw notFound('Template');
    return row;
  }

  const supportOf = async (workspaceId: string, channelId: string) => (await channels.resolve(workspaceId, channelId))?.module.templates;

  return {
    async list(actor: Actor, query: { channelId?: string; cursor?: string; limit: number }) {
      const after = decodeCursor(query.cursor, z.tuple([cursorPart.text, cursorPart.text, cursorPart.id]));
      const rows = await repository.list(actor.workspaceId, query.limit + 1, query.channelId, after);
      const result = page(rows, query.limit, (row) => [row.name, row.language, row.id]);
      const supports = new Map<string, TemplateSupport | undefined>();
      for (const row of result.items) if (!supports.has(row.channelId)) supports.set(row.channelId, await supportOf(actor.workspaceId, row.channelId));
      return { items: result.items.map((row) => publicTemplate(row, supports.get(row.channelId))), nextCursor: result.nextCursor };
    },

    async get(actor: Actor, id: string) {
      const row = await requireRow(actor, id);
      return publicTemplate(row, await supportOf(actor.workspaceId, row.channelId));
    },

    async create(actor: Actor, input: TemplateInput) {
      const { support } = await channelOf(actor.workspaceId, input.channelId);
      const values = checked(support, input);
      const now = clock.now();
      const row = await write(() => repository.insert({ id: newId(), workspaceId: actor.workspaceId, channelId: input.channelId, ...values, createdAt: now, updatedAt: now }));
      const template = publicTemplate(row, support);
      await emit(actor.workspaceId, 'template.created', { template });
      return template;
    },

    async update(actor: Actor, id: string, patch: Partial<Omit<TemplateInput, 'channelId'>>) {
      const current = await requireRow(actor, id);
      const { support } = await channelOf(actor.workspaceId, current.channelId);
      const values = checked(support, { ...current, ...patch, fields: patch.fields ?? current.fields });
      const row = await write(() => repository.update(actor.workspaceId, id, { ...values, updatedAt: clock.now() }));
      if (!row) throw notFound('Template');
      const template = publicTemplate(row, support);
      await emit(actor.workspaceId, 'template.updated', { template });
      return template;
    },

    async remove(actor: Actor, id: string) {
      if (!(await repository.delete(actor.workspaceId, id))) throw notFound('Template');
      await emit(actor.workspaceId, 'template.removed', { templateId: id });
    },

    /** A reply's `template`: the channel's template of that name and language, filled with the parameters. */
    async forSend(channel: { row: ChannelRow; module: ChannelModule }, request: TemplateRequest): Promise<OutboundTemplate> {
      const support = channel.module.templates;
      if (!support) throw conflict('template_not_allowed', `${channel.row.type} channels send no templates`);
      const row = await repository.findByName(channel.row.workspaceId, channel.row.id, request.name, request.language);
      if (!row) {
        throw badRequest('unknown_template', `template: ${channel.row.name} has no template ${request.name} in ${request.language}`, { field: 'template.name' });
      }
      const parameters = request.parameters.map((value) => (typeof value === 'number' && Number.isFinite(value) ? String(value) : value));
      const all = [row.body, ...Object.values(row.fields)].join('\n');
      // Named placeholders take their values in order of first use (body, then fields), or none:
      // the channel fills those it knows from the contact (an email's {{first_name}}).
      const names = support.placeholders === 'named' ? placeholdersOf(all, 'named') : [];
      const expected = support.placeholders === 'named' ? names.length : parameterCount(all);
      const refuse = (message: string) => badRequest('invalid_template_parameters', `template.parameters: ${message}`, { field: 'template.parameters' });
      const noneForNamed = support.placeholders === 'named' && parameters.length === 0;
      if (parameters.length !== expected && !noneForNamed) throw refuse(`${row.name} takes ${expected} value${expected === 1 ? '' : 's'}, not ${parameters.length}`);
      const bad = parameters.findIndex((value) => typeof value !== 'string' || !PARAMETER.test(value) || value.trim() === '');
      if (bad >= 0) throw refuse(`value ${bad + 1} must be text of 1 to 1024 characters, on one line`);
      const values = parameters as string[];
      const filling = support.placeholders === 'named' ? Object.fromEntries(values.map((value, index) => [names[index]!, value])) : values;
      return {
        name: row.name,
        language: row.language,
        parameters: values,
        body: fillPlaceholders(row.body, support.placeholders, filling),
        fields: Object.fromEntries(Object.entries(row.fields).map(([key, text]) => [key, fillPlaceholders(text, support.placeholders, filling)])),
      };
    },
  };
}
