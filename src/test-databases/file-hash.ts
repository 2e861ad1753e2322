import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { TestDatabasesError } from './test-databases-error.js';

const GLOB_CHARACTERS = /[*?[{]/;

/**
 * The files `patterns` name, relative to `cwd`, sorted by path (byte order), each once. A
 * pattern is a path (a file, or a folder: every file under it) or a glob: `*` and `?` within one
 * path segment, `**` across segments, `[abc]` and `{a,b}`. Dot files are included.
 */
export async function listFiles(patterns: readonly string[], cwd: string = process.cwd()): Promise<string[]> {
  const found = new Set<string>();
  for (const pattern of patterns) {
    const absolute = resolve(cwd, pattern);
    const segments = absolute.split(sep);
    const firstGlob = segments.findIndex((segment) => GLOB_CHARACTERS.test(segment));
    if (firstGlob === -1) {
      for (const file of await walk(absolute)) found.add(file);
      continue;
    }
    const base = segments.slice(0, firstGlob).join(sep) || sep;
    const matcher = globToRegExp(segments.slice(firstGlob).join('/'));
    for (const file of await walk(base)) {
      if (matcher.test(relative(base, file).split(sep).join('/'))) found.add(file);
    }
  }
  return [...found].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * sha256 over the files' paths (relative to `cwd`) and contents: what keys a migrated template.
 * A pattern that names no file is an error (a typo would otherwise key the template on nothing).
 */
export async function hashFiles(patterns: readonly string[], cwd: string = process.cwd()): Promise<{ hash: string; files: string[] }> {
  const hash = createHash('sha256');
  const files: string[] = [];
  for (const pattern of patterns) {
    const matched = await listFiles([pattern], cwd);
    if (matched.length === 0) throw new TestDatabasesError('NO_FILES', `\`hashFiles\` pattern ${JSON.stringify(pattern)} names no file (relative to ${cwd})`);
    files.push(...matched);
  }
  for (const file of [...new Set(files)].sort()) {
    const name = isAbsolute(file) ? relative(cwd, file).split(sep).join('/') : file;
    const content = await readFile(file).catch((error: unknown) => {
      throw new TestDatabasesError('NO_FILES', `Cannot read ${file} to hash it`, { cause: error });
    });
    hash.update(`${name}\0${content.length}\0`).update(content);
  }
  return { hash: hash.digest('hex'), files: [...new Set(files)].sort() };
}

/** Every regular file at or under `path` (a file itself: just it), absolute; nothing when it does not exist. */
async function walk(path: string): Promise<string[]> {
  const stats = await stat(path).catch(() => null);
  if (stats === null) return [];
  if (!stats.isDirectory()) return stats.isFile() ? [path] : [];
  const files: string[] = [];
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) files.push(...(await walk(child)));
    else if (entry.isFile() || entry.isSymbolicLink()) files.push(...(await walk(child)));
  }
  return files;
}

/** A glob over `/`-separated relative paths as a RegExp (`**` also matches no folder at all). */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const slashAfter = glob[i + 2] === '/';
        source += slashAfter ? '(?:.*/)?' : '.*';
        i += slashAfter ? 2 : 1;
      } else source += '[^/]*';
    } else if (c === '?') source += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end === -1) source += '\\[';
      else {
        const body = glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\');
        source += `[${body}]`;
        i = end;
      }
    } else if (c === '{') {
      const end = glob.indexOf('}', i + 1);
      if (end === -1) source += '\\{';
      else {
        source += `(?:${glob.slice(i + 1, end).split(',').map(escapeRegExp).join('|')})`;
        i = end;
      }
    } else source += escapeRegExp(c);
  }
  return new RegExp(`^${source}$`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
