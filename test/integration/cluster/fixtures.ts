// Shared setup for the Cluster integration tests: faux installations from a bin directory (the
// way py-postgresql allows), temporary folders under /tmp/pgct-*, and cleanup of what a test made.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { Cluster, type ClusterInstallation, type ClusterOptions } from '../../../src/cluster/index.js';
import { makeTempDir, npmBindir, systemBindir } from '../../helpers/scratch-server.js';

export const isRoot = process.getuid?.() === 0;

/** An installation made from a dictionary of paths: only what Cluster uses. */
export function fauxInstallation(bindir: string, major: number): ClusterInstallation {
  const program = (name: string) => (existsSync(join(bindir, name)) ? join(bindir, name) : null);
  return {
    version: `PostgreSQL ${major}`,
    versionInfo: { major },
    paths: {
      bindir,
      initdb: program('initdb'),
      postgres: program('postgres'),
      pg_ctl: program('pg_ctl'),
      pg_controldata: program('pg_controldata'),
      psql: program('psql'),
    },
  };
}

export function systemInstallation(): ClusterInstallation {
  return fauxInstallation(systemBindir(), 15);
}

export function npmInstallation(major: 13 | 14 | 16 | 17 | 18): ClusterInstallation {
  return fauxInstallation(npmBindir(major), major);
}

/** Settings for a private server: Unix socket in `socketDir` only, no TCP, no fsync. */
export function privateSettings(socketDir: string, extra: Record<string, string | number | boolean> = {}): Record<string, string | number | boolean> {
  return { listen_addresses: '', unix_socket_directories: socketDir, fsync: false, ...extra };
}

export interface Workspace {
  root: string;
  dataDirectory: string;
  socketDir: string;
  cluster: Cluster;
  settings: Record<string, string | number | boolean>;
  cleanup(): Promise<void>;
}

/** A fresh folder with a (not yet initialized) cluster in it. `cleanup` stops the server and removes everything. */
export function workspace(installation: ClusterInstallation = systemInstallation(), options: ClusterOptions = {}): Workspace {
  const root = makeTempDir();
  const dataDirectory = join(root, 'data');
  const cluster = new Cluster(installation, dataDirectory, options);
  // A socket folder that does not exist yet: the Cluster creates it for the server's user (it
  // never hands over an existing one).
  const socketDir = join(root, 'sock');
  return {
    root,
    dataDirectory,
    socketDir,
    cluster,
    settings: privateSettings(socketDir),
    async cleanup() {
      await cluster.stop({ mode: 'immediate', timeout: 5_000 }).catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
      rmSync(`${dataDirectory}.log`, { force: true });
    },
  };
}

export const quickInit = { user: 'postgres', authLocal: 'trust', encoding: 'UTF8', locale: 'C', noSync: true } as const;

/** A faux installation whose `postgres` is one of the fake programs in test/fixtures/control. */
export function fakeServerInstallation(program: 'never-ready-postgres' | 'stubborn-postgres' | 'failing-postgres'): ClusterInstallation {
  const real = systemInstallation();
  return { ...real, paths: { ...real.paths, postgres: join(process.cwd(), 'test', 'fixtures', 'control', program) } };
}

/** Makes `dataDirectory` look initialized (PG_VERSION, postgresql.conf, base, pg-cluster's marker), owned by the server's user. */
export async function fakeDataDirectory(dataDirectory: string): Promise<void> {
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const { chownTree, resolveRunAs } = await import('../../../src/control/index.js');
  mkdirSync(join(dataDirectory, 'base'), { recursive: true, mode: 0o700 });
  writeFileSync(join(dataDirectory, 'PG_VERSION'), '15\n');
  writeFileSync(join(dataDirectory, 'postgresql.conf'), '');
  await chownTree(dataDirectory, await resolveRunAs());
  const { writeClusterMarker } = await import('../../../src/cluster/index.js');
  await writeClusterMarker(dataDirectory);
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A `workspace()` that is cleaned up after each test of the calling file (registers the
 * `afterEach` hook once per call: call it at the top level of a test file).
 */
export function useWorkspaces(): (...args: Parameters<typeof workspace>) => Workspace {
  const made: Workspace[] = [];
  afterEach(async () => {
    for (const w of made.splice(0)) await w.cleanup();
  });
  return (...args) => {
    const w = workspace(...args);
    made.push(w);
    return w;
  };
}

/** The error a promise rejects with; a fulfilled promise fails the test. */
export async function rejection(promise: Promise<unknown>): Promise<any> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}
