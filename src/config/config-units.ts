// Reading values the way the server's GUC code does (parse_int / parse_real / parse_bool in
// guc.c), and writing them back. Units are case-sensitive, as in the server: `kB`, `MB`, `GB`,
// `TB`, `B` for memory and `us`, `ms`, `s`, `min`, `h`, `d` for time. A number may be a
// fraction (`1.5GB`) and, like C's strtol with base 0, hexadecimal (`0x10`) or octal (`010`).
// A value may also be given as written in postgresql.conf, quoted (`'1min'`): it is unquoted by
// the file's rules first, as the server does before it reads the value.
import { lexConfigLine } from './config-lexer.js';
import { unquoteConfigString } from './config-quoting.js';
import { InvalidSettingValueError } from './invalid-setting-value-error.js';

export type MemoryUnit = 'B' | 'kB' | 'MB' | 'GB' | 'TB';
export type TimeUnit = 'us' | 'ms' | 's' | 'min' | 'h' | 'd';

const bytesPer: Record<MemoryUnit, number> = { B: 1, kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };
const msPer: Record<TimeUnit, number> = { us: 0.001, ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** A number and the unit written after it (null when there is none), not yet converted. */
export interface Quantity {
  number: number;
  unit: string | null;
}

const isSpace = (char: string | undefined): boolean => char !== undefined && ' \t\n\r\f\v'.includes(char);

/**
 * The value a quoted token stands for (`"'1min'"` → `'1min'`, `"'it''s'"` → `"it's"`), read with
 * postgresql.conf's rules: one quoted string, with nothing but spaces, tabs or carriage returns
 * around it. Any other text is already a value and is returned as it is.
 */
function unquoteValue(text: string): string {
  if (!text.includes("'")) return text;
  const tokens = lexConfigLine(text, { maxSignificant: 2 }).filter((t) => t.kind !== 'whitespace');
  const only = tokens[0];
  return tokens.length === 1 && only!.kind === 'string' ? unquoteConfigString(only!.text) : text;
}

/**
 * Splits `'128MB'`, `' 1.5 GB '`, `'0x10'`, `'-1'` into number and unit, as parse_int does. A
 * quoted token as written in postgresql.conf (`"'128MB'"`) is unquoted first.
 */
export function parseQuantity(text: string): Quantity {
  if (typeof text !== 'string') throw new InvalidSettingValueError(undefined, text, 'expected a string');
  // Errors name `text`, what the caller passed.
  const value = unquoteValue(text);
  const integer = /^[ \t\n\r\f\v]*([-+]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(value);
  let number: number;
  let rest: string;
  const afterInteger = integer === null ? undefined : value[integer[0].length];
  if (integer !== null && afterInteger !== '.' && afterInteger !== 'e' && afterInteger !== 'E') {
    const digits = integer[2]!;
    const magnitude = /^0[xX]/.test(digits) ? parseInt(digits.slice(2), 16) : digits.length > 1 && digits.startsWith('0') ? parseInt(digits, 8) : parseInt(digits, 10);
    number = integer[1] === '-' ? -magnitude : magnitude;
    rest = value.slice(integer[0].length);
  } else {
    const real = /^[ \t\n\r\f\v]*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/.exec(value);
    if (real === null) throw new InvalidSettingValueError(undefined, text, 'not a number');
    number = Number(real[0].trim());
    rest = value.slice(real[0].length);
  }
  if (!Number.isFinite(number)) throw new InvalidSettingValueError(undefined, text, 'not a finite number');
  let at = 0;
  while (isSpace(rest[at])) at++;
  let end = at;
  while (end < rest.length && !isSpace(rest[end])) end++;
  const unit = rest.slice(at, end);
  let tail = end;
  while (isSpace(rest[tail])) tail++;
  if (tail !== rest.length) throw new InvalidSettingValueError(undefined, text, 'garbage after the unit');
  return { number, unit: unit === '' ? null : unit };
}

/**
 * Bytes in a memory value (`'128MB'`, or quoted as in the file: `"'128MB'"`). A value without a
 * unit is in `unit`, the setting's own base unit (`kB` for work_mem; 8 kB blocks for
 * shared_buffers: pass `{ unit: 'kB', scale: 8 }`).
 */
export function parseMemory(text: string, { unit = 'B', scale = 1 }: { unit?: MemoryUnit; scale?: number } = {}): number {
  const quantity = parseQuantity(text);
  if (quantity.unit === null) return quantity.number * bytesPer[unit] * scale;
  if (!(quantity.unit in bytesPer)) {
    throw new InvalidSettingValueError(undefined, text, 'valid memory units are "B", "kB", "MB", "GB", and "TB"');
  }
  return quantity.number * bytesPer[quantity.unit as MemoryUnit];
}

/**
 * Milliseconds in a time value (`'1min'`, or quoted as in the file: `"'1min'"`). A value without
 * a unit is in `unit` (the setting's base unit).
 */
export function parseTime(text: string, { unit = 'ms' }: { unit?: TimeUnit } = {}): number {
  const quantity = parseQuantity(text);
  if (quantity.unit === null) return quantity.number * msPer[unit];
  if (!(quantity.unit in msPer)) {
    throw new InvalidSettingValueError(undefined, text, 'valid time units are "us", "ms", "s", "min", "h", and "d"');
  }
  return quantity.number * msPer[quantity.unit as TimeUnit];
}

/** A byte count in the largest unit that holds it exactly: `134217728` → `'128MB'`. */
export function formatMemory(bytes: number): string {
  if (!Number.isSafeInteger(bytes)) throw new InvalidSettingValueError(undefined, bytes, 'expected a whole number of bytes');
  if (bytes === 0) return '0';
  for (const unit of ['TB', 'GB', 'MB', 'kB'] as const) {
    if (bytes % bytesPer[unit] === 0) return `${bytes / bytesPer[unit]}${unit}`;
  }
  return `${bytes}B`;
}

/** Milliseconds in the largest unit that holds them exactly: `60000` → `'1min'`, `1.5` → `'1500us'`. */
export function formatTime(ms: number): string {
  if (!Number.isFinite(ms)) throw new InvalidSettingValueError(undefined, ms, 'expected a finite number of milliseconds');
  if (ms === 0) return '0';
  if (ms === -1) return '-1';
  for (const unit of ['d', 'h', 'min', 's', 'ms'] as const) {
    if (Number.isInteger(ms) && ms % msPer[unit] === 0) return `${ms / msPer[unit]}${unit}`;
  }
  const us = Math.round(ms * 1000);
  if (Math.abs(us - ms * 1000) > 1e-6) throw new InvalidSettingValueError(undefined, ms, 'finer than a microsecond');
  return `${us}us`;
}

const booleanWords: Array<[string, boolean]> = [
  ['true', true],
  ['false', false],
  ['yes', true],
  ['no', false],
  ['on', true],
  ['off', false],
];

/**
 * A boolean as the server reads one (parse_bool): `on`, `off`, `true`, `false`, `yes`, `no`,
 * `1`, `0`, in any case, or any prefix of them that is unique (`t`, `fa`, `y`; not `o`). A quoted
 * token as written in postgresql.conf (`"'on'"`) is unquoted first.
 */
export function parseBoolean(text: string): boolean {
  if (typeof text !== 'string') throw new InvalidSettingValueError(undefined, text, 'expected a string');
  const lower = unquoteValue(text).toLowerCase();
  if (lower === '1') return true;
  if (lower === '0') return false;
  if (lower !== '') {
    const matches = booleanWords.filter(([word]) => word.startsWith(lower));
    // "on" and "off" share "o": a prefix must be at least two letters to tell them apart.
    if (matches.length === 1 && !(lower === 'o')) return matches[0]![1];
  }
  throw new InvalidSettingValueError(undefined, text, 'not a boolean (on, off, true, false, yes, no, 1, 0)');
}

export function formatBoolean(value: boolean): 'on' | 'off' {
  return value ? 'on' : 'off';
}
