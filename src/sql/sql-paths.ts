import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { expected } from '../errors.js';
import { SqlFileError } from './sql-file-error.js';

export interface ResolveSqlFilesOptions {
  /** What relative paths and globs are relative to. Default: `process.cwd()`. */
  cwd?: string;
}

const MAGIC = /[*?[{]/;

/** Whether `pattern` is a glob (holds `*`, `?`, `[…]` or `{a,b}`) rather than a plain path. */
export function isGlob(pattern: string): boolean {
  return MAGIC.test(pattern);
}

/**
 * The files `loadSql` runs, as absolute paths, in order: for each entry of `pathOrGlob`, a file
 * as it is, a folder's `*.sql` files (not its subfolders') in name order, or a glob's files in
 * name order (`*`, `?`, `[a-z]`, `{a,b}` within a path segment; `**` for any number of folders;
 * names starting with `.` only when the pattern's segment does). Name order is by code point,
 * as `ls` sorts in the C locale: `10_x.sql` before `2_y.sql`, so number migrations with
 * leading zeros. A file named twice runs once, at its first place.
 * Rejects with {@link SqlFileError} `SQL_FILES_NOT_FOUND` when an entry names nothing.
 */
export async function resolveSqlFiles(pathOrGlob: string | readonly string[], options: ResolveSqlFilesOptions = {}): Promise<string[]> {
  const { cwd = process.cwd() } = options ?? {};
  if (typeof cwd !== 'string' || cwd === '') throw expected('cwd', 'a non-empty string', cwd);
  const entries = typeof pathOrGlob === 'string' ? [pathOrGlob] : pathOrGlob;
  if (!Array.isArray(entries) || entries.length === 0 || entries.some((entry) => typeof entry !== 'string' || entry === '')) {
    throw expected('pathOrGlob', 'a path or glob, or a non-empty array of them', pathOrGlob);
  }
  const files: string[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    for (const file of await filesOf(entry, resolve(cwd))) {
      if (seen.has(file)) continue;
      seen.add(file);
      files.push(file);
    }
  }
  return files;
}

async function filesOf(entry: string, cwd: string): Promise<string[]> {
  const absolute = isAbsolute(entry) ? entry : join(cwd, entry);
  if (!isGlob(entry)) {
    const info = await stat(absolute).catch(() => null);
    if (info === null) throw notFound(entry, `${absolute} does not exist`);
    if (!info.isDirectory()) return [absolute];
    const names = (await readdir(absolute, { withFileTypes: true }))
      .filter((dirent) => dirent.name.endsWith('.sql'))
      .map((dirent) => dirent.name);
    const files: string[] = [];
    for (const name of names.sort(compareNames)) {
      const file = join(absolute, name);
      if ((await stat(file).catch(() => null))?.isFile()) files.push(file);
    }
    if (files.length === 0) throw notFound(entry, `the folder ${absolute} holds no *.sql file`);
    return files;
  }
  const segments = absolute.split(sep);
  const first = segments.findIndex((segment) => isGlob(segment));
  const base = segments.slice(0, first).join(sep) || sep;
  const found = new Set<string>();
  await walk(base, segments.slice(first), found);
  if (found.size === 0) throw notFound(entry, `no file matches ${absolute}`);
  return [...found].sort(compareNames);
}

async function walk(folder: string, segments: string[], found: Set<string>): Promise<void> {
  const [segment, ...rest] = segments;
  if (segment === undefined) return;
  const dirents = await readdir(folder, { withFileTypes: true }).catch(() => null);
  if (segment === '**') {
    // Zero folders, or one more and `**` again. Links to folders are not followed (no loops).
    await walk(folder, rest, found);
    for (const dirent of dirents ?? []) {
      if (dirent.isDirectory() && !dirent.name.startsWith('.')) await walk(join(folder, dirent.name), segments, found);
    }
    return;
  }
  if (!isGlob(segment)) {
    const path = join(folder, segment);
    if (rest.length > 0) await walk(path, rest, found);
    else if ((await stat(path).catch(() => null))?.isFile()) found.add(path);
    return;
  }
  const pattern = segmentPattern(segment);
  for (const dirent of dirents ?? []) {
    if (!pattern.test(dirent.name)) continue;
    const path = join(folder, dirent.name);
    if (rest.length > 0) {
      if ((await stat(path).catch(() => null))?.isDirectory()) await walk(path, rest, found);
    } else if ((await stat(path).catch(() => null))?.isFile()) {
      found.add(path);
    }
  }
}

/** One path segment of a glob as a regular expression. */
export function segmentPattern(segment: string): RegExp {
  let source = '';
  let braces = 0;
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else if (c === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close === -1) {
        source += '\\[';
        continue;
      }
      let body = segment.slice(i + 1, close);
      const negated = body.startsWith('!') || body.startsWith('^');
      if (negated) body = body.slice(1);
      source += `[${negated ? '^' : ''}${body.replace(/[\\\]^]/g, (m) => `\\${m}`)}]`;
      i = close;
    } else if (c === '{') {
      braces++;
      source += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      source += ')';
    } else if (c === ',' && braces > 0) source += '|';
    else source += c.replace(/[.+^$()|\\\]{}]/g, (m) => `\\${m}`);
  }
  source += ')'.repeat(braces);
  // `*` and `?` do not match a leading dot unless the pattern starts with one.
  const hidden = segment.startsWith('.') ? '' : '(?!\\.)';
  return new RegExp(`^${hidden}${source}$`, 'u');
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function notFound(entry: string, why: string): SqlFileError {
  return new SqlFileError('SQL_FILES_NOT_FOUND', {
    file: null,
    line: null,
    column: null,
    sqlstate: null,
    statement: null,
    serverMessage: `loadSql: ${describeEntry(entry)} names no SQL file: ${why}`,
  });
}

function describeEntry(entry: string): string {
  return `\`${entry}\``;
}
