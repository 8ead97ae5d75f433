import { z } from 'zod';

export const uuidParam = z.strictObject({ id: z.uuid() });
export const email = z.email().max(320);
export const password = z.string().min(8, 'at least 8 characters').max(1000);
