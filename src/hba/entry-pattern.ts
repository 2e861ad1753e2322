// Patterns for find / index / remove: field values that must match, or a predicate.
import { expected } from '../errors.js';

export interface MatchOptions {
  /**
   * When true, a list field (`database`, `user`) matches when it contains every value asked for,
   * so `{ database: 'app' }` finds `app,reports`. Otherwise lists must be equal.
   */
  contains?: boolean;
}

type PatternValue = string | string[] | Record<string, string> | undefined;

/** Checks a pattern's shape once, before any search (unknown keys are mistakes, not wildcards). */
export function checkPattern(pattern: unknown, keys: readonly string[]): void {
  if (typeof pattern === 'function') return;
  if (pattern === null || typeof pattern !== 'object' || Array.isArray(pattern)) {
    throw expected('pattern', 'an object of fields or a predicate function', pattern);
  }
  for (const [key, value] of Object.entries(pattern)) {
    if (!keys.includes(key)) throw expected('pattern', `an object with keys among ${keys.join(', ')}`, pattern);
    if (value === undefined) continue;
    const ok =
      typeof value === 'string' ||
      (Array.isArray(value) && value.every((v) => typeof v === 'string')) ||
      (key === 'options' && typeof value === 'object' && value !== null && Object.values(value).every((v) => typeof v === 'string'));
    if (!ok) throw expected(`pattern.${key}`, 'a string, an array of strings or (options) a record of strings', value);
  }
}

/** Whether `entry` matches `pattern` (fields compared exactly, lists per `contains`). */
export function matchesPattern<E extends object>(
  entry: E,
  pattern: Record<string, PatternValue> | ((entry: E) => boolean),
  options: MatchOptions = {},
): boolean {
  if (typeof pattern === 'function') return pattern(entry);
  const fields = entry as Record<string, unknown>;
  for (const [key, wanted] of Object.entries(pattern)) {
    if (wanted === undefined) continue;
    const actual = fields[key];
    if (key === 'options') {
      const opts = (actual ?? {}) as Record<string, string>;
      if (!Object.entries(wanted as Record<string, string>).every(([k, v]) => opts[k] === v)) return false;
      continue;
    }
    if (Array.isArray(actual)) {
      const list = typeof wanted === 'string' ? [wanted] : (wanted as string[]);
      if (options.contains) {
        if (!list.every((v) => actual.includes(v))) return false;
      } else if (list.length !== actual.length || list.some((v, i) => actual[i] !== v)) {
        return false;
      }
      continue;
    }
    if (Array.isArray(wanted) ? !(wanted.length === 1 && wanted[0] === actual) : actual !== wanted) return false;
  }
  return true;
}
