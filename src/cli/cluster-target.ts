import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { Cluster, defaultInstallation, type Installation } from '../index.js';
import type { CliIo } from './cli-io.js';
import { NoSuchClusterError } from './no-such-cluster-error.js';
import { UsageError } from './usage-error.js';

/** What a `<cluster>` argument names, before anything is read. */
export interface ClusterSpec {
  /** `debian`: `<major>/<name>` with `/etc/postgresql/<major>/<name>`; `path`: a data directory; `named`: one of ours. */
  kind: 'debian' | 'path' | 'named';
  /** The argument as given. */
  spec: string;
  /** The data directory (for `debian`, found when the cluster is opened). */
  dataDirectory: string | null;
}

/** The folder of pg-cluster's own persistent clusters: `$XDG_DATA_HOME/pg-cluster/clusters`, else `~/.local/share/pg-cluster/clusters`. */
export function namedClustersFolder(env: CliIo['env']): string {
  const dataHome = env['XDG_DATA_HOME'] !== undefined && env['XDG_DATA_HOME'] !== '' ? env['XDG_DATA_HOME'] : join(env['HOME'] || homedir(), '.local', 'share');
  return join(dataHome, 'pg-cluster', 'clusters');
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/**
 * Reads a `<cluster>` argument: `<major>/<name>` when `/etc/postgresql/<major>/<name>` exists (a
 * Debian cluster), else a path (absolute, or relative to the working directory) when it
 * contains a `/`, else the name of one of our clusters in {@link namedClustersFolder}.
 */
export async function readClusterSpec(spec: string | undefined, io: CliIo, command: string, debianRoot = '/etc/postgresql'): Promise<ClusterSpec> {
  if (spec === undefined || spec === '') throw new UsageError('expects a <cluster>: <major>/<name> (Debian), a data directory path, or a name', command);
  if (/^\d+\/[^/]+$/.test(spec) && (await isDirectory(join(debianRoot, spec)))) return { kind: 'debian', spec, dataDirectory: null };
  if (spec.includes('/')) return { kind: 'path', spec, dataDirectory: resolve(spec) };
  if (!NAME.test(spec)) throw new UsageError(`\`${spec}\` is no cluster name (letters, digits, _ . -, at most 63, no leading punctuation) and no path (a path contains a /: ./${spec})`, command);
  return { kind: 'named', spec, dataDirectory: join(namedClustersFolder(io.env), spec) };
}

/**
 * The Cluster a `<cluster>` argument names, on the installation of its major version
 * (`PG_VERSION`); NoSuchClusterError when there is none there.
 */
export async function openCluster(spec: string | undefined, io: CliIo, command: string): Promise<Cluster> {
  const target = await readClusterSpec(spec, io, command);
  if (target.kind === 'debian') {
    const [major = '', name = ''] = target.spec.split('/');
    // TODO(cli-lib merge): Cluster.fromDebian(major, name).
    return (Cluster as unknown as { fromDebian(major: string, name: string): Promise<Cluster> }).fromDebian(major, name);
  }
  const dataDirectory = target.dataDirectory!;
  const version = await readFile(join(dataDirectory, 'PG_VERSION'), 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return null;
    throw error;
  });
  if (version === null) throw new NoSuchClusterError(target.spec, dataDirectory, `${dataDirectory} is no data directory (no PG_VERSION)`);
  const major = Number.parseInt(version.trim(), 10);
  const installation = await installationOf(major, target.spec);
  const cluster = new Cluster(installation, dataDirectory);
  if (!(await cluster.initialized())) throw new NoSuchClusterError(target.spec, dataDirectory, `${dataDirectory} is not a complete cluster`);
  return cluster;
}

/** The installation of `major` (PostgreSQL 10+: the major is the first number of PG_VERSION). */
async function installationOf(major: number, spec: string): Promise<Installation> {
  if (!Number.isInteger(major)) throw new NoSuchClusterError(spec, spec, 'its PG_VERSION holds no version');
  return defaultInstallation({ major });
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then((stats) => stats.isDirectory(), () => false);
}
