import { z } from 'zod';
import { isStorableDate } from '../storable.rules.js';

export const uuidParam = z.strictObject({ id: z.uuid() });
export const email = z.email().max(320);
export const password = z.string().min(8, 'at least 8 characters').max(1000);

const storable = (text: string) => isStorableDate(new Date(text));
const storableMessage = 'a year from 1 to 9999';
/** An instant with its offset (`2026-05-01T09:00:00Z`), in the years the database can store. */
export const isoDateTime = z.iso.datetime({ offset: true }).refine(storable, storableMessage);
/** A calendar day (`2026-05-01`), in the years the database can store. */
export const isoDate = z.iso.date().refine(storable, storableMessage);
