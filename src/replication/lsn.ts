import { expected } from '../errors.js';

/** A WAL location as PostgreSQL prints it (`0/3000060`), as a number that orders correctly. */
export function parseLsn(text: string): bigint {
  const match = typeof text === 'string' ? /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text) : null;
  if (match === null) throw expected('lsn', 'a WAL location like `0/3000060`', text);
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

/** `-1`, `0` or `1` as `a` is before, at or after `b`; a null location (none known) is before every other. */
export function compareLsn(a: string | null, b: string | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  const x = parseLsn(a);
  const y = parseLsn(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
