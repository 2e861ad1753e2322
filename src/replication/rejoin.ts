import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { Cluster } from '../cluster/cluster.js';
import { writeClusterMarker } from '../cluster/cluster-marker.js';
import { CommandError } from '../control/command-error.js';
import { readPgControl } from '../control/pg-control.js';
import { removeTree } from '../control/remove-tree.js';
import { runCommand } from '../control/run-command.js';
import { assertAccessible, chownTree, isRoot } from '../control/run-as.js';
import { userCommand } from '../control/user-command.js';
import { expected } from '../errors.js';
import { findInstallations } from '../installation/find-installations.js';
import { isExecutableFileSync } from '../installation/executable-file.js';
import { formatCredentialsKey, type CredentialsStore } from '../provision/credentials-store.js';
import { FileCredentialsStore } from '../provision/file-credentials-store.js';
import { createStandby } from './create-standby.js';
import { FailoverError } from './failover-error.js';
import { formatConninfo, readPrimaryAddress } from './follow-primary.js';
import { joinAsStandby, readReplicationCredentials } from './join-as-standby.js';
import { defaultStandbyName, isSlotName, isStandbyName, toSlotName } from './standby-names.js';

export interface RejoinOptions {
  /** Milliseconds for everything (pg_rewind or the base backup, streaming). Default 120,000. */
  timeout?: number;
  /** Its application_name as a standby. Default: from its data directory's name. */
  name?: string;
  /** A physical slot on the new primary: `true` names it after the standby, a string names it. Default true. */
  slot?: boolean | string;
  /**
   * The pg_rewind program. Default: the installation's, else that of a system installation of the
   * same major (the npm binaries have none). null: no pg_rewind, a fresh base backup.
   */
  rewindProgram?: string | null;
  /** The role pg_rewind connects as (createStandby made it, with pg_rewind's grants). Default `rewind_user`. */
  rewindUser?: string;
  /** The role it streams as, when the new primary does not say. Default `replicator`. */
  replicationUser?: string;
  /** Where createStandby kept the roles' passwords. Default: a FileCredentialsStore. */
  credentials?: CredentialsStore;
  signal?: AbortSignal;
}

/** How the old primary came back. */
export interface RejoinResult {
  /** `pg_rewind`: rewound to where the new timeline branched; `base-backup`: copied afresh from the new primary. */
  method: 'pg_rewind' | 'base-backup';
  /** The standby, streaming from the new primary: the Cluster given (pg_rewind) or a new one for the same data directory (base backup). */
  standby: Cluster;
  /** Why pg_rewind was not used or failed, for `base-backup`; null for `pg_rewind`. */
  reason: string | null;
  durationMs: number;
}

const OPTION_NAMES = new Set(['timeout', 'name', 'slot', 'rewindProgram', 'rewindUser', 'replicationUser', 'credentials', 'signal']);

/**
 * Brings a former primary back as a standby of `newPrimary`: stops it if it runs (fast; a
 * killed one's remains are cleaned up), then `pg_rewind --source-server` from the new primary
 * (a normal connection as the rewind role; a server that did not shut down cleanly is first
 * recovered in single-user mode by pg_rewind itself) and, where pg_rewind is missing or fails (no
 * `wal_log_hints` or checksums, WAL gone), a fresh base backup by createStandby into the same
 * data directory. Either way it keeps its own port and addresses, gets `standby.signal` and a
 * `primary_conninfo` to the new primary, and the call resolves once it streams. What the old
 * primary wrote after the new one branched off is discarded, as it must be.
 * FailoverError `WRONG_ROLE` (the new primary is in recovery, or the old one is another
 * cluster: a different system identifier), `REJOIN_FAILED`.
 */
export async function rejoin(oldPrimary: Cluster, newPrimary: Cluster, options: RejoinOptions = {}): Promise<RejoinResult> {
  if (!(oldPrimary instanceof Cluster)) throw expected('oldPrimary', 'a Cluster', oldPrimary);
  if (!(newPrimary instanceof Cluster)) throw expected('newPrimary', 'a Cluster that runs', newPrimary);
  if (oldPrimary.dataDirectory === newPrimary.dataDirectory) throw expected('oldPrimary', 'another data directory than newPrimary', oldPrimary.dataDirectory);
  if (options === null || typeof options !== 'object') throw expected('options', 'an object', options);
  for (const key of Object.keys(options)) if (!OPTION_NAMES.has(key)) throw expected(key, `one of the options ${[...OPTION_NAMES].join(', ')}`, key);
  const { timeout = 120_000, slot = true, rewindUser = 'rewind_user', replicationUser = 'replicator', credentials = new FileCredentialsStore(), signal } = options;
  const name = options.name ?? defaultStandbyName(oldPrimary.dataDirectory);
  if (!(typeof timeout === 'number' && timeout >= 0 && Number.isFinite(timeout))) throw expected('timeout', 'a non-negative number', timeout);
  if (typeof name !== 'string' || !isStandbyName(name)) throw expected('name', 'printable ASCII of 1 to 63 characters without commas or quotes', name);
  if (typeof slot !== 'boolean' && !(typeof slot === 'string' && isSlotName(slot))) throw expected('slot', 'a boolean or a slot name (a-z, 0-9, _; up to 63)', slot);
  if (options.rewindProgram !== undefined && options.rewindProgram !== null && typeof options.rewindProgram !== 'string') throw expected('rewindProgram', 'a path or null', options.rewindProgram);
  signal?.throwIfAborted();
  const started = Date.now();
  const deadline = started + timeout;
  const remaining = () => Math.max(1, deadline - Date.now());
  const slotName = slot === false ? null : slot === true ? toSlotName(name) : slot;

  const admin: pg.Client = await newPrimary.connect({ application_name: 'pg-cluster rejoin' });
  admin.on('error', () => undefined);
  try {
    const { rows } = await admin.query<{ recovery: boolean; id: string }>('SELECT pg_is_in_recovery() AS recovery, (SELECT system_identifier::text FROM pg_control_system()) AS id');
    if (rows[0]!.recovery) throw new FailoverError('WRONG_ROLE', `${newPrimary.dataDirectory} is in recovery: rejoin needs the new primary`, { target: newPrimary.dataDirectory });
    const systemIdentifier = rows[0]!.id;
    const replication = await readReplicationCredentials(newPrimary, admin, { replicationUser, credentials });

    // Where it listens, read from its own files before pg_rewind copies the new primary's over them.
    const address = await oldPrimary.address();
    const own: Record<string, string> = {
      port: String(address.port),
      listen_addresses: address.listenAddresses.join(','),
      ...(address.socketDirectories.length > 0 ? { unix_socket_directories: address.socketDirectories.join(',') } : {}),
    };
    await oldPrimary.stop({ mode: 'fast', timeout: remaining() });
    const ownIdentifier = await readPgControl(oldPrimary.dataDirectory, oldPrimary.installation.versionInfo.major).then((control) => control.systemIdentifier, () => null);
    if (ownIdentifier !== null && ownIdentifier !== systemIdentifier) {
      throw new FailoverError('WRONG_ROLE', `${oldPrimary.dataDirectory} is another cluster (system identifier ${ownIdentifier}, the new primary's is ${systemIdentifier}): not rejoined, nothing changed`, { target: oldPrimary.dataDirectory });
    }

    const program = options.rewindProgram === null ? null : (options.rewindProgram ?? (await findRewindProgram(oldPrimary)));
    let reason: string;
    if (program === null) {
      reason = options.rewindProgram === null ? 'pg_rewind not wanted (rewindProgram: null)' : `no pg_rewind for PostgreSQL ${oldPrimary.installation.versionInfo.major} on this machine`;
    } else {
      const password = await credentials.get(formatCredentialsKey(systemIdentifier, rewindUser));
      reason = password === undefined ? `no password of \`${rewindUser}\` in the credentials store` : '';
      if (password !== undefined) {
        try {
          // A just promoted server's pg_control still names the old timeline until its first
          // checkpoint; pg_rewind (before 16) reads it there and would find nothing to rewind.
          await admin.query('CHECKPOINT');
          await runRewind(oldPrimary, newPrimary, { program, user: rewindUser, password, timeout: remaining(), ...(signal !== undefined ? { signal } : {}) });
          await writeClusterMarker(oldPrimary.dataDirectory);
          // Half the time left at most (10 s at least), so that a base backup still fits after it.
          const rewindDeadline = Math.min(deadline, Date.now() + Math.max(10_000, (deadline - Date.now()) / 2));
          await joinAsStandby(oldPrimary, newPrimary, admin, { name, slot: slotName, credentials: replication, settings: own, deadline: rewindDeadline, ...(signal !== undefined ? { signal } : {}) });
          return { method: 'pg_rewind', standby: oldPrimary, reason: null, durationMs: Date.now() - started };
        } catch (error) {
          if (signal?.aborted) throw error;
          reason = `pg_rewind failed: ${(error as Error).message}`;
          await oldPrimary.stop({ mode: 'fast', timeout: remaining() }).catch(() => undefined);
        }
      }
    }

    // A fresh base backup into the same place, as createStandby makes one.
    try {
      await oldPrimary.drop({ timeout: remaining() });
      const runAs = await oldPrimary.runAsUser();
      const standby = await createStandby(newPrimary, oldPrimary.dataDirectory, {
        name,
        slot: slotName ?? false,
        port: address.port,
        listenAddresses: own['listen_addresses']!,
        ...(address.socketDirectories[0] !== undefined ? { socketDirectory: address.socketDirectories[0] } : {}),
        installation: oldPrimary.installation,
        runAs: runAs?.user ?? null,
        replicationUser: replication.user,
        rewindUser,
        credentials,
        timeout: remaining(),
        ...(signal !== undefined ? { signal } : {}),
      });
      return { method: 'base-backup', standby, reason, durationMs: Date.now() - started };
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new FailoverError('REJOIN_FAILED', `${oldPrimary.dataDirectory} could not rejoin ${newPrimary.dataDirectory} (${reason}; the base backup failed: ${(error as Error).message})`, { target: oldPrimary.dataDirectory, cause: error });
    }
  } finally {
    await admin.end().catch(() => undefined);
  }
}

/** The installation's pg_rewind, else a system installation's of the same major, else null. */
async function findRewindProgram(cluster: Cluster): Promise<string | null> {
  const own = cluster.installation.paths['pg_rewind'] ?? null;
  if (own !== null && isExecutableFileSync(own)) return own;
  const major = cluster.installation.versionInfo.major;
  const found = await findInstallations({ npm: false }).catch(() => []);
  for (const { installation } of found) {
    const program = installation.paths['pg_rewind'] ?? null;
    if (installation.versionInfo.major === major && program !== null && isExecutableFileSync(program)) return program;
  }
  return null;
}

/**
 * `pg_rewind --target-pgdata <old> --source-server <new primary>` as the server's OS user, the
 * password through a temporary password file (mode 0600, private folder, removed afterwards).
 */
async function runRewind(target: Cluster, source: Cluster, options: { program: string; user: string; password: string; timeout: number; signal?: AbortSignal }): Promise<void> {
  const address = await readPrimaryAddress(source);
  const reach = (address.socket ?? address.tcp)!;
  const runAs = await target.runAsUser();
  const folder = await mkdtemp(join(tmpdir(), 'pg-cluster-pgpass-'));
  try {
    const passfile = join(folder, 'pgpass');
    await writeFile(passfile, `*:*:*:${options.user.replace(/[:\\]/g, '\\$&')}:${options.password.replace(/[:\\]/g, '\\$&')}\n`, { mode: 0o600 });
    await chownTree(folder, runAs);
    if (runAs !== null && isRoot()) assertAccessible(passfile, runAs);
    const server = formatConninfo([['host', reach.host], ['port', String(reach.port)], ['user', options.user], ['dbname', 'postgres'], ['application_name', 'pg-cluster rejoin']]);
    const command = userCommand(options.program, ['--target-pgdata', target.dataDirectory, '--source-server', server], runAs);
    try {
      await runCommand(command.file, command.args, {
        timeout: options.timeout,
        cwd: '/',
        ...(options.signal !== undefined ? { signal: options.signal } : {}),
        env: { PGPASSFILE: passfile, PGPASSWORD: undefined, PGSSLMODE: undefined, LC_ALL: 'C', LC_MESSAGES: 'C' },
        ...(command.uid !== undefined ? { uid: command.uid, gid: command.gid! } : {}),
      });
    } catch (error) {
      if (error instanceof CommandError) throw new FailoverError('REJOIN_FAILED', `pg_rewind of ${target.dataDirectory} from ${source.dataDirectory} failed: ${error.message}`, { target: target.dataDirectory, cause: error });
      throw error;
    }
  } finally {
    await removeTree(folder).catch(() => undefined);
  }
}
