// What reading an authentication file with the files it names gives, for pg_hba.conf and
// pg_ident.conf alike: options, diagnostics with their file, and entries in reading order.
import { resolve } from 'node:path';
import { expected } from '../errors.js';
import { readAuthFile } from './auth-file-io.js';
import type { SymlinkOptions } from '../fs/regular-file.js';
import { AuthFileWalk, fileAuthFileReader, type WalkedLine } from './auth-file-walk.js';
import { LATEST_MAJOR } from './auth-lexer.js';
import type { HbaDiagnostic } from './hba-rule.js';

/**
 * Without `followSymlinks`, a main file that is a symbolic link is refused with SymlinkedFileError,
 * and an `@file`, included file or folder that is one is an `AUTH_FILE_IS_SYMLINK` diagnostic.
 */
export interface ReadAuthFileSetOptions extends SymlinkOptions {
  /** The server's major version (default 18): includes are followed from 16 on, and messages differ. */
  major?: number;
  /**
   * Replace each bare `@file` token by the names listed in that file, as the server does (default
   * true). With false, `@file` values stay as written and `matchRule` asks about them.
   */
  expandFiles?: boolean;
}

/** A diagnostic of a file set: where it is, and why (see HbaDiagnosticCode). */
export interface AuthSetDiagnostic extends HbaDiagnostic {
  /** The file the line is in, as the server names it (pg_hba_file_rules.file_name). */
  file: string;
}

/**
 * Reads the file at `path` with the files it names, as the server does, into lines in reading
 * order. The main file itself must be readable, as for load(): the server does not start
 * without it (the promise rejects otherwise).
 */
export async function walkAuthFileSet(path: string, options: ReadAuthFileSetOptions): Promise<{ major: number; files: string[]; lines: WalkedLine[] }> {
  const { major, expandFiles } = checkSetOptions(path, options);
  const links = { followSymlinks: options.followSymlinks, linkAccess: options.linkAccess };
  const walk = new AuthFileWalk(fileAuthFileReader(links), { major, expandFiles });
  const main = resolve(path);
  const { text } = await readAuthFile(main, links);
  const lines = await walk.main(main, text);
  return { major, files: walk.files, lines };
}

/** Turns walked lines into entries, each line read by `interpret`. */
export function readWalkedLines<T>(
  lines: WalkedLine[],
  codes: { line: HbaDiagnostic['code']; regex: HbaDiagnostic['code'] },
  interpret: (line: WalkedLine) => { kind: 'item'; item: T } | { kind: 'invalid'; message: string; offset: number; isRegex?: boolean; isSilent?: boolean } | { kind: 'none' },
): Array<{ kind: 'item'; item: T } | { kind: 'error'; diagnostic: AuthSetDiagnostic }> {
  const out: Array<{ kind: 'item'; item: T } | { kind: 'error'; diagnostic: AuthSetDiagnostic }> = [];
  for (const line of lines) {
    const place = { file: line.file, line: line.line, raw: line.raw };
    if (line.error) {
      out.push({ kind: 'error', diagnostic: { code: line.error.code, ...place, column: line.error.column, message: line.error.message } });
      continue;
    }
    const read = interpret(line);
    if (read.kind === 'item') out.push(read);
    else if (read.kind === 'invalid') {
      const code = read.isRegex ? codes.regex : codes.line;
      out.push({ kind: 'error', diagnostic: { code, ...place, column: line.columnOf(read.offset), message: read.message, ...(read.isSilent ? { isSilent: true } : {}) } });
    }
  }
  return out;
}

/** Checks the options shared by readHbaFileSet and readIdentFileSet. */
export function checkSetOptions(path: unknown, options: ReadAuthFileSetOptions): { major: number; expandFiles: boolean } {
  if (typeof path !== 'string' || path === '') throw expected('path', 'a file path', path);
  const { major = LATEST_MAJOR, expandFiles = true } = options;
  if (!Number.isInteger(major) || major < 10) throw expected('major', 'a PostgreSQL major version (an integer, 10 or later)', major);
  if (typeof expandFiles !== 'boolean') throw expected('expandFiles', 'a boolean', expandFiles);
  return { major, expandFiles };
}
