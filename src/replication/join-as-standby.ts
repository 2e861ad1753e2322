import type pg from 'pg';
import type { Cluster } from '../cluster/cluster.js';
import type { SettingValue } from '../control/server-process.js';
import type { CredentialsStore } from '../provision/credentials-store.js';
import { formatCredentialsKey } from '../provision/credentials-store.js';
import { findPassfilePassword, parseConninfo } from './primary-conninfo.js';
import { readPassfile } from './standby-session.js';
import { FailoverError } from './failover-error.js';
import { readPrimaryAddress, waitForStreaming } from './follow-primary.js';
import { ensureSlot } from './replication-slot.js';
import { formatPrimaryConninfo, writeStandbyConfiguration, writeStandbyPassfile } from './standby-files.js';

/** The role a standby streams as, and its password. */
export interface ReplicationCredentials {
  user: string;
  password: string;
}

/**
 * The replication role and password the standbys of `primary` use: from its own
 * `primary_conninfo` and password file when it was a standby (a promoted one keeps both), else
 * `replicationUser`'s password in `credentials` (where createStandby keeps it).
 * FailoverError `WRONG_ROLE` when neither knows it.
 */
export async function readReplicationCredentials(primary: Cluster, admin: pg.Client, options: { replicationUser: string; credentials: CredentialsStore }): Promise<ReplicationCredentials> {
  const { rows } = await admin.query<{ conninfo: string; id: string }>("SELECT current_setting('primary_conninfo') AS conninfo, (SELECT system_identifier::text FROM pg_control_system()) AS id");
  const conninfo = parseConninfo(rows[0]!.conninfo);
  const { user, passfile, host = '', port = '5432' } = conninfo;
  if (user !== undefined && passfile !== undefined) {
    // As root, only a file of the server's user (a superuser may point passfile at any file).
    const text = await readPassfile(passfile, primary.dataDirectory);
    const password = findPassfilePassword(text, { host, port, database: 'replication', user });
    if (password !== undefined) return { user, password };
  }
  const stored = await options.credentials.get(formatCredentialsKey(rows[0]!.id, options.replicationUser));
  if (stored !== undefined) return { user: options.replicationUser, password: stored };
  throw new FailoverError(
    'WRONG_ROLE',
    `No password of a replication role is known for ${primary.dataDirectory}: neither its primary_conninfo nor the credentials store has one for \`${options.replicationUser}\` (create a standby of it with createStandby first)`,
    { target: primary.dataDirectory },
  );
}

export interface JoinOptions {
  /** The standby's application_name. */
  name: string;
  /** The physical slot on the primary to stream through (created when missing), or null. */
  slot: string | null;
  credentials: ReplicationCredentials;
  /** Settings written to its postgresql.auto.conf besides the standby's own (its address after a pg_rewind). */
  settings?: Record<string, string | null>;
  /** `-c` settings for the start (default: those of the Cluster's last start). */
  startSettings?: Readonly<Record<string, SettingValue>>;
  deadline: number;
  signal?: AbortSignal;
}

/**
 * Makes the stopped `cluster` a standby of the running `primary` and starts it: its password
 * file, `standby.signal` and `primary_conninfo`/`primary_slot_name` in postgresql.auto.conf
 * (as createStandby writes them), the slot on the primary; resolves once it streams.
 */
export async function joinAsStandby(cluster: Cluster, primary: Cluster, admin: pg.Client, options: JoinOptions): Promise<void> {
  const { name, slot, credentials, deadline, signal } = options;
  const address = await readPrimaryAddress(primary);
  const reach = (address.tcp ?? address.socket)!;
  const passfile = await writeStandbyPassfile(cluster.dataDirectory, credentials.user, credentials.password);
  if (slot !== null) await ensureSlot(admin, slot);
  await writeStandbyConfiguration(cluster.dataDirectory, {
    ...options.settings,
    primary_conninfo: formatPrimaryConninfo({ host: reach.host, port: reach.port, user: credentials.user, passfile, applicationName: name }),
    primary_slot_name: slot,
    hot_standby: 'on',
  });
  const remaining = () => Math.max(1, deadline - Date.now());
  try {
    await cluster.restart({ mode: 'fast', timeout: remaining(), ...(options.startSettings !== undefined ? { settings: options.startSettings } : {}), ...(signal !== undefined ? { signal } : {}) });
  } catch (error) {
    throw new FailoverError('TIMEOUT', `${cluster.dataDirectory} did not start as a standby of ${primary.dataDirectory}: ${(error as Error).message}`, { target: cluster.dataDirectory, cause: error });
  }
  await waitForStreaming(admin, name, deadline, cluster.dataDirectory, signal);
  await waitForTimeline(cluster, admin, deadline, signal);
}

/**
 * Waits until the standby's WAL receiver streams the primary's current timeline: one that cannot
 * follow it (its WAL went past where that timeline forked off) connects, streams the old
 * timeline up to the fork and is turned away, again and again, and so shows as `streaming` on
 * the primary for moments. FailoverError `TIMEOUT` when it does not by `deadline`.
 */
async function waitForTimeline(cluster: Cluster, admin: pg.Client, deadline: number, signal?: AbortSignal): Promise<void> {
  const { rows } = await admin.query<{ wal: string }>('SELECT pg_walfile_name(pg_current_wal_lsn()) AS wal');
  const timeline = Number.parseInt(rows[0]!.wal.slice(0, 8), 16);
  const session = await cluster.connect({ application_name: 'pg-cluster rejoin' });
  session.on('error', () => undefined);
  try {
    for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
      signal?.throwIfAborted();
      const { rows: seen } = await session.query<{ status: string; tli: number }>('SELECT status, received_tli AS tli FROM pg_stat_wal_receiver');
      if (seen[0]?.status === 'streaming' && seen[0].tli === timeline) return;
      if (Date.now() > deadline) {
        throw new FailoverError('TIMEOUT', `${cluster.dataDirectory} does not follow the new primary's timeline ${timeline} in time (its WAL receiver: ${seen[0] === undefined ? 'none' : `${seen[0].status} on timeline ${seen[0].tli}`})`, { target: cluster.dataDirectory });
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  } finally {
    await session.end().catch(() => undefined);
  }
}
