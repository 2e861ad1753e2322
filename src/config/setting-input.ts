// Checking what a caller passes to set/unset/get before it touches the document.
import { lexConfigLine } from './config-lexer.js';
import { foldSettingName } from './config-line.js';
import { InvalidSettingNameError } from './invalid-setting-name-error.js';
import { InvalidSettingValueError } from './invalid-setting-value-error.js';

/** What `set` accepts: strings as they are, finite numbers, and booleans (written `on`/`off`). */
export type ConfigValue = string | number | boolean;

/** Validates a setting name as the server's scanner reads names; returns it folded. */
export function checkSettingName(name: unknown): string {
  if (typeof name !== 'string') throw new InvalidSettingNameError(name, 'not-a-string');
  const tokens = lexConfigLine(name, { maxSignificant: 2 });
  const only = tokens[0];
  if (tokens.length !== 1 || only === undefined || (only.kind !== 'id' && only.kind !== 'qualified-id')) {
    throw new InvalidSettingNameError(name, 'not-an-identifier');
  }
  const key = foldSettingName(name);
  if (key === 'include' || key === 'include_if_exists' || key === 'include_dir') throw new InvalidSettingNameError(name, 'directive');
  return key;
}

/** Validates a value and gives it as the string to write. */
export function checkSettingValue(name: string, value: unknown): string {
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvalidSettingValueError(name, value, 'not a finite number');
    return String(value);
  }
  if (typeof value !== 'string') throw new InvalidSettingValueError(name, value, 'expected a string, number or boolean');
  if (/[\n\r]/.test(value)) throw new InvalidSettingValueError(name, value, 'contains a line break');
  if (value.includes('\0')) throw new InvalidSettingValueError(name, value, 'contains a NUL character');
  return value;
}
