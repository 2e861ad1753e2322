import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  Cluster,
  ClusterNotInitializedError,
  DebianClusterError,
  installationForDataDirectory,
  isPersistentClusterName,
  persistentClusterPath,
  persistentClustersDirectory,
} from '../index.js';
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

/** The folder of pg-cluster's own persistent clusters (see persistentClustersDirectory()), with the command's environment. */
export function namedClustersFolder(env: CliIo['env']): string {
  return persistentClustersDirectory({ env });
}

/** Where Debian keeps its clusters' configuration: $PG_CLUSTER_CONF_ROOT (as postgresql-common), else /etc/postgresql. */
function debianConfigRoot(env: CliIo['env']): string {
  return env['PG_CLUSTER_CONF_ROOT'] || '/etc/postgresql';
}

/**
 * Reads a `<cluster>` argument: `<major>/<name>` when `/etc/postgresql/<major>/<name>` exists (a
 * Debian cluster), else a path (absolute, or relative to the working directory) when it
 * contains a `/`, else the name of one of our clusters in {@link namedClustersFolder}.
 */
export async function readClusterSpec(spec: string | undefined, io: CliIo, command: string): Promise<ClusterSpec> {
  if (spec === undefined || spec === '') throw new UsageError('expects a <cluster>: <major>/<name> (Debian), a data directory path, or a name', command);
  if (/^\d+\/[^/]+$/.test(spec) && (await isDirectory(join(debianConfigRoot(io.env), spec)))) return { kind: 'debian', spec, dataDirectory: null };
  if (spec.includes('/')) return { kind: 'path', spec, dataDirectory: resolve(spec) };
  if (!isPersistentClusterName(spec)) {
    throw new UsageError(`\`${spec}\` is no cluster name (letters, digits, _ . -, not starting with . or -, at most 64) and no path (a path contains a /: ./${spec})`, command);
  }
  return { kind: 'named', spec, dataDirectory: persistentClusterPath(spec, { env: io.env }) };
}

export interface OpenClusterOptions {
  /** A Debian cluster: start or stop it even while its systemd unit is active. */
  force?: boolean;
}

/**
 * The Cluster a `<cluster>` argument names: a Debian one as pg_ctlcluster runs it
 * (Cluster.fromDebian), else the data directory on the installation of its major version
 * (`PG_VERSION`). NoSuchClusterError when there is none there.
 */
export async function openCluster(spec: string | undefined, io: CliIo, command: string, options: OpenClusterOptions = {}): Promise<Cluster> {
  const target = await readClusterSpec(spec, io, command);
  if (target.kind === 'debian') {
    const [major = '', name = ''] = target.spec.split('/');
    try {
      return await Cluster.fromDebian(major, name, { debianConfigRoot: debianConfigRoot(io.env), ...(options.force === true ? { force: true } : {}) });
    } catch (error) {
      if (error instanceof DebianClusterError && error.code === 'CLUSTER_NOT_FOUND') throw new NoSuchClusterError(target.spec, join(debianConfigRoot(io.env), target.spec), error.message);
      throw error;
    }
  }
  const dataDirectory = target.dataDirectory!;
  let installation;
  try {
    installation = await installationForDataDirectory(dataDirectory);
  } catch (error) {
    if (error instanceof ClusterNotInitializedError) throw new NoSuchClusterError(target.spec, dataDirectory, `${dataDirectory} is no data directory (no PG_VERSION)`);
    throw error;
  }
  const cluster = new Cluster(installation, dataDirectory);
  if (!(await cluster.initialized())) throw new NoSuchClusterError(target.spec, dataDirectory, `${dataDirectory} is not a complete cluster`);
  return cluster;
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then((stats) => stats.isDirectory(), () => false);
}
