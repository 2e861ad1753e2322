import { createHash } from 'node:crypto';
import { expected } from '../errors.js';

/** PostgreSQL's NAMEDATALEN - 1: the longest name in bytes; longer names are truncated by the server. */
export const MAX_NAME_BYTES = 63;

/**
 * The login user's name for a client, as the charm's `user_name(relation, service)` makes it:
 * lower case, every run of characters other than `a-z`, `0-9` and `_` turned into one `_`, and —
 * when that changed the name or it is longer than 63 bytes — a `_` and 8 hex digits of the
 * client name's SHA-256 appended (after truncation), so `My App` and `my-app` stay apart.
 */
export function generateUserName(client: string): string {
  checkClientName(client);
  const safe = client.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '') || 'client';
  const leading = /^[a-z_]/.test(safe) ? safe : `c_${safe}`;
  if (leading === client && byteLength(client) <= MAX_NAME_BYTES) return client;
  return withSuffix(leading, `_${digest(client)}`);
}

/** The schema user that owns the database and runs migrations: `<user>_schema`, shortened with a digest when that does not fit. */
export function generateSchemaUserName(user: string): string {
  checkName('user', user);
  const name = `${user}_schema`;
  if (byteLength(name) <= MAX_NAME_BYTES) return name;
  return withSuffix(user, `_${digest(user)}_schema`);
}

/** Refuses what cannot be a PostgreSQL name as it is: empty, a NUL character, more than 63 bytes (the server would truncate it). */
export function checkName(argument: string, name: unknown): asserts name is string {
  if (typeof name !== 'string' || name === '' || name.includes('\0') || byteLength(name) > MAX_NAME_BYTES) {
    throw expected(argument, `a name of 1 to ${MAX_NAME_BYTES} bytes without NUL characters`, name);
  }
}

/** A client's name: any non-empty string without NUL characters (the user made from it fits in 63 bytes whatever its length). */
export function checkClientName(client: unknown): asserts client is string {
  if (typeof client !== 'string' || client === '' || client.includes('\0')) throw expected('client', 'a non-empty string without NUL characters', client);
}

function withSuffix(base: string, suffix: string): string {
  let head = base;
  while (byteLength(head) + byteLength(suffix) > MAX_NAME_BYTES) head = [...head].slice(0, -1).join('');
  return `${head}${suffix}`;
}

function digest(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 8);
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
