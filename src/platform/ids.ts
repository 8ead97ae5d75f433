import { v7 } from 'uuid';

/** Time-ordered ids made in code: PostgreSQL 15 has no uuidv7(). */
export const newId = (): string => v7();
