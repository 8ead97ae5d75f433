import { z } from 'zod';
import { MIN_PASSWORD_LENGTH } from '../auth/passwords.js';
import { isStorableDate } from '../storable.rules.js';

export const uuidParam = z.strictObject({ id: z.uuid() });
export const email = z.email().max(320);
/** Every password a person sets (first run, a new user, a reset, their own change): long enough not to be guessed. */
export const password = z.string().min(MIN_PASSWORD_LENGTH, `at least ${MIN_PASSWORD_LENGTH} characters`).max(1000);

const storable = (text: string) => isStorableDate(new Date(text));
const storableMessage = 'a year from 1 to 9999';
/** An instant with its offset (`2026-05-01T09:00:00Z`), in the years the database can store. */
export const isoDateTime = z.iso.datetime({ offset: true }).refine(storable, storableMessage);
/** A calendar day (`2026-05-01`), in the years the database can store. */
export const isoDate = z.iso.date().refine(storable, storableMessage);
