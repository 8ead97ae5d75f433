import { z } from 'zod';
import { badRequest } from './errors.js';
import { isStorableDate, isStorableText } from './storable.rules.js';

export const paginationQuery = {
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
};

/** An opaque cursor: the sort key and id of the last item of the previous page. */
export function encodeCursor(values: unknown[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

/**
 * The parts a cursor may hold. A cursor comes back from the client, so it is read as untrusted
 * input: each list declares the shape its cursors have, and anything else is refused.
 */
export const cursorPart = {
  text: z.string().max(1000).refine(isStorableText),
  id: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i),
  /** An ISO instant, as `Date.toISOString()` writes it, in the years the database can store. */
  time: z.iso.datetime({ offset: true }).refine((text) => isStorableDate(new Date(text))),
};

const invalidCursor = () => badRequest('invalid_cursor', 'cursor: not a cursor this API returned');

/** The values of a cursor this API made, in the shape the list declares; 400 invalid_cursor for anything else. */
export function decodeCursor<Shape extends z.ZodTuple>(cursor: string | undefined, shape: Shape): z.infer<Shape> | undefined {
  if (!cursor) return undefined;
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  const parsed = shape.safeParse(values);
  if (!parsed.success) throw invalidCursor();
  return parsed.data;
}

/** Given `limit + 1` rows, answer one page and the cursor of the next. */
export function page<T>(rows: T[], limit: number, cursorOf: (row: T) => unknown[]): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const nextCursor = rows.length > limit ? encodeCursor(cursorOf(items[items.length - 1]!)) : null;
  return { items, nextCursor };
}
