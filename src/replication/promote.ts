import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { Cluster } from '../cluster/cluster.js';
import { expected } from '../errors.js';
import { ReplicationError } from './replication-error.js';
import { openSession } from './standby-session.js';

export interface PromoteOptions {
  /** Milliseconds until it accepts writes; default 60,000. */
  timeout?: number;
  signal?: AbortSignal;
}

export interface PromoteResult {
  /** The timeline it writes on now. */
  timeline: number;
  durationMs: number;
}

/**
 * Ends the standby's recovery (`pg_promote()`) and resolves once a new session on it can write
 * (`pg_is_in_recovery()` false and `transaction_read_only` off). ReplicationError
 * `NOT_A_STANDBY` when it is not in recovery, `TIMEOUT` when it does not finish in time.
 */
export async function promote(standby: Cluster, options: PromoteOptions = {}): Promise<PromoteResult> {
  if (!(standby instanceof Cluster)) throw expected('standby', 'a Cluster', standby);
  if (options === null || typeof options !== 'object') throw expected('options', 'an object', options);
  const { timeout = 60_000, signal } = options;
  if (!(typeof timeout === 'number' && timeout >= 0 && Number.isFinite(timeout))) throw expected('timeout', 'a non-negative number', timeout);
  signal?.throwIfAborted();
  const started = Date.now();
  const client = await openSession(standby, 'pg-cluster promote');
  try {
    const { rows } = await client.query<{ recovery: boolean }>('SELECT pg_is_in_recovery() AS recovery');
    if (!rows[0]!.recovery) throw new ReplicationError('NOT_A_STANDBY', `The server of ${standby.dataDirectory} is not in recovery: there is nothing to promote`, { dataDirectory: standby.dataDirectory });
    const seconds = Math.max(1, Math.ceil(timeout / 1000));
    const promoted = await client.query<{ done: boolean }>('SELECT pg_promote(true, $1) AS done', [seconds]);
    if (!promoted.rows[0]!.done) throw new ReplicationError('TIMEOUT', `The standby ${standby.dataDirectory} did not finish its promotion within ${timeout} ms`, { dataDirectory: standby.dataDirectory });
  } finally {
    await client.end().catch(() => undefined);
  }
  for (let pause = 2; ; pause = Math.min(50, pause * 2)) {
    signal?.throwIfAborted();
    const session = new pg.Client(await standby.connection({ application_name: 'pg-cluster promote' }));
    try {
      await session.connect();
      const { rows } = await session.query<{ recovery: boolean; readonly: string; wal: string }>(
        "SELECT pg_is_in_recovery() AS recovery, current_setting('transaction_read_only') AS readonly, pg_walfile_name(pg_current_wal_lsn()) AS wal",
      );
      const row = rows[0]!;
      if (!row.recovery && row.readonly === 'off') return { timeline: Number.parseInt(row.wal.slice(0, 8), 16), durationMs: Date.now() - started };
    } catch {
      // Not writable yet (pg_current_wal_lsn() fails during recovery): try again.
    } finally {
      await session.end().catch(() => undefined);
    }
    if (Date.now() - started >= timeout) throw new ReplicationError('TIMEOUT', `The promoted standby ${standby.dataDirectory} did not accept writes within ${timeout} ms`, { dataDirectory: standby.dataDirectory });
    await sleep(pause);
  }
}
