// Reading a configuration file together with everything it includes, in the order the server
// reads them (ParseConfigFile / ParseConfigFp / ParseConfigDirectory in guc-file.l), and
// postgresql.auto.conf after it. The result lists what `pg_file_settings` lists: every
// assignment and every error, with the file and line it comes from.
import { dirname, join, resolve } from 'node:path';
import type { SymlinkOptions } from '../fs/regular-file.js';
import { type ConfigFileEntry, ConfigWalk, fileConfigReader, NEWEST_MAJOR, type WalkEntry } from './config-walk.js';

export interface ConfigFileSet {
  /** Every assignment and error, in the server's reading order. */
  entries: ConfigFileEntry[];
  /** The entries that are errors. With any, the server refuses to start or to apply a reload. */
  errors: ConfigFileEntry[];
  /** The effective setting for each name (lower case), with the file and line it comes from. */
  settings: Map<string, ConfigFileEntry>;
  /** The files that were read, in order. */
  files: string[];
}

/**
 * Without `followSymlinks`, a main file (or postgresql.auto.conf) that is a symbolic link is refused
 * with SymlinkedFileError, and an included one is a `CONFIG_INCLUDE_IS_SYMLINK` error entry.
 */
export interface ReadConfigFileSetOptions extends SymlinkOptions {
  /**
   * postgresql.auto.conf (ALTER SYSTEM), read after the main file when present. Default: the one
   * next to the main file. `null` reads none.
   */
  autoConfPath?: string | null;
  /**
   * The server's major version, for the one thing that differs between versions: before 15 the
   * server keeps `.` and `..` inside a relative include's path as written. Default: 15 and later.
   */
  major?: number;
}

/**
 * Reads `mainPath` and what it includes, then postgresql.auto.conf, as the server does and as
 * `pg_file_settings` shows it: like that view, a file is read only up to its first syntax
 * error, and an included file that cannot be read is an error entry of the including line.
 * A symbolic link is not followed unless `followSymlinks` (see ReadConfigFileSetOptions).
 */
export async function readConfigFileSet(mainPath: string, options: ReadConfigFileSetOptions = {}): Promise<ConfigFileSet> {
  const main = resolve(mainPath);
  const autoConfPath = options.autoConfPath === undefined ? join(dirname(main), 'postgresql.auto.conf') : options.autoConfPath;
  const reader = fileConfigReader({ followSymlinks: options.followSymlinks, linkAccess: options.linkAccess });
  const walk = new ConfigWalk(reader, { abandonOnError: true, major: options.major ?? NEWEST_MAJOR });
  const isMainOk = await walk.file(main, true, null, 0);
  // The server skips postgresql.auto.conf when the main file has errors.
  if (isMainOk && autoConfPath !== null) await walk.file(resolve(autoConfPath), false, null, 0);
  return finishConfigFileSet(walk.found, walk.files);
}

/** Numbers the entries and marks, for each name, the last assignment as the effective one. */
export function finishConfigFileSet(found: WalkEntry[], files: string[]): ConfigFileSet {
  const entries: ConfigFileEntry[] = found.map(({ entry }, index) => ({ ...entry, seqno: index + 1, isEffective: false }));
  const settings = new Map<string, ConfigFileEntry>();
  for (const entry of entries) if (entry.key !== null) settings.set(entry.key, entry);
  for (const entry of settings.values()) entry.isEffective = true;
  return { entries, errors: entries.filter((e) => e.error !== null), settings, files };
}
