// Walking a configuration file and what it includes, in the order the server reads them
// (ParseConfigFile / ParseConfigFp / ParseConfigDirectory in guc-file.l).
import { readdir, stat } from 'node:fs/promises';
import { isSymlink, readFileNoFollow, type SymlinkOptions } from '../fs/regular-file.js';
import { SymlinkedFileError } from '../fs/symlinked-file-error.js';
import { decodeFileBytes } from '../fs/text-encoding.js';
import type { ConfigEncoding } from './config-encoding.js';
import { type ParsedLine, parseConfigLine, splitConfigLines } from './config-line.js';
import { canonicalizeConfigPath, joinConfigPath, locateConfigFile } from './config-paths.js';

/** The server's own limit on include nesting (CONF_FILE_MAX_DEPTH). */
export const MAX_INCLUDE_DEPTH = 10;

export type ConfigFileErrorCode =
  | 'CONFIG_SYNTAX_ERROR'
  | 'CONFIG_INCLUDE_NOT_FOUND'
  | 'CONFIG_INCLUDE_DIR_NOT_FOUND'
  | 'CONFIG_INCLUDE_DEPTH_EXCEEDED'
  | 'CONFIG_INCLUDE_RECURSION'
  | 'CONFIG_INCLUDE_EMPTY_NAME'
  | 'CONFIG_INCLUDE_STAT_FAILED'
  | 'CONFIG_INCLUDE_READ_FAILED'
  /** Ours, not the server's: an included file or folder is a symbolic link, and `followSymlinks` is off. */
  | 'CONFIG_INCLUDE_IS_SYMLINK';

/** One row of what the server reads: an assignment, or an error (name and value null). */
export interface ConfigFileEntry {
  /** Position in reading order, from 1 (`pg_file_settings.seqno`). */
  seqno: number;
  /** Absolute path of the file (null only when the main file itself cannot be opened). */
  file: string | null;
  /** Line number as the server reports it (`pg_file_settings.sourceline`). */
  line: number;
  /** The name as written. */
  name: string | null;
  /** The name folded to lower case, as the server compares names. */
  key: string | null;
  value: string | null;
  /** The server's error text (`pg_file_settings.error`), or null. */
  error: string | null;
  code: ConfigFileErrorCode | null;
  /** Whether this assignment is the last one for its name (the one that takes effect). */
  isEffective: boolean;
}

/** The newest behaviour, used when no version is given. */
export const NEWEST_MAJOR = 18;

/** What a walk finds: an entry, plus the line of the top file that led to it. */
export interface WalkEntry {
  entry: Omit<ConfigFileEntry, 'seqno' | 'isEffective'>;
  via: ParsedLine | undefined;
}

/** How the walk reads the file system: text, folder listings and whether a path is a folder. */
export interface ConfigReader {
  /** The file's text and the encoding it was read with, or an error code such as `ENOENT`. */
  read(path: string): Promise<{ text: string; encoding: ConfigEncoding } | { code: string }>;
  /** Names in the folder, or an error code. */
  list(path: string): Promise<string[] | { code: string }>;
  /** Whether the path is a directory, or an error code. */
  isDirectory(path: string): Promise<boolean | { code: string }>;
}

/** The code a reader gives for a symbolic link it does not follow. */
export const SYMLINK_CODE = 'FILE_IS_SYMLINK';

const failure = (error: unknown): { code: string } => ({ code: error instanceof SymlinkedFileError ? SYMLINK_CODE : ((error as NodeJS.ErrnoException).code ?? 'EIO') });

/**
 * Reads the file system, without following a symbolic link (a file or an include_dir folder)
 * unless `followSymlinks`: the folders a server's files are in may be writable by its OS user,
 * who could point a link at a file only root can read.
 */
export function fileConfigReader(options: SymlinkOptions = {}): ConfigReader {
  return {
    read: (path) => readFileNoFollow(path, options).then(decodeFileBytes, failure),
    list: async (path) => (!options.followSymlinks && (await isSymlink(path)) ? { code: SYMLINK_CODE } : readdir(path).catch(failure)),
    isDirectory: (path) => stat(path).then((s) => s.isDirectory(), failure),
  };
}

function isBlankName(name: string): boolean {
  return /^[ \t\r\n]*$/.test(name);
}

export class ConfigWalk {
  readonly found: WalkEntry[] = [];
  readonly files: string[] = [];
  private via: ParsedLine | undefined;

  constructor(
    private readonly reader: ConfigReader,
    private readonly options: { abandonOnError: boolean; major?: number; top?: { path: string; lines: ParsedLine[] } },
  ) {}

  private get major(): number {
    return this.options.major ?? NEWEST_MAJOR;
  }

  private error(code: ConfigFileErrorCode, error: string, file: string | null, line: number): void {
    this.found.push({ entry: { file, line, name: null, key: null, value: null, error, code }, via: this.via });
  }

  /** ParseConfigFile: returns false when something went wrong (as the server's OK flag). */
  async file(location: string, strict: boolean, calling: { file: string; line: number } | null, depth: number): Promise<boolean> {
    const callingFile = calling?.file ?? null;
    const callingLine = calling?.line ?? 0;
    if (isBlankName(location)) {
      this.error('CONFIG_INCLUDE_EMPTY_NAME', 'empty configuration file name', callingFile, callingLine);
      return false;
    }
    if (depth > MAX_INCLUDE_DEPTH) {
      this.error('CONFIG_INCLUDE_DEPTH_EXCEEDED', 'nesting depth exceeded', callingFile, callingLine);
      return false;
    }
    const path = callingFile === null ? location : locateConfigFile(location, callingFile, this.major);
    if (callingFile !== null && path === callingFile) {
      this.error('CONFIG_INCLUDE_RECURSION', 'configuration file recursion', callingFile, callingLine);
      return false;
    }
    let lines: ParsedLine[];
    const top = this.options.top;
    if (top !== undefined && depth === 0 && path === top.path) {
      lines = top.lines;
    } else {
      const read = await this.reader.read(path);
      if ('code' in read && read.code === SYMLINK_CODE) {
        // The main file (or postgresql.auto.conf) is refused outright; an include is reported.
        if (callingFile === null) throw new SymlinkedFileError(path);
        this.error('CONFIG_INCLUDE_IS_SYMLINK', `configuration file "${path}" is a symbolic link, not followed`, callingFile, callingLine);
        return false;
      }
      if ('code' in read && read.code === 'EISDIR') {
        // The server opens a folder as a file, and its scanner then fails to read it.
        this.error('CONFIG_INCLUDE_READ_FAILED', 'input in flex scanner failed', path, 1);
        return false;
      }
      if ('code' in read) {
        if (!strict) return true;
        this.error('CONFIG_INCLUDE_NOT_FOUND', `could not open file "${path}"`, callingFile, callingLine);
        return false;
      }
      lines = splitConfigLines(read.text).map((l) => parseConfigLine(l.text, l.eol, read.encoding));
    }
    this.files.push(path);
    return this.lines(path, lines, depth);
  }

  /** ParseConfigFp over parsed lines. */
  private async lines(path: string, lines: ParsedLine[], depth: number): Promise<boolean> {
    let isOk = true;
    for (let index = 0; index < lines.length; index++) {
      const line = lines[index]!;
      const number = index + 1;
      if (depth === 0) this.via = line;
      if (line.kind === 'invalid') {
        // "near end of line" at the end of a file without a final newline is reported one line
        // early by the server (its line counter moves on newlines only).
        const reported = line.error?.token === undefined && line.eol === '' ? number - 1 : number;
        this.error('CONFIG_SYNTAX_ERROR', 'syntax error', path, reported);
        isOk = false;
        if (this.options.abandonOnError) break;
        continue;
      }
      const assignment = line.kind === 'assignment' ? line.assignment : undefined;
      if (assignment === undefined) continue;
      const calling = { file: path, line: number };
      switch (assignment.directive) {
        case 'include_dir':
          if (!(await this.directory(assignment.value, calling, depth + 1))) isOk = false;
          break;
        case 'include_if_exists':
          if (!(await this.file(assignment.value, false, calling, depth + 1))) isOk = false;
          break;
        case 'include':
          if (!(await this.file(assignment.value, true, calling, depth + 1))) isOk = false;
          break;
        default:
          this.found.push({
            entry: { file: path, line: number, name: assignment.name, key: assignment.key, value: assignment.value, error: null, code: null },
            via: this.via,
          });
      }
      if (depth === 0) this.via = undefined;
    }
    return isOk;
  }

  /** ParseConfigDirectory: the folder's `*.conf` files (not hidden), in byte order. */
  private async directory(location: string, calling: { file: string; line: number }, depth: number): Promise<boolean> {
    if (isBlankName(location)) {
      this.error('CONFIG_INCLUDE_EMPTY_NAME', 'empty configuration directory name', calling.file, calling.line);
      return false;
    }
    const folder = locateConfigFile(location, calling.file, this.major);
    const names = await this.reader.list(folder);
    if (!Array.isArray(names) && names.code === SYMLINK_CODE) {
      this.error('CONFIG_INCLUDE_IS_SYMLINK', `configuration directory "${folder}" is a symbolic link, not followed`, calling.file, calling.line);
      return false;
    }
    if (!Array.isArray(names)) {
      this.error('CONFIG_INCLUDE_DIR_NOT_FOUND', `could not open directory "${folder}"`, calling.file, calling.line);
      return false;
    }
    const files: string[] = [];
    for (const name of names) {
      if (name.length < 6 || name.startsWith('.') || !name.endsWith('.conf')) continue;
      const path = canonicalizeConfigPath(joinConfigPath(folder, name), this.major);
      const isDirectory = await this.reader.isDirectory(path);
      if (typeof isDirectory !== 'boolean') {
        this.error('CONFIG_INCLUDE_STAT_FAILED', `could not stat file "${path}"`, calling.file, calling.line);
        return false;
      }
      if (!isDirectory) files.push(path);
    }
    files.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const path of files) {
      if (!(await this.file(path, true, calling, depth))) return false;
    }
    return true;
  }
}
