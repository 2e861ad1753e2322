import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write.js';

/**
 * The file pg-cluster puts in every data directory it creates (`Cluster.init`; a throwaway
 * cluster's copy of its template carries it). `drop()` removes only a directory that holds it
 * and `PG_VERSION`, unless `force: true`. PostgreSQL ignores it; `pg_basebackup` copies it.
 */
export const CLUSTER_MARKER_FILE = 'pg-cluster.json';

/**
 * Writes the marker into `dataDirectory` (atomically, mode 0600, owned by whoever owns the data
 * directory, so the server and `pg_basebackup` can read it). For a data directory made another
 * way that should count as ours from now on: a standby made with `pg_basebackup`, say.
 */
export async function writeClusterMarker(dataDirectory: string): Promise<void> {
  const folder = await lstat(dataDirectory);
  const text = `${JSON.stringify({ createdBy: 'pg-cluster', createdAt: new Date().toISOString() })}\n`;
  await writeFileAtomic(join(dataDirectory, CLUSTER_MARKER_FILE), text, { mode: 0o600, uid: folder.uid, gid: folder.gid });
}

/** Whether `dataDirectory` holds the marker (a regular file, not a link). */
export async function hasClusterMarker(dataDirectory: string): Promise<boolean> {
  const stats = await lstat(join(dataDirectory, CLUSTER_MARKER_FILE)).catch(() => null);
  return stats?.isFile() ?? false;
}
