import { randomBytes } from 'node:crypto';
import { expected } from '../errors.js';

/** PostgreSQL truncates identifiers to NAMEDATALEN - 1 = 63 bytes. */
export const MAX_IDENTIFIER_BYTES = 63;

let counter = 0;

/**
 * A database name that is unique across processes and safe anywhere without quoting:
 * `<prefix>_<pid>_<counter>_<random>`, lower case letters, digits and underscores,
 * at most 63 bytes. The prefix must itself be a plain lower-case identifier.
 */
export function generateDatabaseName(prefix = 'test'): string {
  if (typeof prefix !== 'string' || !/^[a-z_][a-z0-9_]{0,29}$/.test(prefix)) {
    throw expected('prefix', 'a lower-case identifier of at most 30 characters', prefix);
  }
  counter += 1;
  return `${prefix}_${process.pid.toString(36)}_${counter.toString(36)}_${randomBytes(4).toString('hex')}`;
}
