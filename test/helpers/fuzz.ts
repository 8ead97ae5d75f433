import fc from 'fast-check';

/**
 * Generators for the property-based edge test (test/api/edge.fuzz.test.ts): requests built from
 * the OpenAPI document's schemas, with hostile values mixed in at every leaf: NUL characters,
 * lone surrogates, dates PostgreSQL cannot store, tampered cursors, out-of-range numbers.
 */

export type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  format?: string;
  nullable?: boolean;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  maxItems?: number;
};

const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Values that once answered 500 somewhere (issue #18), and their relatives. */
export const hostileStrings = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\ud83d',
  '0000-01-01',
  '0000-01-01T00:00:00Z',
  '-000001-01-01T00:00:00.000Z',
  '+275760-09-13T00:00:00.000Z',
  '9999-12-31T23:59:59Z',
  '1969-12-31T23:59:59Z',
  '',
  ' ',
  'WzEsMiwzXQ',
  cursorOf([]),
  cursorOf([null, null]),
  cursorOf(['name', 1, 2]),
  cursorOf(['0000-01-01T00:00:00.000Z', '00000000-0000-0000-0000-000000000000']),
  cursorOf(['created', '0000-01-01 00:00:00+00', '00000000-0000-0000-0000-000000000000']),
  cursorOf([{}, []]),
  'team:------------------------------------',
  'team:zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '9'.repeat(400),
  "'; select pg_sleep(1); --",
  '%00',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  'NaN',
  '-1',
  '1e309',
];

const hostileNumbers = [0, -1, -0.5, 1.5, 2 ** 31, 2 ** 53 + 2, -(2 ** 53), 1e308, -1e308, Number.MIN_VALUE];

export const hostileString = fc.constantFrom(...hostileStrings);

/** Any UTF-16 text, lone surrogates and control characters included. */
const anyText = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)), maxLength: 40 });

/**
 * Real ids and values of the workspace under test, so requests reach past "not found" and into
 * the services: ids by the name of the field or path parameter that takes them (`assigneeId`,
 * `users` for `/users/{id}`), good values by field name (`email`, `settings`), and words for
 * free text.
 */
export type Hints = { ids: Record<string, string[]>; words: string[]; values: Record<string, unknown[]> };

/** The ids a field or parameter of this name takes, or every id when the name says nothing. */
export const idsFor = (hints: Hints, name: string | undefined): string[] =>
  (name && hints.ids[name]) || Object.values(hints.ids).flat();

function leafString(schema: JsonSchema, hints: Hints, name: string | undefined): fc.Arbitrary<string> {
  // Each leaf is usually well-formed, so that one hostile leaf, not ten, is what a request carries.
  const choices: Array<fc.WeightedArbitrary<string>> = [
    { arbitrary: hostileString, weight: 2 },
    { arbitrary: anyText, weight: 1 },
  ];
  if (schema.enum) choices.push({ arbitrary: fc.constantFrom(...(schema.enum as string[])), weight: 20 });
  else if (schema.format === 'uuid') {
    choices.push({ arbitrary: fc.constantFrom(...idsFor(hints, name)), weight: 16 }, { arbitrary: fc.uuid(), weight: 2 });
  } else if (schema.format === 'date' || schema.format === 'date-time') {
    const date = fc.date({ min: new Date(-62_198_755_200_000), max: new Date(253_402_300_799_000), noInvalidDate: true });
    choices.push({ arbitrary: date.map((d) => (schema.format === 'date' ? d.toISOString().slice(0, 10) : d.toISOString())), weight: 18 });
  } else if (schema.format === 'email') {
    choices.push({ arbitrary: fc.emailAddress(), weight: 18 });
  } else {
    choices.push({ arbitrary: fc.constantFrom(...hints.words), weight: 12 }, { arbitrary: fc.string({ minLength: 1, maxLength: 30 }), weight: 6 });
  }
  return fc.oneof(...choices);
}

function leafNumber(schema: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const inRange = integer
    ? fc.integer({ min: Math.max(schema.minimum ?? -1000, -(2 ** 31)), max: Math.min(schema.maximum ?? 100_000, 2 ** 31) })
    : fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true, noDefaultInfinity: true });
  return fc.oneof({ arbitrary: inRange, weight: 10 }, { arbitrary: fc.constantFrom(...hostileNumbers), weight: 1 });
}

/** Anything JSON can carry, hostile strings included. */
const anyJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    anyText,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.oneof(hostileString, fc.string({ maxLength: 8 })), tie('value'), { maxKeys: 3 }),
  ),
})).value;

/**
 * A value for the schema: mostly of its shape, with hostile leaves, sometimes of the wrong shape.
 * `name` is the field's or parameter's name, to pick fitting ids.
 */
export function valueOf(schema: JsonSchema | undefined, hints: Hints, name?: string, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 6) return anyJson;
  const alternatives = schema.anyOf ?? schema.oneOf;
  const generated = alternatives ? fc.oneof(...alternatives.map((s) => valueOf(s, hints, name, depth + 1))) : shapedValue(schema, hints, name, depth);
  const good = name ? hints.values[name] : undefined;
  const shaped = good ? fc.oneof({ arbitrary: fc.constantFrom(...good), weight: 3 }, { arbitrary: generated, weight: 2 }) : generated;
  const withNull = schema.nullable ? fc.oneof({ arbitrary: shaped, weight: 5 }, { arbitrary: fc.constant(null), weight: 1 }) : shaped;
  return fc.oneof({ arbitrary: withNull, weight: 30 }, { arbitrary: anyJson, weight: 1 });
}

function shapedValue(schema: JsonSchema, hints: Hints, name: string | undefined, depth: number): fc.Arbitrary<unknown> {
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if (schema.enum && !type) return fc.constantFrom(...schema.enum);
  switch (type) {
    case 'string':
      return leafString(schema, hints, name);
    case 'integer':
    case 'number':
      return leafNumber(schema, type === 'integer');
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(valueOf(schema.items, hints, name, depth + 1), { maxLength: Math.min(schema.maxItems ?? 4, 4) });
    case 'object':
      return objectOf(schema, hints, depth);
    default:
      return anyJson;
  }
}

/** Absent three times in four: a request carries a few of its many optional fields. */
export const sometimes = <T>(arbitrary: fc.Arbitrary<T>) => fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary, weight: 1 });

function objectOf(schema: JsonSchema, hints: Hints, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const properties = Object.entries(schema.properties ?? {});
  const required = new Set(schema.required ?? []);
  // Required fields are usually all there, so most requests get past validation into the service.
  const known = fc.tuple(
    ...properties.map(([name, property]) => {
      const value = valueOf(property, hints, name, depth + 1);
      return required.has(name) ? fc.oneof({ arbitrary: value, weight: 15 }, { arbitrary: fc.constant(undefined), weight: 1 }) : sometimes(value);
    }),
  );
  const extra =
    schema.additionalProperties && typeof schema.additionalProperties === 'object'
      ? fc.dictionary(
          fc.oneof({ arbitrary: fc.constantFrom(...hints.words), weight: 8 }, { arbitrary: hostileString, weight: 1 }),
          valueOf(schema.additionalProperties, hints, undefined, depth + 1),
          { maxKeys: 4 },
        )
      : fc.oneof({ arbitrary: fc.constant({}), weight: 19 }, { arbitrary: fc.dictionary(hostileString, anyJson, { minKeys: 1, maxKeys: 1 }), weight: 1 });
  return fc.tuple(known, extra).map(([values, more]) => {
    const result: Record<string, unknown> = { ...more };
    properties.forEach(([name], index) => values[index] !== undefined && (result[name] = values[index]));
    return result;
  });
}

/**
 * Percent-encoding that can carry what `encodeURIComponent` refuses: a lone surrogate becomes its
 * three bytes (WTF-8), as a careless client would send it.
 */
export function encodeLoosely(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    if (code >= 0xd800 && code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out += encodeURIComponent(text.slice(i, i + 2));
      i++;
    } else if (code >= 0xd800 && code <= 0xdfff) {
      out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    } else {
      out += encodeURIComponent(text[i]!);
    }
  }
  return out;
}

/** A query value as a client would put it in a URL. */
export const asQueryText = (value: unknown): string =>
  typeof value === 'string' ? value : value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
