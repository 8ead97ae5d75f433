import { AppError } from '../platform/errors.js';
import { type CustomFieldValue, normaliseCustomValue } from './contact-fields.rules.js';
import {
  beforeInstant,
  type ContactCriteria,
  type ContactFilter,
  contactFilterSchema,
  customFieldFilters,
  fromInstant,
} from './contact-filter.js';
import { classifySearch, searchTerms } from './contact-search.rules.js';
import type { ContactsRepository } from './contacts.repository.js';
import type { CustomFieldsRepository } from './custom-fields.repository.js';
import type { SegmentsRepository } from './segments.repository.js';
import type { TagsRepository } from './tags.repository.js';

export const invalidField = (field: string, message: string) => new AppError(400, 'invalid_field', message, { field });

export type ResolveCriteria = ReturnType<typeof createCriteriaResolver>;

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Turns a filter (list query, bulk filter, saved segment) into the criteria the SQL is built from. */
export function createCriteriaResolver(deps: {
  contacts: ContactsRepository;
  tags: TagsRepository;
  customFields: CustomFieldsRepository;
  segments: SegmentsRepository;
}) {
  return async function resolve(workspaceId: string, filter: ContactFilter): Promise<ContactCriteria> {
    let effective = filter;
    // Blocked contacts are in the built-in segment only, and in no other (SPEC §2.3, §2.6 item 5).
    let blocked = filter.blocked ?? false;
    if (filter.segment === 'blocked') blocked = true;
    else if (filter.segment) {
      const segment = await deps.segments.find(workspaceId, filter.segment);
      if (!segment) throw invalidField('segment', 'segment: no segment with this id');
      effective = combine(contactFilterSchema.parse(segment.filter), filter);
      blocked = false;
    }

    const criteria: ContactCriteria = { blocked };

    if (effective.q && classifySearch(effective.q)) {
      const q = effective.q;
      const national = classifySearch(q) === 'phone' && !/^\s*(\+|00)/.test(q);
      criteria.search = searchTerms(q, national ? await deps.contacts.countries(workspaceId) : []) ?? undefined;
    }

    const tagNames = effective.tag === undefined ? [] : Array.isArray(effective.tag) ? effective.tag : [effective.tag];
    if (tagNames.length) {
      const found = await deps.tags.findByNames(workspaceId, tagNames);
      const wanted = new Set(tagNames.map((n) => n.toLowerCase()));
      if (found.length < wanted.size) criteria.nothing = true;
      criteria.tagIds = found.map((t) => t.id);
    }

    if (effective.assigneeId) criteria.assigneeId = effective.assigneeId === 'none' ? null : effective.assigneeId;
    if (effective.channel) {
      criteria.channel = uuidPattern.test(effective.channel) ? { id: effective.channel } : { type: effective.channel };
    }
    if (effective.conversationStatus) criteria.conversationStatus = effective.conversationStatus;
    if (effective.createdFrom) criteria.createdFrom = fromInstant(effective.createdFrom);
    if (effective.createdTo) criteria.createdBefore = beforeInstant(effective.createdTo);
    if (effective.lastInteractionFrom) criteria.lastInteractionFrom = fromInstant(effective.lastInteractionFrom);
    if (effective.lastInteractionTo) criteria.lastInteractionBefore = beforeInstant(effective.lastInteractionTo);

    const wantedFields = customFieldFilters(effective);
    if (Object.keys(wantedFields).length) {
      const definitions = new Map((await deps.customFields.list(workspaceId)).map((d) => [d.key, d]));
      const values: Record<string, CustomFieldValue> = {};
      for (const [key, raw] of Object.entries(wantedFields)) {
        const definition = definitions.get(key);
        if (!definition) throw invalidField(`cf.${key}`, `cf.${key}: no custom field with this key`);
        const value = normaliseCustomValue(definition, raw);
        if (!value.ok) throw invalidField(`cf.${key}`, `cf.${key}: ${value.reason}`);
        if (value.value !== null) values[key] = value.value;
      }
      criteria.customFields = values;
    }
    return criteria;
  };
}

/** A segment narrowed by the request's own filter: tags add up, other keys of the request win. */
function combine(saved: ContactFilter, request: ContactFilter): ContactFilter {
  const { segment: _segment, blocked: _blocked, ...own } = request;
  const asList = (tag: ContactFilter['tag']) => (tag === undefined ? [] : Array.isArray(tag) ? tag : [tag]);
  const tags = [...asList(saved.tag), ...asList(own.tag)];
  return { ...saved, ...own, tag: tags.length ? tags : undefined } as ContactFilter;
}
