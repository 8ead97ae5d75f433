import type { ContactInput, CustomFieldDefinition } from './contact-fields.rules.js';
import type { ContactItem } from './contacts.repository.js';

/**
 * CSV columns of an export, and how an import's columns map to contact fields. An exported file
 * imports back as it is: its headers are the field names the import recognises. Pure.
 */

export const importableFields = ['firstName', 'lastName', 'email', 'phone', 'country', 'language', 'tags'] as const;
export type ImportableField = (typeof importableFields)[number] | `cf.${string}`;

/** `{csvColumn: field}` */
export type ColumnMapping = Record<string, ImportableField>;

const standardColumns = [
  'id',
  'firstName',
  'lastName',
  'displayName',
  'email',
  'phone',
  'country',
  'language',
  'assigneeId',
  'tags',
  'blocked',
  'channels',
  'conversationStatus',
  'lastInteractionAt',
  'createdAt',
] as const;

export function exportColumns(definitions: readonly Pick<CustomFieldDefinition, 'key'>[]): string[] {
  return [...standardColumns, ...definitions.map((d) => `cf.${d.key}`)];
}

/** Lists inside a cell (tags, channels) are separated by `; `, which the import splits again. */
export function exportRecord(item: ContactItem, definitions: readonly Pick<CustomFieldDefinition, 'key'>[]): string[] {
  const text = (value: unknown) => (value === null || value === undefined ? '' : String(value));
  return [
    item.id,
    text(item.firstName),
    text(item.lastName),
    text(item.displayName),
    text(item.email),
    text(item.phone),
    text(item.country),
    text(item.language),
    text(item.assigneeId),
    item.tags.join('; '),
    item.blocked ? 'true' : 'false',
    item.channels.join('; '),
    text(item.conversationStatus),
    item.lastInteractionAt ? item.lastInteractionAt.toISOString() : '',
    item.createdAt.toISOString(),
    ...definitions.map((d) => text(item.customFields[d.key])),
  ];
}

const aliases: Record<string, ImportableField> = {
  firstname: 'firstName',
  'first name': 'firstName',
  givenname: 'firstName',
  lastname: 'lastName',
  'last name': 'lastName',
  surname: 'lastName',
  familyname: 'lastName',
  email: 'email',
  'e-mail': 'email',
  'email address': 'email',
  phone: 'phone',
  'phone number': 'phone',
  mobile: 'phone',
  country: 'country',
  language: 'language',
  tags: 'tags',
};

/** Without a mapping, columns named like a field (or `cf.<key>`) import into it; others are ignored. */
export function defaultMapping(headers: readonly string[], customFieldKeys: ReadonlySet<string>): ColumnMapping {
  const mapping: ColumnMapping = {};
  for (const header of headers) {
    const name = header.trim();
    const field = aliases[name.toLowerCase()];
    if (field) mapping[header] = field;
    else if (name.startsWith('cf.') && customFieldKeys.has(name.slice(3))) mapping[header] = name as ImportableField;
  }
  return mapping;
}

/** The first problem with a mapping, named by its CSV column; null when it is usable. */
export function mappingProblem(
  mapping: Readonly<Record<string, string>>,
  headers: readonly string[],
  customFieldKeys: ReadonlySet<string>,
): { column: string; message: string } | null {
  const targets = new Set<string>();
  for (const [column, field] of Object.entries(mapping)) {
    if (!headers.includes(column)) return { column, message: `the file has no column "${column}"` };
    const known = (importableFields as readonly string[]).includes(field) || (field.startsWith('cf.') && customFieldKeys.has(field.slice(3)));
    if (!known) return { column, message: `"${field}" is not a contact field (use ${importableFields.join(', ')} or cf.<key>)` };
    if (targets.has(field)) return { column, message: `two columns map to ${field}` };
    targets.add(field);
  }
  if (targets.size === 0) return { column: '', message: 'no column maps to a contact field' };
  return null;
}

/** One CSV record as API input: blank cells leave the field empty. */
export function importRecord(record: Readonly<Record<string, string>>, mapping: ColumnMapping): { input: ContactInput; tags: string[] } {
  const input: ContactInput = {};
  const customFields: Record<string, unknown> = {};
  let tags: string[] = [];
  for (const [column, field] of Object.entries(mapping)) {
    const cell = (record[column] ?? '').trim();
    if (cell === '') continue;
    if (field === 'tags') tags = cell.split(/[;,|]/).map((t) => t.trim()).filter(Boolean);
    else if (field.startsWith('cf.')) customFields[field.slice(3)] = cell;
    else input[field as Exclude<ImportableField, 'tags' | `cf.${string}`>] = cell;
  }
  if (Object.keys(customFields).length) input.customFields = customFields;
  return { input, tags };
}

/** A row that names nobody (no name, email or phone) is refused rather than imported blank. */
export function isEmptyContact(input: ContactInput): boolean {
  return !input.firstName && !input.lastName && !input.email && !input.phone;
}

/** Customer text starting with these would run as a formula in a spreadsheet. */
const formulaStart = /^[=+\-@\t\r]/;
const freeTextColumns = new Set(['firstName', 'lastName', 'displayName', 'tags']);

/** Free-text cells that would be formulas get a leading `'`, which spreadsheets show as text. */
export function spreadsheetSafe(columns: readonly string[], values: readonly string[]): string[] {
  return values.map((value, i) => {
    const column = columns[i] ?? '';
    return (freeTextColumns.has(column) || column.startsWith('cf.')) && formulaStart.test(value) ? `'${value}` : value;
  });
}

/** The import undoes what spreadsheetSafe added, so an export imports back unchanged. */
export function withoutFormulaQuotes(record: Readonly<Record<string, string>>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(record)) result[key] = value.startsWith("'") && formulaStart.test(value.slice(1)) ? value.slice(1) : value;
  return result;
}
