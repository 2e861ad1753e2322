// Reading an authentication file with the files it names, in the order the server reads them
// (hba.c, tokenize_auth_file): each line's `@file` tokens replaced by the tokens of that file
// (next_field_expand / tokenize_expand_file, every major), and from 16 on `include`,
// `include_if_exists` and `include_dir` lines replaced by the lines of the files they name
// (tokenize_include_file). What this yields is tokenized lines; HbaFileSet and IdentFileSet say
// what each one means.
import { readdir, stat } from 'node:fs/promises';
import { columnAt } from './auth-document.js';
import { isSymlink, readFileNoFollow, type SymlinkOptions } from '../fs/regular-file.js';
import { SymlinkedFileError } from '../fs/symlinked-file-error.js';
import { decodeFileBytes } from '../fs/text-encoding.js';
import { type AuthField, type AuthToken, joinLogicalLines, type LexedLine, lexLogicalLine, splitPhysicalLines } from './auth-lexer.js';
import { joinAuthPath, locateAuthFile } from './auth-paths.js';
import type { HbaDiagnosticCode } from './hba-rule.js';

/** CONF_FILE_MAX_DEPTH: from 16 on, files nested deeper than this are not opened. */
export const MAX_AUTH_FILE_DEPTH = 10;

/** A token with the file it was read from (the line's own file, or the `@file` that listed it). */
export interface SourcedToken extends AuthToken {
  source: string;
}

/** One line the server reads, after expansion: its tokens, or why it cannot be read. */
export interface WalkedLine {
  /** The file the line is written in, as the server names it. */
  file: string;
  /** 1-based line of its first physical line. */
  line: number;
  raw: string;
  /** The fields after `@file` expansion (a field an empty file emptied is gone, as for the server). */
  fields: Array<Omit<AuthField, 'tokens'> & { tokens: SourcedToken[] }>;
  /** The tokenized content, for the offsets of the fields. */
  lexed: LexedLine;
  /** The 1-based column of an offset into `lexed.content`. */
  columnOf(offset: number): number;
  /** A file the line names could not be read: the server's message, and the column of the token naming it. */
  error?: { message: string; code: HbaDiagnosticCode; column: number };
}

type FileError = { message: string; code: HbaDiagnosticCode; errno?: string };

/** How the walk reads the file system; a folder read as a file is `EISDIR`. */
export interface AuthFileReader {
  read(path: string): Promise<string | { code: string }>;
  list(path: string): Promise<string[] | { code: string }>;
  isDirectory(path: string): Promise<boolean | { code: string }>;
}

/** The code a reader gives for a symbolic link it does not follow. */
const SYMLINK_CODE = 'FILE_IS_SYMLINK';

const failure = (error: unknown): { code: string } => ({ code: error instanceof SymlinkedFileError ? SYMLINK_CODE : ((error as NodeJS.ErrnoException).code ?? 'EIO') });

/**
 * Reads the file system, without following a symbolic link (an `@file`, an included file or an
 * include_dir folder) unless `followSymlinks`: the folders these files are in may be writable by
 * the server's OS user, who could point a link at a file only root can read.
 */
export function fileAuthFileReader(options: SymlinkOptions = {}): AuthFileReader {
  return {
    read: (path) => readFileNoFollow(path, options).then((bytes) => decodeFileBytes(bytes).text, failure),
    list: async (path) => (!options.followSymlinks && (await isSymlink(path)) ? { code: SYMLINK_CODE } : readdir(path).catch(failure)),
    isDirectory: (path) => stat(path).then((s) => s.isDirectory(), failure),
  };
}

/** strerror's text (glibc) for the errors opening a file can give. */
const STRERROR: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  ENOTDIR: 'Not a directory',
  ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long',
  EMFILE: 'Too many open files',
  EIO: 'Input/output error',
};

const INCLUDE_KINDS = ['include', 'include_if_exists', 'include_dir'] as const;

export class AuthFileWalk {
  /** Every file read, in order: the main file, included files, `@file`s. */
  readonly files: string[] = [];

  constructor(
    private readonly reader: AuthFileReader,
    private readonly options: { major: number; expandFiles: boolean },
  ) {}

  /** Reads the main file's text (from `path`) and everything it leads to. */
  async main(path: string, text: string): Promise<WalkedLine[]> {
    this.files.push(path);
    return this.tokenize(path, text, 0, [path]);
  }

  /** tokenize_auth_file: the lines of one file at nesting `depth`; `chain` is the `@file` path that led here. */
  private async tokenize(path: string, text: string, depth: number, chain: string[]): Promise<WalkedLine[]> {
    const { major } = this.options;
    const out: WalkedLine[] = [];
    let number = 1;
    for (const logical of joinLogicalLines(splitPhysicalLines(text), { major })) {
      const { map, lexed } = lexLogicalLine(logical, { major });
      const line = number;
      number += logical.lineCount;
      const base = { file: path, line, raw: logical.text, lexed, columnOf: (offset: number) => columnAt(logical.text, map, offset) };
      // A line the tokenizer refused (a token too long before 16) stays, for the reader to report.
      if (lexed.error !== undefined) {
        out.push({ ...base, fields: [] });
        continue;
      }
      const expanded = await this.expandLine(lexed, path, depth, chain);
      if ('error' in expanded) {
        out.push({ ...base, fields: [], error: { message: expanded.error.message, code: expanded.error.code, column: base.columnOf(expanded.offset) } });
        continue;
      }
      const { fields } = expanded;
      // A line without tokens, even one whose @files were empty, is not a line for the server.
      if (fields.length === 0) continue;
      const first = fields[0]!.tokens[0]!.value;
      const include = major >= 16 && fields.length === 2 ? INCLUDE_KINDS.find((k) => k === first) : undefined;
      if (include === undefined) {
        out.push({ ...base, fields });
        continue;
      }
      const target = fields[1]!.tokens[0]!;
      const result = await this.include(include, target.value, path, depth);
      out.push(...result.lines);
      if (result.error) out.push({ ...base, fields: [], error: { message: result.error.message, code: result.error.code, column: base.columnOf(target.start) } });
    }
    return out;
  }

  /** next_field_expand: each field's tokens, a bare `@file` (not `"@file"`, not `@` alone) replaced by that file's tokens. */
  private async expandLine(
    lexed: LexedLine,
    path: string,
    depth: number,
    chain: string[],
  ): Promise<{ fields: WalkedLine['fields'] } | { error: FileError; offset: number }> {
    const fields: WalkedLine['fields'] = [];
    for (const field of lexed.fields) {
      const tokens: SourcedToken[] = [];
      for (const token of field.tokens) {
        if (!this.options.expandFiles || token.quoted || token.value.length < 2 || !token.value.startsWith('@')) {
          tokens.push({ ...token, source: path });
          continue;
        }
        const result = await this.expandFile(token.value.slice(1), path, depth + 1, chain);
        // The first error ends the line.
        if ('error' in result) return { error: result.error, offset: token.start };
        for (const t of result.tokens) tokens.push({ ...t, start: token.start, end: token.end });
      }
      if (tokens.length > 0) fields.push({ tokens, start: field.start, end: field.end });
    }
    return { fields };
  }

  /** tokenize_expand_file: every token of every line of the file (its own @files and, 16+, includes followed). */
  private async expandFile(name: string, callingFile: string, depth: number, chain: string[]): Promise<{ tokens: SourcedToken[] } | { error: FileError }> {
    const path = locateAuthFile(name, callingFile);
    const opened = await this.open(path, depth, { name, chain });
    if (typeof opened !== 'string') return { error: opened };
    const tokens: SourcedToken[] = [];
    for (const line of await this.tokenize(path, opened, depth, [...chain, path])) {
      // An error on any line of the file is the error of the line that named it.
      if (line.error) return { error: { message: line.error.message, code: line.error.code } };
      for (const field of line.fields) tokens.push(...field.tokens);
    }
    return { tokens };
  }

  /** The lines an include record stands for, and the error to report on the record's own line. */
  private async include(kind: (typeof INCLUDE_KINDS)[number], location: string, callingFile: string, depth: number): Promise<{ lines: WalkedLine[]; error?: FileError }> {
    if (kind !== 'include_dir') return this.includeFile(locateAuthFile(location, callingFile), depth + 1, kind === 'include_if_exists');
    // GetConfFilesInDir: the folder's `*.conf` files, not hidden, not folders, in byte order.
    const folder = locateAuthFile(location, callingFile);
    const names = await this.reader.list(folder);
    if (!Array.isArray(names) && names.code === SYMLINK_CODE) {
      return { lines: [], error: { message: `could not open directory "${folder}": it is a symbolic link, not followed`, code: 'AUTH_FILE_IS_SYMLINK' } };
    }
    if (!Array.isArray(names)) return { lines: [], error: { message: `could not open directory "${folder}"`, code: 'AUTH_DIRECTORY_UNREADABLE' } };
    const files: string[] = [];
    for (const name of names) {
      if (name.startsWith('.') || name.length < 6 || !name.endsWith('.conf')) continue;
      const path = joinAuthPath(folder, name);
      const isDirectory = await this.reader.isDirectory(path);
      if (typeof isDirectory !== 'boolean') return { lines: [], error: { message: `could not stat file "${path}"`, code: 'AUTH_DIRECTORY_UNREADABLE' } };
      if (!isDirectory) files.push(path);
    }
    files.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const lines: WalkedLine[] = [];
    const errors: FileError[] = [];
    for (const path of files) {
      const result = await this.includeFile(path, depth + 1, false);
      lines.push(...result.lines);
      if (result.error) errors.push(result.error);
    }
    // The errors of every file, one per line, on the include_dir record.
    if (errors.length === 0) return { lines };
    return { lines, error: { message: errors.map((e) => e.message).join('\n'), code: errors[0]!.code } };
  }

  /** tokenize_include_file. */
  private async includeFile(path: string, depth: number, isMissingOk: boolean): Promise<{ lines: WalkedLine[]; error?: FileError }> {
    const opened = await this.open(path, depth);
    if (typeof opened !== 'string') {
      if (isMissingOk && opened.errno === 'ENOENT') return { lines: [] };
      return { lines: [], error: opened };
    }
    return { lines: await this.tokenize(path, opened, depth, [path]) };
  }

  /** open_auth_file (16+) or tokenize_inc_file's opening (before 16): the text, or the server's error. */
  private async open(path: string, depth: number, at?: { name: string; chain: string[] }): Promise<string | FileError> {
    const { major } = this.options;
    if (major >= 16 && depth > MAX_AUTH_FILE_DEPTH) {
      return { message: `could not open file "${path}": maximum nesting depth exceeded`, code: 'AUTH_FILE_DEPTH_EXCEEDED' };
    }
    if (major < 16 && at && at.chain.includes(path)) {
      // The server has no limit before 16: it opens the file again and again until it runs out of
      // file descriptors and fails the whole read ("exceeded maxAllocatedDescs", 14 and 15), or
      // its backend crashes (13). Our own message: the server has none for the line.
      return { message: `@file recursion: "${path}" lists itself, and PostgreSQL ${major} cannot read the file`, code: 'AUTH_FILE_RECURSION' };
    }
    const text = await this.reader.read(path);
    if (typeof text !== 'string' && text.code === SYMLINK_CODE) {
      return { message: `could not open file "${path}": it is a symbolic link, not followed`, code: 'AUTH_FILE_IS_SYMLINK', errno: SYMLINK_CODE };
    }
    if (typeof text !== 'string' && text.code === 'EISDIR' && major <= 13) {
      // The server opens a folder as a file; up to 13 it reports the failed read.
      return { message: `could not read file "${path}": Is a directory`, code: 'AUTH_FILE_UNREADABLE', errno: 'EISDIR' };
    }
    if (typeof text === 'string' || text.code === 'EISDIR') {
      // The server opens a folder as a file and (from 14 on) reads nothing from it.
      this.files.push(path);
      return typeof text === 'string' ? text : '';
    }
    const reason = STRERROR[text.code] ?? text.code;
    const message =
      major >= 16 || at === undefined
        ? `could not open file "${path}": ${reason}`
        : `could not open secondary authentication file "@${at.name}" as "${path}": ${reason}`;
    return { message, code: 'AUTH_FILE_UNREADABLE', errno: text.code };
  }
}
