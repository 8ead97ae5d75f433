import { type CountryCode, getCountries, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { z } from 'zod';

/** SPEC §2.1: how each contact field is validated and normalised. Pure: no I/O. */

export type FieldResult<T> = { ok: true; value: T } | { ok: false; reason: string };

const ok = <T>(value: T): FieldResult<T> => ({ ok: true, value });
const refuse = (reason: string): FieldResult<never> => ({ ok: false, reason });

// ISO 3166-1 codes without a telephone plan of their own are not in libphonenumber's list.
const countryCodes = new Set<string>([...getCountries(), 'AQ', 'BV', 'GS', 'HM', 'PN', 'TF', 'UM']);

export function isCountryCode(code: string): code is CountryCode {
  return countryCodes.has(code);
}

export function normaliseCountry(input: string): FieldResult<string> {
  const code = input.trim().toUpperCase();
  return countryCodes.has(code) ? ok(code) : refuse('not an ISO 3166 country code (e.g. DE)');
}

export type Phone = { e164: string; country: string | null };

/**
 * Any common way of writing a number: international (`+49 151 …`, `0049 151 …`) or national
 * (`0151 …`) when the country is known. Stored as E.164.
 */
export function normalisePhone(input: string, defaultCountry?: string | null): FieldResult<Phone> {
  const text = input.trim().replace(/^00(?=[1-9])/, '+');
  if (text.length === 0 || text.length > 40) return refuse('not a valid phone number');
  const country = defaultCountry && isCountryCode(defaultCountry) ? defaultCountry : undefined;
  const number = parsePhoneNumberFromString(text, country ? { defaultCountry: country } : undefined);
  if (!number?.isValid()) {
    return refuse(
      text.startsWith('+') || country
        ? 'not a valid phone number'
        : 'not a valid phone number: write it with its country code, e.g. +4915112345678',
    );
  }
  return ok({ e164: number.number, country: number.country ?? null });
}

/** The country a stored E.164 number belongs to, if any (+800 numbers have none). */
export function countryOfPhone(e164: string): string | null {
  return parsePhoneNumberFromString(e164)?.country ?? null;
}

const emailSchema = z.email();

export function normaliseEmail(input: string): FieldResult<string> {
  const email = input.trim().toLowerCase();
  if (email.length > 320 || !emailSchema.safeParse(email).success) return refuse('not a valid email address');
  return ok(email);
}

export function normaliseLanguage(input: string): FieldResult<string> {
  const tag = input.trim();
  if (tag.length === 0 || tag.length > 35) return refuse('not a BCP 47 language tag (e.g. de or pt-BR)');
  try {
    return ok(Intl.getCanonicalLocales(tag)[0]!);
  } catch {
    return refuse('not a BCP 47 language tag (e.g. de or pt-BR)');
  }
}

/** Names are free text; blank means "no name". */
export function normaliseName(input: string): FieldResult<string | null> {
  const name = input.trim();
  if (name.length > 200) return refuse('at most 200 characters');
  return ok(name.length === 0 ? null : name);
}

// ---------------------------------------------------------------- custom fields

export const customFieldTypes = ['text', 'number', 'date', 'dropdown', 'checkbox', 'email', 'phone', 'url'] as const;
export type CustomFieldType = (typeof customFieldTypes)[number];
export type CustomFieldDefinition = { key: string; type: CustomFieldType; options: string[] | null };
export type CustomFieldValue = string | number | boolean;

const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;
const truthy = new Set(['true', 'yes', '1', 'y', 'on']);
const falsy = new Set(['false', 'no', '0', 'n', 'off']);

/**
 * One custom field value, checked against its definition. Strings are accepted for every type
 * (numbers, booleans) so that a CSV import and the JSON API follow the same rules. `null` or a
 * blank string clears the value.
 */
export function normaliseCustomValue(
  definition: CustomFieldDefinition,
  raw: unknown,
): FieldResult<CustomFieldValue | null> {
  if (raw === null || (typeof raw === 'string' && raw.trim() === '')) return ok(null);
  switch (definition.type) {
    case 'text':
      if (typeof raw !== 'string') return refuse('must be text');
      return raw.length > 5000 ? refuse('at most 5000 characters') : ok(raw.trim());
    case 'number': {
      const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw.trim()) : Number.NaN;
      return Number.isFinite(value) ? ok(value) : refuse('must be a number');
    }
    case 'date': {
      const match = typeof raw === 'string' ? datePattern.exec(raw.trim()) : null;
      if (!match) return refuse('must be a date written YYYY-MM-DD');
      const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
      return date.toISOString().slice(0, 10) === match[0] ? ok(match[0]) : refuse('must be a date written YYYY-MM-DD');
    }
    case 'dropdown': {
      const wanted = typeof raw === 'string' ? raw.trim().toLowerCase() : undefined;
      const option = definition.options?.find((o) => o.toLowerCase() === wanted);
      return option !== undefined ? ok(option) : refuse(`must be one of: ${(definition.options ?? []).join(', ')}`);
    }
    case 'checkbox': {
      if (typeof raw === 'boolean') return ok(raw);
      const word = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
      if (truthy.has(word)) return ok(true);
      if (falsy.has(word)) return ok(false);
      return refuse('must be true or false');
    }
    case 'email': {
      if (typeof raw !== 'string') return refuse('not a valid email address');
      return normaliseEmail(raw);
    }
    case 'phone': {
      if (typeof raw !== 'string') return refuse('not a valid phone number');
      const phone = normalisePhone(raw);
      return phone.ok ? ok(phone.value.e164) : phone;
    }
    case 'url': {
      if (typeof raw !== 'string' || raw.length > 2000) return refuse('not a valid URL');
      const text = raw.trim();
      try {
        const url = new URL(/^[a-z][a-z0-9+.-]*:/i.test(text) ? text : `https://${text}`);
        return url.protocol === 'http:' || url.protocol === 'https:' ? ok(url.toString()) : refuse('must be an http(s) URL');
      } catch {
        return refuse('not a valid URL');
      }
    }
  }
}

// ---------------------------------------------------------------- a whole contact

export type ContactInput = {
  firstName?: string | null;
  lastName?: string | null;
  email?: string | null;
  phone?: string | null;
  country?: string | null;
  language?: string | null;
  customFields?: Record<string, unknown>;
};

/** What the rules need to know of the stored contact (null when creating one). */
export type ContactState = { phone: string | null; country: string | null; countrySource: 'phone' | 'manual' | null };

export type ContactChanges = {
  firstName?: string | null;
  lastName?: string | null;
  email?: string | null;
  phone?: string | null;
  country?: string | null;
  countrySource?: 'phone' | 'manual' | null;
  language?: string | null;
  customFieldsSet?: Record<string, CustomFieldValue>;
  customFieldsRemoved?: string[];
};

export type FieldError = { field: string; message: string };

/**
 * Checks and normalises the fields present in `input` (absent fields stay untouched) and works
 * out the country: a country set by hand is kept until it is cleared; otherwise it follows the
 * phone number. The first invalid field is reported by name.
 */
export function normaliseContactInput(
  input: ContactInput,
  current: ContactState | null,
  definitions: ReadonlyMap<string, CustomFieldDefinition>,
): { ok: true; changes: ContactChanges } | { ok: false; error: FieldError } {
  const changes: ContactChanges = {};
  const fail = (field: string, reason: string) => ({ ok: false as const, error: { field, message: `${field}: ${reason}` } });

  for (const field of ['firstName', 'lastName'] as const) {
    const value = input[field];
    if (value === undefined) continue;
    if (value === null) {
      changes[field] = null;
      continue;
    }
    const name = normaliseName(value);
    if (!name.ok) return fail(field, name.reason);
    changes[field] = name.value;
  }

  if (input.email !== undefined) {
    if (input.email === null || input.email.trim() === '') changes.email = null;
    else {
      const email = normaliseEmail(input.email);
      if (!email.ok) return fail('email', email.reason);
      changes.email = email.value;
    }
  }

  if (input.language !== undefined) {
    if (input.language === null || input.language.trim() === '') changes.language = null;
    else {
      const language = normaliseLanguage(input.language);
      if (!language.ok) return fail('language', language.reason);
      changes.language = language.value;
    }
  }

  let manualCountry: string | null | undefined;
  if (input.country !== undefined) {
    if (input.country === null || input.country.trim() === '') manualCountry = null;
    else {
      const country = normaliseCountry(input.country);
      if (!country.ok) return fail('country', country.reason);
      manualCountry = country.value;
    }
  }

  let phoneCountry: string | null | undefined;
  if (input.phone !== undefined) {
    if (input.phone === null || input.phone.trim() === '') {
      changes.phone = null;
      phoneCountry = null;
    } else {
      const phone = normalisePhone(input.phone, manualCountry ?? current?.country);
      if (!phone.ok) return fail('phone', phone.reason);
      changes.phone = phone.value.e164;
      phoneCountry = phone.value.country;
    }
  }

  if (manualCountry !== undefined) {
    if (manualCountry !== null) {
      changes.country = manualCountry;
      changes.countrySource = 'manual';
    } else {
      // Clearing a hand-set country hands it back to the phone number.
      const phone = changes.phone !== undefined ? changes.phone : (current?.phone ?? null);
      const derived = phoneCountry !== undefined ? phoneCountry : phone ? countryOfPhone(phone) : null;
      changes.country = derived;
      changes.countrySource = derived ? 'phone' : null;
    }
  } else if (phoneCountry !== undefined && current?.countrySource !== 'manual') {
    changes.country = phoneCountry;
    changes.countrySource = phoneCountry ? 'phone' : null;
  }

  if (input.customFields !== undefined) {
    const set: Record<string, CustomFieldValue> = {};
    const removed: string[] = [];
    for (const [key, raw] of Object.entries(input.customFields)) {
      const field = `customFields.${key}`;
      const definition = definitions.get(key);
      if (!definition) return fail(field, 'no custom field with this key');
      const value = normaliseCustomValue(definition, raw);
      if (!value.ok) return fail(field, value.reason);
      if (value.value === null) removed.push(key);
      else set[key] = value.value;
    }
    changes.customFieldsSet = set;
    changes.customFieldsRemoved = removed;
  }

  return { ok: true, changes };
}

// ---------------------------------------------------------------- tags

/** Tag names as typed, trimmed and de-duplicated case-insensitively (the first spelling wins). */
export function normaliseTagNames(names: readonly string[]): FieldResult<string[]> {
  const seen = new Map<string, string>();
  for (const raw of names) {
    const name = raw.trim().replace(/\s+/g, ' ');
    if (name.length === 0) return refuse('a tag name cannot be blank');
    if (name.length > 64) return refuse('a tag name has at most 64 characters');
    if (!seen.has(name.toLowerCase())) seen.set(name.toLowerCase(), name);
  }
  return ok([...seen.values()]);
}

/** The fields a change really alters (`customFields.<key>` for custom fields): what events report. */
export function changedFields(
  current: Record<string, unknown> & { customFields: Record<string, unknown> },
  changes: ContactChanges,
): string[] {
  const changed: string[] = [];
  const { customFieldsSet, customFieldsRemoved, ...columns } = changes;
  for (const [field, value] of Object.entries(columns)) {
    if (field !== 'countrySource' && current[field] !== value) changed.push(field);
  }
  for (const [key, value] of Object.entries(customFieldsSet ?? {})) {
    if (current.customFields[key] !== value) changed.push(`customFields.${key}`);
  }
  for (const key of customFieldsRemoved ?? []) {
    if (key in current.customFields) changed.push(`customFields.${key}`);
  }
  return changed;
}
