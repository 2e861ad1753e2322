// pg-cluster's own persistent clusters (`pg-cluster create app`): one data directory per name in a
// folder of ours, as the XDG base directory specification places an application's data.
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { expected } from '../errors.js';

export interface PersistentClustersOptions {
  /** Where XDG_DATA_HOME is read. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** The home directory. Default `os.homedir()`. */
  home?: string;
}

/**
 * The folder of pg-cluster's persistent clusters: `$XDG_DATA_HOME/pg-cluster/clusters` when
 * XDG_DATA_HOME is an absolute path (the specification ignores a relative one), else
 * `~/.local/share/pg-cluster/clusters`. Nothing is created.
 */
export function persistentClustersDirectory(options: PersistentClustersOptions = {}): string {
  const { env = process.env, home = homedir() } = options;
  const xdg = env['XDG_DATA_HOME'];
  const base = xdg !== undefined && isAbsolute(xdg) ? xdg : join(home, '.local', 'share');
  return join(base, 'pg-cluster', 'clusters');
}

/** Whether `name` can name a persistent cluster: letters, digits, `.`, `_`, `-`, not starting with `.` or `-`, at most 64 characters. */
export function isPersistentClusterName(name: unknown): name is string {
  return typeof name === 'string' && /^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/.test(name);
}

/** The data directory of the persistent cluster `name` (InvalidArgumentError for a name that is no plain folder name). */
export function persistentClusterPath(name: string, options: PersistentClustersOptions = {}): string {
  if (!isPersistentClusterName(name)) throw expected('name', 'a cluster name (letters, digits, `.`, `_`, `-`; not starting with `.` or `-`; at most 64 characters)', name);
  return join(persistentClustersDirectory(options), name);
}
