import { basename } from 'node:path';

/** The longest name PostgreSQL keeps (NAMEDATALEN - 1 bytes). */
const MAX_NAME_BYTES = 63;

/** The default `application_name` of a standby: its data directory's last part, in the characters a slot name allows. */
export function defaultStandbyName(dataDirectory: string): string {
  return toSlotName(basename(dataDirectory));
}

/** A replication slot name for `name`: lower-case letters, digits and `_` only (what PostgreSQL accepts), at most 63 bytes. */
export function toSlotName(name: string): string {
  const slot = name.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, MAX_NAME_BYTES);
  return slot === '' ? 'standby' : slot;
}

/** Whether `name` is a valid replication slot name. */
export function isSlotName(name: string): boolean {
  return /^[a-z0-9_]{1,63}$/.test(name);
}

/** Whether `name` is a valid `application_name` for a standby: printable ASCII, at most 63 bytes, no comma or quote (it goes into synchronous_standby_names). */
export function isStandbyName(name: string): boolean {
  return /^[\x20-\x7e]{1,63}$/.test(name) && !/[,"']/.test(name) && name.trim() === name;
}
