import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { resolveSqlFiles, SqlFileError } from '../sql/index.js';
import { TestDatabasesError } from './test-databases-error.js';

/**
 * sha256 over the files' paths (relative to `cwd`) and contents: what keys a migrated template.
 * Each pattern is what `loadSql` takes (a file, a folder's `*.sql` files, a glob such as
 * `seeds/**` for every file under `seeds`). A pattern that names no file is an error: a typo would otherwise key the template on nothing.
 */
export async function hashFiles(patterns: readonly string[], cwd: string = process.cwd()): Promise<{ hash: string; files: string[] }> {
  const files = new Set<string>();
  for (const pattern of patterns) {
    // `dir/**` names every file under `dir` (for resolveSqlFiles, `**` stands for folders only).
    const glob = pattern.endsWith('/**') || pattern === '**' ? `${pattern}/*` : pattern;
    const matched = await resolveSqlFiles(glob, { cwd }).catch((error: unknown) => {
      if (error instanceof SqlFileError) throw new TestDatabasesError('NO_FILES', `\`hashFiles\` entry ${JSON.stringify(pattern)} names no file (relative to ${cwd})`, { cause: error });
      throw error;
    });
    for (const file of matched) files.add(file);
  }
  const sorted = [...files].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const hash = createHash('sha256');
  for (const file of sorted) {
    const content = await readFile(file).catch((error: unknown) => {
      throw new TestDatabasesError('NO_FILES', `Cannot read ${file} to hash it`, { cause: error });
    });
    hash.update(`${relative(cwd, file).split(sep).join('/')}\0${content.length}\0`).update(content);
  }
  return { hash: hash.digest('hex'), files: sorted };
}
