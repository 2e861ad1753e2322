// What a setting accepts, and checking a value against it the way the server's GUC code reads
// values (parse_bool, parse_int, parse_real and convert_to_base_unit in guc.c, 12 and later): the
// value is the string the server reads (quotes already resolved), not the text of the file.

/**
 * What a server setting accepts, from `postgres --describe-config` (type, bounds) and the
 * server's own answers (the base unit, the enum values): the `allowed` of an
 * InvalidSettingValueError.
 */
export type AllowedSettingValues =
  | { type: 'boolean' }
  | {
      type: 'integer' | 'real';
      /** Bounds in the base unit; null when the server gives none. */
      min: number | null;
      max: number | null;
      /** The base unit as the server names it (`8kB`, `kB`, `MB`, `B`, `ms`, `s`, `min`), or null: a plain number. */
      unit: string | null;
    }
  | {
      type: 'enum';
      /** The values the server lists (it also takes a few unlisted aliases, such as `wal_level = hot_standby`). */
      values: readonly string[];
    }
  | { type: 'string' };

const memoryBytes: Record<string, number> = { TB: 2 ** 40, GB: 2 ** 30, MB: 2 ** 20, kB: 2 ** 10, B: 1 };
const timeMicroseconds: Record<string, number> = { d: 86_400_000_000, h: 3_600_000_000, min: 60_000_000, s: 1_000_000, ms: 1_000, us: 1 };
const MEMORY_UNITS = ['TB', 'GB', 'MB', 'kB', 'B'] as const;
const TIME_UNITS = ['d', 'h', 'min', 's', 'ms', 'us'] as const;
const INT_MAX = 2_147_483_647;
const INT_MIN = -2_147_483_648;
const DBL_MIN = 2.2250738585072014e-308;

/** What the base unit measures and its size: `8kB` → memory of 8192 bytes, `ms` → 1000 µs. */
export function readBaseUnit(unit: string): { kind: 'memory' | 'time'; size: number } | null {
  const memory = /^([1-9][0-9]*)?(B|kB|MB|GB|TB)$/.exec(unit);
  if (memory !== null) return { kind: 'memory', size: Number(memory[1] ?? 1) * memoryBytes[memory[2]!]! };
  if (unit === 'ms' || unit === 's' || unit === 'min') return { kind: 'time', size: timeMicroseconds[unit]! };
  return null;
}

/**
 * Why the server would refuse `value` for a setting that accepts `allowed`, or null when it takes
 * it. Strings are not checked (their checks are hooks in the server). An enum value the server
 * does not list may still be one of its unlisted aliases: a caller that must not refuse wrongly
 * asks the server about every value refused here.
 */
export function checkAllowedValue(value: string, allowed: AllowedSettingValues): string | null {
  switch (allowed.type) {
    case 'string':
      return null;
    case 'boolean':
      return isBooleanValue(value) ? null : 'not a boolean';
    case 'enum':
      return allowed.values.some((candidate) => foldAscii(candidate) === foldAscii(value)) ? null : 'not one of the listed values';
    case 'integer':
    case 'real':
      return checkNumber(value, allowed);
  }
}

/** parse_bool: on, off, true, false, yes, no, 1, 0 in any case, and unique prefixes (`t`, `of`; not `o`). */
function isBooleanValue(value: string): boolean {
  const lower = foldAscii(value);
  if (lower === '1' || lower === '0') return true;
  if (lower === '') return false;
  if (lower.startsWith('o')) return lower.length >= 2 && ('on'.startsWith(lower) || 'off'.startsWith(lower));
  return ['true', 'false', 'yes', 'no'].some((word) => word.startsWith(lower));
}

/** pg_strcasecmp folds ASCII letters only. */
function foldAscii(text: string): string {
  return text.replace(/[A-Z]/g, (letter) => letter.toLowerCase());
}

const SPACE = '[ \\t\\n\\v\\f\\r]';
const isSpace = (char: string | undefined): boolean => char !== undefined && ' \t\n\v\f\r'.includes(char);

function checkNumber(value: string, allowed: Extract<AllowedSettingValues, { min: number | null }>): string | null {
  const read = allowed.type === 'integer' ? readIntegerPrefix(value) : readRealPrefix(value);
  if (read === null) return 'not a number';
  let number = read.number;
  let at = read.end;
  while (isSpace(value[at])) at++;
  if (at < value.length) {
    if (allowed.unit === null) return 'takes no unit';
    const converted = convertToBaseUnit(number, value.slice(at), allowed.unit);
    if (converted === null) return 'not a valid unit';
    number = converted;
  }
  if (allowed.type === 'integer') {
    number = roundHalfToEven(number);
    if (number > INT_MAX || number < INT_MIN) return 'exceeds the integer range';
  }
  if ((allowed.min !== null && number < allowed.min) || (allowed.max !== null && number > allowed.max)) return 'out of range';
  return null;
}

/** strtol with base 0 (decimal, `0x` hexadecimal, `0` octal), falling back to strtod at `.`, `e` or overflow. */
function readIntegerPrefix(value: string): { number: number; end: number } | null {
  const integer = new RegExp(`^${SPACE}*([-+]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)`).exec(value);
  if (integer !== null) {
    const next = value[integer[0].length];
    const digits = integer[2]!;
    const magnitude = /^0[xX]/.test(digits) ? parseInt(digits.slice(2), 16) : digits.length > 1 && digits.startsWith('0') ? parseInt(digits, 8) : parseInt(digits, 10);
    if (next !== '.' && next !== 'e' && next !== 'E' && magnitude <= 2 ** 63 - 1) {
      return { number: integer[1] === '-' ? -magnitude : magnitude, end: integer[0].length };
    }
  }
  return readRealPrefix(value);
}

/** strtod, decimal forms and inf/nan (hexadecimal floats are not read: refused here, a caller asks the server). */
function readRealPrefix(value: string): { number: number; end: number } | null {
  const real = new RegExp(`^${SPACE}*([-+]?)(?:((?:[0-9]+\\.?[0-9]*|\\.[0-9]+))([eE][-+]?[0-9]+)?|(inf(?:inity)?)|(nan))`, 'i').exec(value);
  if (real === null) return null;
  if (real[5] !== undefined) return null; // NaN: refused like a syntax error
  const sign = real[1] === '-' ? -1 : 1;
  if (real[4] !== undefined) return { number: sign * Infinity, end: real[0].length };
  const number = sign * Number(`${real[2]}${real[3] ?? ''}`);
  // ERANGE: overflow, or an underflow to zero or to a subnormal number.
  if (!Number.isFinite(number) || (number === 0 && /[1-9]/.test(real[2]!)) || (number !== 0 && Math.abs(number) < DBL_MIN)) return null;
  return { number, end: real[0].length };
}

/** convert_to_base_unit: a unit of at most three characters, then only spaces; a fraction is rounded to the next smaller unit. */
function convertToBaseUnit(number: number, text: string, baseUnit: string): number | null {
  const base = readBaseUnit(baseUnit);
  if (base === null) return null;
  let length = 0;
  while (length < text.length && length < 3 && !isSpace(text[length])) length++;
  const unit = text.slice(0, length);
  let at = length;
  while (isSpace(text[at])) at++;
  if (at < text.length) return null;
  const units: readonly string[] = base.kind === 'memory' ? MEMORY_UNITS : TIME_UNITS;
  const sizes = base.kind === 'memory' ? memoryBytes : timeMicroseconds;
  const index = units.indexOf(unit);
  if (index === -1) return null;
  const multiplier = sizes[unit]! / base.size;
  let converted = number * multiplier;
  const smaller = units[index + 1];
  if (smaller !== undefined) {
    const step = sizes[smaller]! / base.size;
    converted = roundHalfToEven(converted / step) * step;
  }
  return converted;
}

/** C's rint() in the default rounding mode: halves go to the even neighbour. */
function roundHalfToEven(number: number): number {
  if (!Number.isFinite(number)) return number;
  const rounded = Math.round(number);
  return Math.abs(number % 1) === 0.5 && rounded % 2 !== 0 ? rounded - 1 : rounded;
}

/** `allowed` in words, for a message: ``a memory size from 16 to 1073741823 in 8kB units (…)``. */
export function describeAllowedValues(allowed: AllowedSettingValues): string {
  switch (allowed.type) {
    case 'string':
      return 'a string';
    case 'boolean':
      return 'a boolean (on, off, true, false, yes, no, 1, 0)';
    case 'enum':
      return `one of ${allowed.values.map((value) => (value === '' ? "''" : value)).join(', ')}`;
    case 'integer':
    case 'real': {
      const base = allowed.unit === null ? null : readBaseUnit(allowed.unit);
      const what = base === null ? (allowed.type === 'integer' ? 'an integer' : 'a number') : base.kind === 'memory' ? 'a memory size' : 'a time';
      const range =
        allowed.min !== null && allowed.max !== null
          ? ` from ${allowed.min} to ${allowed.max}`
          : allowed.min !== null
            ? ` of at least ${allowed.min}`
            : allowed.max !== null
              ? ` of at most ${allowed.max}`
              : '';
      if (base === null) return `${what}${range}`;
      const units = base.kind === 'memory' ? 'B, kB, MB, GB, TB' : 'us, ms, s, min, h, d';
      return `${what}${range} in ${allowed.unit} units, or with a unit (${units})`;
    }
  }
}
