import { findClusters, type FoundCluster } from '../index.js';
import type { CliCommand } from './cli-command.js';
import { exitCodes } from './cli-io.js';
import { formatTable } from './format-table.js';
import { readList } from './option-values.js';
import { jsonOption } from './print-result.js';

/**
 * `pg-cluster clusters`: findClusters() as pg_lsclusters shows Debian's (Ver Cluster Port Status
 * Owner Data directory Log file), with the other sources too; `--data <dir>` adds folders.
 */
export const clustersCommand: CliCommand = {
  name: 'clusters',
  summary: 'List the clusters on this machine (Debian, RHEL, Homebrew, Postgres.app, ours), as pg_lsclusters',
  usage: '[--data <dir>]... [--json]',
  options: [{ name: 'data', type: 'string', multiple: true, value: 'dir', description: 'Also describe this data directory (repeatable)' }, jsonOption],
  async run({ values }, io) {
    const data = readList(values, 'data', 'clusters');
    const found = await findClusters({ data, env: io.env });
    if (values.json === true) {
      io.stdout.write(`${JSON.stringify(found.map(toJson))}\n`);
      return exitCodes.ok;
    }
    io.stdout.write(formatClusters(found));
    for (const cluster of found) for (const problem of cluster.problems) io.stderr.write(`pg-cluster: ${cluster.dataDirectory}: ${problem}\n`);
    return exitCodes.ok;
  },
};

/** The table: pg_lsclusters' columns, the cluster's name (`-` where it has none) and where it was found. */
export function formatClusters(found: readonly FoundCluster[]): string {
  if (found.length === 0) return 'No cluster found.\n';
  const rows = found.map((cluster) => [
    cluster.major === null ? '?' : String(cluster.major),
    cluster.name ?? '-',
    String(cluster.port),
    cluster.status,
    cluster.owner ?? (cluster.ownerUid === null ? '?' : String(cluster.ownerUid)),
    cluster.dataDirectory,
    cluster.logFile ?? '-',
    cluster.source,
  ]);
  return `${formatTable(['Ver', 'Cluster', 'Port', 'Status', 'Owner', 'Data directory', 'Log file', 'Found'], rows)}\n`;
}

function toJson(cluster: FoundCluster): Record<string, unknown> {
  const { installation, ...rest } = cluster;
  return { ...rest, installation: installation === null ? null : { version: installation.version, bindir: installation.paths.bindir ?? null } };
}
