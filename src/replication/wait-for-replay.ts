import { setTimeout as sleep } from 'node:timers/promises';
import { Cluster } from '../cluster/cluster.js';
import { expected } from '../errors.js';
import { ReplicationError } from './replication-error.js';
import { openSession, readCurrentPrimary } from './standby-session.js';

export interface WaitForReplayOptions {
  /** Milliseconds; default 30,000. */
  timeout?: number;
  signal?: AbortSignal;
}

export interface ReplayResult {
  /** The position waited for. */
  lsn: string;
  /** The standby's `pg_last_wal_replay_lsn()` when it got there. */
  replayLsn: string;
  durationMs: number;
}

const LSN = /^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/;

/**
 * Resolves once the standby has replayed `target`: an LSN (`'0/3000148'`), or `'current'`: the
 * flushed WAL position of the standby's current primary, the one its `primary_conninfo` names
 * (after a failover, the new one), asked over a replication connection as the standby's own
 * user. ReplicationError `NOT_A_STANDBY` for a server not in recovery, `TIMEOUT` when it does
 * not get there in time.
 */
export async function waitForReplay(standby: Cluster, target: 'current' | string = 'current', options: WaitForReplayOptions = {}): Promise<ReplayResult> {
  if (!(standby instanceof Cluster)) throw expected('standby', 'a Cluster', standby);
  if (typeof target !== 'string' || (target !== 'current' && !LSN.test(target))) throw expected('target', "'current' or an LSN such as '0/3000148'", target);
  if (options === null || typeof options !== 'object') throw expected('options', 'an object', options);
  const { timeout = 30_000, signal } = options;
  if (!(typeof timeout === 'number' && timeout >= 0 && Number.isFinite(timeout))) throw expected('timeout', 'a non-negative number', timeout);
  signal?.throwIfAborted();
  const started = Date.now();
  const client = await openSession(standby, 'pg-cluster waitForReplay');
  try {
    let lsn = target;
    if (target === 'current') {
      const { connect } = await readCurrentPrimary(client, standby.dataDirectory);
      const primary = await connect();
      try {
        const { rows } = await primary.query<{ xlogpos: string }>('IDENTIFY_SYSTEM');
        lsn = rows[0]!.xlogpos;
      } finally {
        await primary.end().catch(() => undefined);
      }
    }
    for (let pause = 2; ; pause = Math.min(50, pause * 2)) {
      signal?.throwIfAborted();
      const { rows } = await client.query<{ recovery: boolean; replay: string | null; done: boolean | null }>(
        'SELECT pg_is_in_recovery() AS recovery, pg_last_wal_replay_lsn()::text AS replay, pg_last_wal_replay_lsn() >= $1::pg_lsn AS done',
        [lsn],
      );
      const row = rows[0]!;
      if (!row.recovery && target !== 'current') {
        // Promoted meanwhile: everything it received was replayed before it took writes.
        return { lsn, replayLsn: row.replay ?? lsn, durationMs: Date.now() - started };
      }
      if (row.done === true) return { lsn, replayLsn: row.replay!, durationMs: Date.now() - started };
      if (!row.recovery) throw new ReplicationError('NOT_A_STANDBY', `The server of ${standby.dataDirectory} left recovery before it replayed ${lsn}`, { dataDirectory: standby.dataDirectory });
      if (Date.now() - started >= timeout) {
        throw new ReplicationError('TIMEOUT', `The standby ${standby.dataDirectory} did not replay ${lsn} within ${timeout} ms (replayed: ${row.replay ?? 'nothing'})`, { dataDirectory: standby.dataDirectory });
      }
      await sleep(pause);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}
