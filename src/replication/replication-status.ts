import { resolveTarget, type ProvisionTarget } from '../provision/provision-target.js';

/** One standby as the primary sees it (a row of `pg_stat_replication`, base backups left out). */
export interface StandbyStatus {
  /** Its `application_name`. */
  name: string;
  /** The WAL sender's state: `startup`, `catchup`, `streaming`, `stopping`. */
  state: string;
  /** WAL positions (`0/3000148`), null until the standby reported them. */
  sentLsn: string | null;
  writeLsn: string | null;
  flushLsn: string | null;
  replayLsn: string | null;
  /**
   * Milliseconds between a commit's flush on the primary and its write / flush / replay on the
   * standby, as the standby last reported; null when there is nothing to measure (no recent WAL:
   * PostgreSQL sets them back to null once the standby has caught up and the primary is idle).
   */
  writeLag: number | null;
  flushLag: number | null;
  replayLag: number | null;
  /** `async`, `potential`, `sync` or `quorum` (`sync_state`). */
  sync: 'async' | 'potential' | 'sync' | 'quorum';
  /** The WAL sender's pid on the primary. */
  pid: number;
  /** The standby's address; null over a Unix socket. */
  clientAddress: string | null;
  /** The replication slot it streams through, or null. */
  slot: string | null;
}

/** The standbys streaming from `primary` (a Cluster or superuser ConnectionInfo), ordered by name. */
export async function replicationStatus(primary: ProvisionTarget): Promise<StandbyStatus[]> {
  const server = await resolveTarget(primary);
  const client = await server.connect();
  try {
    const { rows } = await client.query<{
      name: string; state: string; sent: string | null; write: string | null; flush: string | null; replay: string | null;
      write_lag: number | null; flush_lag: number | null; replay_lag: number | null; sync: StandbyStatus['sync']; pid: number; address: string | null; slot: string | null;
    }>(
      `SELECT r.application_name AS name, r.state, r.sent_lsn::text AS sent, r.write_lsn::text AS write, r.flush_lsn::text AS flush, r.replay_lsn::text AS replay,
              (extract(epoch FROM r.write_lag) * 1000)::float8 AS write_lag, (extract(epoch FROM r.flush_lag) * 1000)::float8 AS flush_lag,
              (extract(epoch FROM r.replay_lag) * 1000)::float8 AS replay_lag, r.sync_state AS sync, r.pid, host(r.client_addr) AS address,
              (SELECT s.slot_name::text FROM pg_replication_slots s WHERE s.active_pid = r.pid LIMIT 1) AS slot
         FROM pg_stat_replication r WHERE r.state IS DISTINCT FROM 'backup' ORDER BY r.application_name, r.pid`,
    );
    return rows.map((row) => ({
      name: row.name, state: row.state, sentLsn: row.sent, writeLsn: row.write, flushLsn: row.flush, replayLsn: row.replay,
      writeLag: row.write_lag, flushLag: row.flush_lag, replayLag: row.replay_lag, sync: row.sync, pid: row.pid, clientAddress: row.address, slot: row.slot,
    }));
  } finally {
    await client.end().catch(() => undefined);
  }
}
