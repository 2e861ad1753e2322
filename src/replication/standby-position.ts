import type pg from 'pg';
import type { Cluster } from '../cluster/cluster.js';
import { parseConninfo } from './primary-conninfo.js';

/** Where a server stands in the replication stream, read by {@link readStandbyPosition}. */
export interface StandbyPosition {
  cluster: Cluster;
  /** `pg_is_in_recovery()`: false for a primary. */
  inRecovery: boolean;
  /** `pg_last_wal_receive_lsn()`: WAL received and flushed to disk (null: none streamed since the start). */
  receiveLsn: string | null;
  /** `pg_last_wal_replay_lsn()`. */
  replayLsn: string | null;
  /** `pg_is_wal_replay_paused()`. */
  replayPaused: boolean;
  /** `primary_conninfo`'s keywords and values (none when unset). */
  conninfo: Record<string, string>;
  /** `application_name` of its `primary_conninfo` (else `cluster_name`, else `walreceiver`, as the server names it). */
  applicationName: string;
  /** `primary_slot_name`, or null. */
  slot: string | null;
  /** Its own `synchronous_standby_names` (what it would use as a primary). */
  synchronousStandbyNames: string;
  /** `recovery_target_timeline`. */
  recoveryTargetTimeline: string;
}

/** Reads the position through a superuser session of `cluster`. */
export async function readStandbyPosition(cluster: Cluster, client: pg.Client): Promise<StandbyPosition> {
  const { rows } = await client.query<{
    recovery: boolean;
    receive: string | null;
    replay: string | null;
    paused: boolean;
    conninfo: string;
    slot: string;
    sync: string;
    cluster_name: string;
    target_tli: string;
  }>(
    `SELECT pg_is_in_recovery() AS recovery, pg_last_wal_receive_lsn()::text AS receive, pg_last_wal_replay_lsn()::text AS replay,
            pg_is_in_recovery() AND pg_is_wal_replay_paused() AS paused,
            current_setting('primary_conninfo') AS conninfo, current_setting('primary_slot_name') AS slot,
            current_setting('synchronous_standby_names') AS sync, current_setting('cluster_name') AS cluster_name,
            current_setting('recovery_target_timeline') AS target_tli`,
  );
  const row = rows[0]!;
  const conninfo = parseConninfo(row.conninfo);
  const named = conninfo['application_name'];
  return {
    cluster,
    inRecovery: row.recovery,
    receiveLsn: row.receive,
    replayLsn: row.replay,
    replayPaused: row.paused,
    conninfo,
    applicationName: named !== undefined && named !== '' ? named : row.cluster_name !== '' ? row.cluster_name : 'walreceiver',
    slot: row.slot === '' ? null : row.slot,
    synchronousStandbyNames: row.sync,
    recoveryTargetTimeline: row.target_tli,
  };
}
