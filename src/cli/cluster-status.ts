import type { Cluster, SettingDescription } from '../index.js';

/** What `pg-cluster status` reports (and `--json` prints): pg_lsclusters' `online`/`down` and where things are. */
export interface ClusterStatus {
  status: 'online' | 'down';
  /** The postmaster's pid; null when down. */
  pid: number | null;
  /** The port it listens on (running: from postmaster.pid; down: postgresql.conf's `port`, else 5432). */
  port: number;
  /** The first socket directory (running: from postmaster.pid; down: postgresql.conf's, else the build's default; null: no socket). */
  socketDirectory: string | null;
  dataDirectory: string;
  /** The folder of the configuration files when they are not in the data directory (Debian's /etc/postgresql/…), else null. */
  configDirectory: string | null;
  logFile: string;
  /** The major version of the data directory, e.g. `15`. */
  version: string;
}

/** Reads a cluster's status: running or not, and where it listens. */
export async function readClusterStatus(cluster: Cluster): Promise<ClusterStatus> {
  const lock = (await cluster.running()) ? await cluster.postmaster() : null;
  const common = {
    dataDirectory: cluster.dataDirectory,
    configDirectory: cluster.configDirectory,
    logFile: cluster.logPath,
    version: String(cluster.installation.versionInfo.major),
  };
  if (lock !== null) return { status: 'online', pid: lock.pid, port: lock.port, socketDirectory: lock.socketDirectory, ...common };
  const { port, unix_socket_directories: sockets } = await cluster.settings.getset(['port', 'unix_socket_directories']);
  const first = (sockets ?? (await compiledDefault(cluster, 'unix_socket_directories')) ?? '').split(',')[0]?.trim().replace(/^'(.*)'$/, '$1') ?? '';
  return { status: 'down', pid: null, port: port === undefined ? 5432 : Number(port), socketDirectory: first === '' ? null : first, ...common };
}

/** A setting's compiled-in default (`postgres --describe-config`), or null when it cannot be read. */
async function compiledDefault(cluster: Cluster, name: string): Promise<string | null> {
  const installation = cluster.installation as { describeSettings?: () => Promise<readonly SettingDescription[]> };
  if (installation.describeSettings === undefined) return null;
  const described = await installation.describeSettings().catch(() => []);
  return described.find((setting) => setting.name === name)?.bootValue ?? null;
}

/** The status as aligned `name: value` lines, `online`/`down` first. */
export function formatClusterStatus(status: ClusterStatus): string {
  const lines: Array<[string, string]> = [
    ['pid', status.pid === null ? '-' : String(status.pid)],
    ['port', String(status.port)],
    ['socket directory', status.socketDirectory ?? '(none)'],
    ['data directory', status.dataDirectory],
    ...(status.configDirectory === null ? [] : [['config directory', status.configDirectory] as [string, string]]),
    ['log file', status.logFile],
    ['version', status.version],
  ];
  return `${status.status}\n${lines.map(([name, value]) => `  ${`${name}:`.padEnd(18)}${value}\n`).join('')}`;
}
