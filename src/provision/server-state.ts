import type pg from 'pg';
import { resolveTarget, type ProvisionTarget } from './provision-target.js';

/** The charm's `state`: `standalone`, `master` (a primary with standbys) or `hot standby`. */
export type ServerState = 'standalone' | 'master' | 'hot standby';

/**
 * `hot standby` when the server is in recovery (`pg_is_in_recovery()`), `master` when it is not
 * and at least one standby streams from it (`pg_stat_replication`, base backups not counted),
 * `standalone` otherwise.
 */
export async function serverState(target: ProvisionTarget): Promise<ServerState> {
  const server = await resolveTarget(target);
  const client = await server.connect();
  try {
    return await readServerState(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The state, read through an open superuser session. */
export async function readServerState(client: pg.Client): Promise<ServerState> {
  const { rows } = await client.query<{ recovery: boolean; standbys: number }>(
    "SELECT pg_is_in_recovery() AS recovery, (SELECT count(*)::int FROM pg_stat_replication WHERE state IS DISTINCT FROM 'backup') AS standbys",
  );
  const row = rows[0]!;
  if (row.recovery) return 'hot standby';
  return row.standbys > 0 ? 'master' : 'standalone';
}
