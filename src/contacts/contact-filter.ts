import { z } from 'zod';
import { isoDate, isoDateTime } from '../platform/http/schemas.js';
import type { CustomFieldValue } from './contact-fields.rules.js';
import type { SearchTerms } from './contact-search.rules.js';

/**
 * The contact filter: the list's query string, a bulk action's `filter` and a segment's saved
 * filter are the same object (SPEC §2.3). Custom fields are filtered as `cf.<key>=<value>`.
 */
const booleanish = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);
const moment = z.union([isoDate, isoDateTime]);
const tagName = z.string().trim().min(1).max(64);

export const contactFilterFields = {
  q: z.string().max(200).optional(),
  /** One or more tag names; a contact must have all of them. */
  tag: z.union([tagName, z.array(tagName).max(20)]).optional(),
  /** A saved segment's id, or `blocked` for the built-in Blocked contacts segment. */
  segment: z.union([z.uuid(), z.literal('blocked')]).optional(),
  /** Blocked contacts are left out unless asked for: they live in their own segment (SPEC §2.3). */
  blocked: booleanish.optional(),
  /** A user's id, or `none` for unassigned contacts. */
  assigneeId: z.union([z.uuid(), z.literal('none')]).optional(),
  /** A channel's id or a channel type (`whatsapp`): contacts with an identity on it. */
  channel: z.string().min(1).max(64).optional(),
  /** The contact's conversation status; `none` for contacts without a conversation. */
  conversationStatus: z.enum(['open', 'snoozed', 'closed', 'none']).optional(),
  /** Dates (`2024-05-01`, the whole day included) or instants (ISO 8601 with offset). */
  createdFrom: moment.optional(),
  createdTo: moment.optional(),
  lastInteractionFrom: moment.optional(),
  lastInteractionTo: moment.optional(),
};

/**
 * The filter as a schema; `extra` adds keys of the surrounding request (a list's paging and
 * sorting). Any other key must be a custom field, `cf.<key>`.
 */
export function contactFilterSchemaWith<Extra extends z.ZodRawShape>(extra: Extra) {
  const known = new Set([...Object.keys(contactFilterFields), ...Object.keys(extra)]);
  return z
    .object({ ...contactFilterFields, ...extra })
    .catchall(z.union([z.string().max(500), z.number(), z.boolean()]))
    .superRefine((filter, context) => {
      for (const key of Object.keys(filter)) {
        if (!known.has(key) && !/^cf\.[A-Za-z][A-Za-z0-9_]{0,63}$/.test(key)) {
          context.addIssue({ code: 'unrecognized_keys', keys: [key], path: [], input: filter, message: `unknown filter ${key}` });
        }
      }
    });
}

export const contactFilterSchema = contactFilterSchemaWith({});

export type ContactFilter = z.infer<typeof contactFilterSchema>;

/** The custom-field part of a filter, by field key. */
export function customFieldFilters(filter: ContactFilter): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(filter)) {
    if (key.startsWith('cf.')) result[key.slice(3)] = value;
  }
  return result;
}

/** The filter keys that are not part of the list query's own paging and sorting. */
export function filterOnly<T extends Record<string, unknown>>(query: T): ContactFilter {
  const { cursor: _cursor, limit: _limit, sort: _sort, order: _order, ...filter } = query;
  return filter as ContactFilter;
}

/**
 * A filter resolved against the workspace (tag names to ids, segment expanded, query parsed,
 * custom field values typed): what the SQL is built from, and what a bulk job stores so that it
 * keeps selecting the same contacts while it runs. JSON-safe.
 */
export type ContactCriteria = {
  /** true: only blocked contacts; false: only unblocked; absent: both (bulk `all`). */
  blocked?: boolean;
  search?: SearchTerms;
  tagIds?: string[];
  /** null: unassigned. */
  assigneeId?: string | null;
  channel?: { id: string } | { type: string };
  conversationStatus?: 'open' | 'snoozed' | 'closed' | 'none';
  /** Half-open ranges [from, before) as ISO instants. */
  createdFrom?: string;
  createdBefore?: string;
  lastInteractionFrom?: string;
  lastInteractionBefore?: string;
  customFields?: Record<string, CustomFieldValue>;
  contactIds?: string[];
  /** Set when the filter names something that does not exist (an unknown tag): nothing matches. */
  nothing?: boolean;
};

/** The instant a `…From` bound starts at. */
export function fromInstant(value: string): string {
  return new Date(value).toISOString();
}

/** The first instant after a `…To` bound: a plain date includes its whole (UTC) day. */
export function beforeInstant(value: string): string {
  const date = new Date(value);
  const step = /^\d{4}-\d{2}-\d{2}$/.test(value) ? 86_400_000 : 1;
  return new Date(date.getTime() + step).toISOString();
}
