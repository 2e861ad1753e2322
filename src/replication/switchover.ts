import type pg from 'pg';
import { Cluster } from '../cluster/cluster.js';
import { expected } from '../errors.js';
import type { CredentialsStore } from '../provision/credentials-store.js';
import { FileCredentialsStore } from '../provision/file-credentials-store.js';
import { quoteLiteral } from '../throwaway/sql-quote.js';
import { parseConninfo } from './primary-conninfo.js';
import { FailoverError } from './failover-error.js';
import { joinAsStandby, readReplicationCredentials } from './join-as-standby.js';
import { compareLsn } from './lsn.js';
import { promote } from './promote.js';
import { readShutdownCheckpoint, type ShutdownCheckpoint } from './shutdown-checkpoint.js';
import { readStandbyPosition } from './standby-position.js';
import { defaultStandbyName, isStandbyName, toSlotName } from './standby-names.js';
import { formatSynchronousStandbyNames, parseSynchronousStandbyNames } from './synchronous-standby-names.js';

export interface SwitchoverOptions {
  /** Milliseconds for the whole switchover. Default 60,000. */
  timeout?: number;
  /** The old primary's application_name as a standby. Default: the one its own `primary_conninfo` still names (it was a standby before), else its `cluster_name`, else from its data directory's name. */
  name?: string;
  /** The role the old primary streams as, when the standby does not say (it has no `primary_conninfo`). Default `replicator`. */
  replicationUser?: string;
  /** Where createStandby kept that role's password. Default: a FileCredentialsStore. */
  credentials?: CredentialsStore;
  signal?: AbortSignal;
}

/** What a switchover did. */
export interface SwitchoverResult {
  /** The new primary (the standby given). */
  primary: Cluster;
  /** The old primary, now its standby. */
  standby: Cluster;
  /** The old primary's shutdown checkpoint, which the standby replayed before its promotion. */
  checkpoint: ShutdownCheckpoint;
  durationMs: number;
}

const OPTION_NAMES = new Set(['timeout', 'name', 'replicationUser', 'credentials', 'signal']);

/**
 * A planned change of primary that loses no committed row: checks that `standby` streams from
 * `primary`, stops the primary with a fast shutdown (its WAL senders send everything, the
 * shutdown checkpoint included, before they exit), reads that checkpoint's location
 * (pg_controldata, else `global/pg_control` on this host) and waits until the standby has replayed
 * it, then promotes the standby and restarts the old primary as its standby (no rewind needed:
 * it stopped exactly where the new timeline branches). `synchronous_standby_names` moves with
 * the roles: a synchronous standby's name is replaced by the old primary's on the new primary.
 * Other standbys of the old primary reconnect to it and cascade through it.
 *
 * FailoverError `WRONG_ROLE` (the servers are not primary and streaming standby),
 * `CHECKPOINT_UNKNOWN` (refused before anything is stopped), `CHECKPOINT_NOT_REPLAYED` (the old
 * primary is started again as the primary; nothing was promoted), `TIMEOUT`.
 */
export async function switchover(primary: Cluster, standby: Cluster, options: SwitchoverOptions = {}): Promise<SwitchoverResult> {
  if (!(primary instanceof Cluster)) throw expected('primary', 'a Cluster', primary);
  if (!(standby instanceof Cluster)) throw expected('standby', 'a Cluster', standby);
  if (options === null || typeof options !== 'object') throw expected('options', 'an object', options);
  for (const key of Object.keys(options)) if (!OPTION_NAMES.has(key)) throw expected(key, `one of the options ${[...OPTION_NAMES].join(', ')}`, key);
  const { timeout = 60_000, replicationUser = 'replicator', credentials = new FileCredentialsStore(), signal } = options;
  if (!(typeof timeout === 'number' && timeout >= 0 && Number.isFinite(timeout))) throw expected('timeout', 'a non-negative number', timeout);
  if (options.name !== undefined && (typeof options.name !== 'string' || !isStandbyName(options.name))) throw expected('name', 'printable ASCII of 1 to 63 characters without commas or quotes', options.name);
  signal?.throwIfAborted();
  const started = Date.now();
  const deadline = started + timeout;
  const remaining = () => Math.max(1, deadline - Date.now());

  let admin: pg.Client | null = null;
  let session: pg.Client | null = null;
  try {
    admin = await primary.connect({ application_name: 'pg-cluster switchover' });
    admin.on('error', () => undefined);
    session = await standby.connect({ application_name: 'pg-cluster switchover' });
    session.on('error', () => undefined);
    const position = await readStandbyPosition(standby, session);
    const { rows } = await admin.query<{ recovery: boolean; sync: string; conninfo: string; slot: string; cluster_name: string; streaming: boolean; slot_type: string | null }>(
      `SELECT pg_is_in_recovery() AS recovery, current_setting('synchronous_standby_names') AS sync, current_setting('primary_conninfo') AS conninfo,
              current_setting('primary_slot_name') AS slot, current_setting('cluster_name') AS cluster_name,
              EXISTS (SELECT 1 FROM pg_stat_replication WHERE application_name = $1 AND state = 'streaming') AS streaming,
              (SELECT slot_type FROM pg_replication_slots WHERE slot_name = $2) AS slot_type`,
      [position.applicationName, position.slot ?? ''],
    );
    const facts = rows[0]!;
    if (facts.recovery) throw new FailoverError('WRONG_ROLE', `${primary.dataDirectory} is in recovery: switchover needs the primary first`, { target: primary.dataDirectory });
    if (!position.inRecovery || !facts.streaming) {
      throw new FailoverError('WRONG_ROLE', `${standby.dataDirectory} is not a standby streaming from ${primary.dataDirectory} (application_name ${position.applicationName})`, { target: standby.dataDirectory });
    }
    // Refused before anything is stopped: the checkpoint must be readable afterwards.
    await readShutdownCheckpoint(primary);
    const replication = await readReplicationCredentials(standby, session, { replicationUser, credentials });
    const ownConninfo = parseConninfo(facts.conninfo);
    const name = options.name ?? nonEmpty(ownConninfo['application_name']) ?? nonEmpty(facts.cluster_name) ?? defaultStandbyName(primary.dataDirectory);
    const slot = position.slot === null ? null : (nonEmpty(facts.slot) ?? toSlotName(name));
    const commandLine = await admin.query<{ name: string; setting: string }>("SELECT name, setting FROM pg_settings WHERE source = 'command line'");
    const startSettings = Object.fromEntries(commandLine.rows.map((row) => [row.name, row.setting]));
    const names = parseSynchronousStandbyNames(facts.sync);
    await admin.end().catch(() => undefined);
    admin = null;

    await primary.stop({ mode: 'fast', timeout: remaining(), ...(signal !== undefined ? { signal } : {}) });
    const checkpoint = await readShutdownCheckpoint(primary);
    const replayed = checkpoint.state === 'shut down' && (await waitForReplayPast(session, checkpoint.lsn, deadline, signal));
    if (!replayed) {
      await primary.restart({ mode: 'fast', timeout: remaining(), settings: startSettings }).catch(() => undefined);
      throw new FailoverError(
        'CHECKPOINT_NOT_REPLAYED',
        `${standby.dataDirectory} did not replay the shutdown checkpoint ${checkpoint.lsn} of ${primary.dataDirectory} (state ${checkpoint.state}) in time: nothing was promoted, the old primary was started again`,
        { target: standby.dataDirectory },
      );
    }
    await promote(standby, { timeout: remaining() });
    if (names !== null) {
      const swapped = names.names.map((item) => (item.toLowerCase() === position.applicationName.toLowerCase() ? name : item));
      await session.query(`ALTER SYSTEM SET synchronous_standby_names = ${quoteLiteral(formatSynchronousStandbyNames({ ...names, names: swapped }))}`);
      await session.query('SELECT pg_reload_conf()');
    }
    await joinAsStandby(primary, standby, session, { name, slot, credentials: replication, startSettings, deadline, ...(signal !== undefined ? { signal } : {}) });
    return { primary: standby, standby: primary, checkpoint, durationMs: Date.now() - started };
  } finally {
    await admin?.end().catch(() => undefined);
    await session?.end().catch(() => undefined);
  }
}

/** Waits until the standby has replayed the record at `lsn` (its replay position is past it). */
async function waitForReplayPast(session: pg.Client, lsn: string, deadline: number, signal?: AbortSignal): Promise<boolean> {
  for (let pause = 2; ; pause = Math.min(pause * 2, 50)) {
    signal?.throwIfAborted();
    const { rows } = await session.query<{ replay: string | null }>('SELECT pg_last_wal_replay_lsn()::text AS replay');
    if (compareLsn(rows[0]!.replay, lsn) > 0) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
