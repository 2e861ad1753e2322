// SASLprep (RFC 4013, a profile of RFC 3454 stringprep) as PostgreSQL applies it to a password
// before SCRAM hashes it (src/common/saslprep.c, used by the server and by libpq alike).
import { L_CAT, MAPPED_TO_NOTHING, NON_ASCII_SPACE, PROHIBITED, RAND_AL_CAT, UNASSIGNED } from './saslprep-tables.js';

/**
 * The password in SASLprep's canonical form, or `null` where SASLprep refuses it (a prohibited
 * or, in Unicode 3.2, unassigned character, a string that breaks the bidirectional rules, one
 * that maps to nothing): PostgreSQL then hashes the password's raw UTF-8 bytes instead.
 *
 * As PostgreSQL does, and not quite as the RFC says: a pure ASCII string is taken as it is
 * (control characters included), and the prohibition and bidi checks look at the mapped
 * characters before normalization, not at the normalized result.
 */
export function applySaslPrep(password: string): string | null {
  if (/^[\x00-\x7f]*$/u.test(password)) return password;
  const mapped: number[] = [];
  for (const character of password) {
    const code = character.codePointAt(0)!;
    if (isIn(code, NON_ASCII_SPACE)) mapped.push(0x20);
    else if (!isIn(code, MAPPED_TO_NOTHING)) mapped.push(code);
  }
  if (mapped.length === 0) return null;
  if (mapped.some((code) => isIn(code, PROHIBITED) || isIn(code, UNASSIGNED))) return null;
  if (mapped.some((code) => isIn(code, RAND_AL_CAT))) {
    if (mapped.some((code) => isIn(code, L_CAT))) return null;
    if (!isIn(mapped[0]!, RAND_AL_CAT) || !isIn(mapped[mapped.length - 1]!, RAND_AL_CAT)) return null;
  }
  return String.fromCodePoint(...mapped).normalize('NFKC');
}

/** Whether `code` lies in one of the inclusive ranges of `table` (binary search). */
function isIn(code: number, table: readonly number[]): boolean {
  let low = 0;
  let high = table.length / 2 - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (code < table[middle * 2]!) high = middle - 1;
    else if (code > table[middle * 2 + 1]!) low = middle + 1;
    else return true;
  }
  return false;
}
