import { z } from 'zod';
import { badRequest } from './errors.js';

export const paginationQuery = {
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
};

/** An opaque cursor: the sort key and id of the last item of the previous page. */
export function encodeCursor(values: unknown[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): unknown[] | undefined {
  if (!cursor) return undefined;
  try {
    const values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(values)) return values;
  } catch {
    // fall through to the error below
  }
  throw badRequest('invalid_cursor', 'cursor: not a cursor this API returned');
}

/** Given `limit + 1` rows, answer one page and the cursor of the next. */
export function page<T>(rows: T[], limit: number, cursorOf: (row: T) => unknown[]): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const nextCursor = rows.length > limit ? encodeCursor(cursorOf(items[items.length - 1]!)) : null;
  return { items, nextCursor };
}
