import { timingSafeEqual } from 'node:crypto';

/** Whether two byte strings are equal, in time that does not tell how much of them matched (signatures, tokens). */
export function sameBytes(given: Buffer, expected: Buffer): boolean {
  return given.length === expected.length && timingSafeEqual(given, expected);
}
