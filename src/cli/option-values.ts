import { readFile } from 'node:fs/promises';
import type { ParsedCommandLine } from './cli-command.js';
import { UsageError } from './usage-error.js';

type Values = ParsedCommandLine['values'];

/** A positive integer option (`--port 5433`), or undefined when not given. */
export function readInteger(values: Values, name: string, command: string): number | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  const number = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || !Number.isSafeInteger(number) || number <= 0) {
    throw new UsageError(`--${name} expects a positive integer, got \`${String(value)}\``, command);
  }
  return number;
}

/** A non-empty string option, or undefined when not given. */
export function readText(values: Values, name: string, command: string): string | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} expects a non-empty value`, command);
  return value;
}

/** A repeatable string option: every value given, in order (none: empty). */
export function readList(values: Values, name: string, command: string): string[] {
  const value = values[name];
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  for (const item of list) if (typeof item !== 'string' || item === '') throw new UsageError(`--${name} expects a non-empty value`, command);
  return list as string[];
}

/** `--set name=value` (repeatable) as settings; a value may contain `=`; a later one wins. */
export function readSettings(values: Values, command: string): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const item of readList(values, 'set', command)) {
    const at = item.indexOf('=');
    const name = at < 0 ? '' : item.slice(0, at).trim();
    if (at < 0 || !/^[A-Za-z_][A-Za-z0-9_.]*$/.test(name)) throw new UsageError(`--set expects name=value, got \`${item}\``, command);
    settings[name] = item.slice(at + 1);
  }
  return settings;
}

/**
 * The password on the first line of a file (as `initdb --pwfile` reads it: up to the first
 * newline, a CR before it dropped); an unreadable file or an empty first line is a usage error.
 */
export async function readPasswordFile(file: string, command: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new UsageError(`--password-file cannot read ${file} (${reason})`, command, { cause: error });
  }
  const password = (text.split('\n', 1)[0] ?? '').replace(/\r$/, '');
  if (password === '') throw new UsageError(`--password-file ${file} has an empty first line`, command);
  return password;
}
