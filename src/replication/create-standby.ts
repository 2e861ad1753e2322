import { lstat, readdir, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { isAbsolute, join } from 'node:path';
import type pg from 'pg';
import { Cluster, type ClusterInstallation } from '../cluster/cluster.js';
import type { ClusterLog } from '../cluster/cluster-events.js';
import { clientHostFor } from '../cluster/cluster-address.js';
import { writeClusterMarker } from '../cluster/cluster-marker.js';
import { ClusterTimeoutError } from '../cluster/cluster-timeout-error.js';
import { removeTree } from '../control/remove-tree.js';
import { ensureOwned, isRoot, resolveRunAs } from '../control/run-as.js';
import { isExecutableFileSync } from '../installation/executable-file.js';
import { expected } from '../errors.js';
import type { CredentialsStore } from '../provision/credentials-store.js';
import { FileCredentialsStore } from '../provision/file-credentials-store.js';
import { ConnectionInfo } from '../throwaway/connection-info.js';
import { quoteLiteral } from '../throwaway/sql-quote.js';
import { runBaseBackup } from './base-backup.js';
import { copyBaseBackup } from './low-level-backup.js';
import { preparePrimary } from './prepare-primary.js';
import { ReplicationError } from './replication-error.js';
import type { ReplicationLog } from './replication-events.js';
import { formatPrimaryConninfo, writeStandbyConfiguration, writeStandbyPassfile } from './standby-files.js';
import { defaultStandbyName, isSlotName, isStandbyName, toSlotName } from './standby-names.js';
import { ensureSlot } from './replication-slot.js';
import { addSynchronousStandby } from './synchronous-standby-names.js';
import { describeLogTail, waitForStreaming } from './wait-for-streaming.js';

export interface CreateStandbyOptions {
  /** The standby's `application_name` (what pg_stat_replication and synchronous_standby_names call it). Default: from the data directory's name. */
  name?: string;
  /** A physical replication slot on the primary: `true` names it after the standby (`toSlotName(name)`), a string names it. Default false. */
  slot?: boolean | string;
  /** Add the standby to the primary's `synchronous_standby_names` (`ANY 1 (...)` when empty; an existing list keeps its method and count). Default false. */
  synchronous?: boolean;
  /** The standby's port. Default: a free one. */
  port?: number;
  /** The OS user the standby's server runs as (when root). Default: the primary's. */
  runAs?: string | null;
  /** Milliseconds for everything (preparing the primary, the base backup, streaming). Default 120,000. */
  timeout?: number;
  signal?: AbortSignal;
  /** Restart the primary when replication needs a setting that only a restart applies (default false: ReplicationError `PRIMARY_RESTART_REQUIRED`). */
  restartPrimary?: boolean;
  /**
   * The standby's Unix socket directory. Default: the primary's (the two ports tell the sockets
   * apart). A throwaway primary's is its private folder, removed with it: give a standby that
   * outlives it a folder of its own.
   */
  socketDirectory?: string;
  /** The standby's `listen_addresses`. Default: the primary's (`''`, no TCP, for a primary on a socket only). */
  listenAddresses?: string;
  /** The standby's installation (same major version as the primary). Default: the primary's. */
  installation?: ClusterInstallation;
  /** How the standby reaches the primary: a host name, an IP address or a socket directory. Default: the primary's TCP address when it listens on one, else its socket directory. */
  host?: string;
  /** The standby's address, or a CIDR range, for the primary's `host` rules. Default `127.0.0.1/32`. */
  standbyAddress?: string;
  /** The role the standby streams as (LOGIN REPLICATION). Default `replicator`. */
  replicationUser?: string;
  /** The role a later `pg_rewind` connects as (LOGIN, with pg_rewind's grants). Default `rewind_user`. */
  rewindUser?: string;
  /** Where the two roles' generated passwords are kept. Default: a {@link FileCredentialsStore}. */
  credentials?: CredentialsStore;
  /** Replication events (primary restart, base backup, streaming). */
  log?: ReplicationLog;
  /** The standby Cluster's own log callback. */
  clusterLog?: ClusterLog;
}

const OPTION_NAMES = new Set([
  'name', 'slot', 'synchronous', 'port', 'runAs', 'timeout', 'signal', 'restartPrimary', 'socketDirectory', 'listenAddresses', 'installation',
  'host', 'standbyAddress', 'replicationUser', 'rewindUser', 'credentials', 'log', 'clusterLog',
]);
const DEFAULT_TIMEOUT = 120_000;
/** Settings a hot standby needs at least as high as its primary's (PostgreSQL refuses to start otherwise). */
const AT_LEAST_PRIMARY = ['max_connections', 'max_worker_processes', 'max_wal_senders', 'max_prepared_transactions', 'max_locks_per_transaction'];
// What the primary runs with for replication, which the copied postgresql.conf may say otherwise
// (a throwaway primary's lean `wal_level = minimal` when the primary got `replica` on its command
// line): the standby would not start (`max_wal_senders` > 0 needs `replica`), nor serve standbys
// and pg_rewind once promoted.
const SAME_AS_PRIMARY = ['wal_level', 'max_replication_slots', 'wal_log_hints', 'full_page_writes'];

/**
 * Makes `dataDirectory` a hot standby of `primary` and starts it; resolves once it streams
 * (`pg_stat_replication.state = 'streaming'` on the primary, and for a synchronous standby
 * `sync_state` `sync` or `quorum`). See docs/replication.md.
 */
export async function createStandby(primary: Cluster, dataDirectory: string, options: CreateStandbyOptions = {}): Promise<Cluster> {
  if (!(primary instanceof Cluster)) throw expected('primary', 'a Cluster (or TemporaryCluster) that runs', primary);
  if (typeof dataDirectory !== 'string' || !isAbsolute(dataDirectory)) throw expected('dataDirectory', 'an absolute path', dataDirectory);
  if (options === null || typeof options !== 'object') throw expected('options', 'an object', options);
  for (const key of Object.keys(options)) if (!OPTION_NAMES.has(key)) throw expected(key, `one of the options ${[...OPTION_NAMES].join(', ')}`, key);
  const {
    name = defaultStandbyName(dataDirectory), slot = false, synchronous = false, timeout = DEFAULT_TIMEOUT, signal, restartPrimary = false,
    installation = primary.installation, replicationUser = 'replicator', rewindUser = 'rewind_user',
    credentials = new FileCredentialsStore(), log, clusterLog,
  } = options;
  if (typeof name !== 'string' || !isStandbyName(name)) throw expected('name', 'printable ASCII of 1 to 63 characters without commas or quotes', name);
  if (typeof slot !== 'boolean' && !(typeof slot === 'string' && isSlotName(slot))) throw expected('slot', 'a boolean or a slot name (a-z, 0-9, _; up to 63)', slot);
  if (typeof synchronous !== 'boolean') throw expected('synchronous', 'a boolean', synchronous);
  if (typeof restartPrimary !== 'boolean') throw expected('restartPrimary', 'a boolean', restartPrimary);
  if (!(typeof timeout === 'number' && timeout > 0 && Number.isFinite(timeout))) throw expected('timeout', 'a positive number of milliseconds', timeout);
  if (options.port !== undefined && !(Number.isInteger(options.port) && options.port >= 1 && options.port <= 65535)) throw expected('port', 'an integer from 1 to 65535', options.port);
  if (options.socketDirectory !== undefined && (typeof options.socketDirectory !== 'string' || !isAbsolute(options.socketDirectory))) throw expected('socketDirectory', 'an absolute path', options.socketDirectory);
  if (options.listenAddresses !== undefined && typeof options.listenAddresses !== 'string') throw expected('listenAddresses', 'a string', options.listenAddresses);
  if (options.host !== undefined && (typeof options.host !== 'string' || options.host === '')) throw expected('host', 'a host name, an IP address or a socket directory', options.host);
  for (const [key, value] of [['replicationUser', replicationUser], ['rewindUser', rewindUser]] as const) {
    if (typeof value !== 'string' || value === '' || /["\0\r\n]/.test(value)) throw expected(key, 'a role name', value);
  }
  if (credentials === null || typeof credentials !== 'object' || typeof credentials.get !== 'function' || typeof credentials.set !== 'function') {
    throw expected('credentials', 'an object with get(key) and set(key, value)', credentials === null ? null : typeof credentials);
  }
  if (installation === null || typeof installation !== 'object' || !Number.isInteger(installation.versionInfo?.major)) throw expected('installation', 'an Installation', installation);
  signal?.throwIfAborted();
  const deadline = Date.now() + timeout;
  const remaining = (): number => Math.max(1, deadline - Date.now());

  // What can be refused is refused before the primary is touched.
  const lock = await primary.postmaster();
  if (lock === null) throw new ReplicationError('PRIMARY_NOT_RUNNING', `No server runs in ${primary.dataDirectory}: start the primary first`, { dataDirectory: primary.dataDirectory });
  const { major: serverMajor, nameInUse } = await readPrimaryFacts(primary, name);
  if (nameInUse) {
    throw new ReplicationError('NAME_IN_USE', `A standby named ${name} streams from ${primary.dataDirectory} already: give this one another \`name\``, { dataDirectory });
  }
  if (installation.versionInfo.major !== serverMajor) {
    throw new ReplicationError('MAJOR_MISMATCH', `The standby's installation is PostgreSQL ${installation.versionInfo.major}, the primary runs ${serverMajor}: streaming replication needs the same major version`, { dataDirectory });
  }
  await refuseOccupied(dataDirectory);
  // An empty folder the caller gave is kept on failure (emptied), as it was before the call.
  const hadFolder = (await lstat(dataDirectory).catch(() => null)) !== null;
  const hadLog = (await lstat(`${dataDirectory}.log`).catch(() => null)) !== null;
  const tcpHost = lock.listenAddresses === null || lock.listenAddresses === '' ? null : loopbackFor(lock.listenAddresses);
  const host = options.host ?? (tcpHost ?? lock.socketDirectory);
  if (host === null) throw new ReplicationError('PRIMARY_NOT_RUNNING', `The primary ${primary.dataDirectory} listens on neither TCP nor a socket`, { dataDirectory: primary.dataDirectory });
  const standbyAddress = options.standbyAddress ?? (host.includes(':') ? '::1/128' : '127.0.0.1/32');
  if (typeof standbyAddress !== 'string' || !/^[0-9a-fA-F.:]+(\/\d+)?$/.test(standbyAddress)) throw expected('standbyAddress', 'an IP address or a CIDR range', standbyAddress);
  const isLocal = isAbsolute(host) || ['localhost', '127.0.0.1', '::1'].includes(host);
  const basebackup = installation.paths['pg_basebackup'] ?? null;
  const hasBasebackup = basebackup !== null && isExecutableFileSync(basebackup);
  if (!hasBasebackup && !isLocal) {
    throw new ReplicationError('PROGRAM_MISSING', `A standby of ${host}:${lock.port} on another host needs pg_basebackup, which this installation does not have (${basebackup ?? 'no pg_basebackup'}); the low-level copy works on the primary's own host only`, { dataDirectory });
  }
  const runAs = options.runAs !== undefined ? await resolveRunAs(options.runAs) : await primary.runAsUser();
  if (!hasBasebackup && isRoot()) {
    const owner = (await stat(primary.dataDirectory)).uid;
    if (runAs === null || runAs.uid !== owner) {
      throw new ReplicationError('COPY_NOT_POSSIBLE', `Without pg_basebackup the standby is copied as the primary's OS user (uid ${owner}), but it would run as ${runAs?.user ?? 'root'}: give both the same \`runAs\``, { dataDirectory });
    }
  }

  const preparation = await preparePrimary(primary, { restartPrimary, replicationUser, rewindUser, credentials, standbyAddress, timeout: remaining(), ...(log !== undefined ? { log } : {}) });
  const primaryLock = (await primary.postmaster())!;
  const primaryPort = primaryLock.port;
  const slotName = slot === false ? null : slot === true ? toSlotName(name) : slot;
  const admin = await primary.connect({ application_name: 'pg-cluster replication' });
  let session: pg.Client | null = null;
  let created = false;
  let createdSlot = false;
  let previousSynchronous: string | null = null;
  try {
    if (slotName !== null) createdSlot = await ensureSlot(admin, slotName);
    const values = await admin.query<{ name: string; setting: string }>('SELECT name, setting FROM pg_settings WHERE name = ANY($1)', [[...AT_LEAST_PRIMARY, ...SAME_AS_PRIMARY, 'listen_addresses', 'unix_socket_directories']]);
    const primarySettings = new Map(values.rows.map((row) => [row.name, row.setting]));

    await ensureOwned(dataDirectory, runAs, { mode: 0o700 });
    created = true;
    const started = Date.now();
    if (hasBasebackup) {
      await runBaseBackup({
        program: basebackup, dataDirectory, host, port: primaryPort, user: replicationUser, password: preparation.replicationPassword,
        slot: slotName, applicationName: name, runAs, timeout: remaining(), ...(signal !== undefined ? { signal } : {}),
      });
    } else {
      session = await primary.connect({ application_name: 'pg-cluster base backup' });
      session.on('error', () => undefined);
      // Without a slot of the standby's own, a temporary one keeps the WAL from the backup's start until it streams.
      if (slotName === null) await session.query('SELECT pg_create_physical_replication_slot($1, true, true)', [`pg_cluster_backup_${process.pid}_${Date.now()}`]);
      await copyBaseBackup(primary, session, dataDirectory, { runAs, label: `pg-cluster standby ${name}`, ...(signal !== undefined ? { signal } : {}) });
    }
    log?.({ type: 'base-backup', message: `base backup of ${primary.dataDirectory} into ${dataDirectory}`, dataDirectory, method: hasBasebackup ? 'pg_basebackup' : 'copy', durationMs: Date.now() - started });

    const passfile = await writeStandbyPassfile(dataDirectory, replicationUser, preparation.replicationPassword);
    const port = options.port ?? (await findFreePort());
    const socketDirectory = options.socketDirectory ?? lock.socketDirectory;
    const settings: Record<string, string | null> = {
      primary_conninfo: formatPrimaryConninfo({ host, port: primaryPort, user: replicationUser, passfile, applicationName: name }),
      primary_slot_name: slotName,
      hot_standby: 'on',
      port: String(port),
      listen_addresses: options.listenAddresses ?? primarySettings.get('listen_addresses') ?? '',
      ...(socketDirectory !== null ? { unix_socket_directories: socketDirectory } : {}),
    };
    for (const key of [...AT_LEAST_PRIMARY, ...SAME_AS_PRIMARY]) if (primarySettings.has(key)) settings[key] = primarySettings.get(key)!;
    await writeStandbyConfiguration(dataDirectory, settings);
    await writeClusterMarker(dataDirectory);

    const reach = await primary.connectionOptions();
    const password = knownPassword(primary, reach);
    const standby = new Cluster(installation, dataDirectory, {
      ...(runAs !== null ? { runAs: runAs.user } : options.runAs === null ? { runAs: null } : {}),
      superuser: reach.user,
      ...(password !== undefined ? { password } : {}),
      ...(clusterLog !== undefined ? { log: clusterLog } : {}),
    });
    // A hot standby is ready once consistent, which takes the WAL from the backup's start: a standby
    // that cannot reach the primary never gets there.
    await standby.start({ timeout: remaining(), ...(signal !== undefined ? { signal } : {}) }).catch(async (error: unknown) => {
      if (!(error instanceof ClusterTimeoutError)) throw error;
      throw new ReplicationError('TIMEOUT', `The standby ${name} (${dataDirectory}) did not reach a consistent state in time: it got no WAL from ${host}:${primaryPort}${await describeLogTail(standby)}`, { dataDirectory, cause: error });
    });
    try {
      if (synchronous) previousSynchronous = await addToSynchronousStandbys(admin, name);
      const streamingSince = Date.now();
      await waitForStreaming(admin, standby, name, synchronous, deadline, signal);
      log?.({ type: 'streaming', message: `standby ${name} streams from ${primary.dataDirectory}`, dataDirectory, name, durationMs: Date.now() - streamingSince });
    } catch (error) {
      await standby.stop({ mode: 'immediate' }).catch(() => undefined);
      throw error;
    }
    return standby;
  } catch (error) {
    // Undo what would hurt the primary: commits waiting on a standby that is not there, a slot holding WAL forever.
    if (previousSynchronous !== null) {
      await admin.query(`ALTER SYSTEM SET synchronous_standby_names = ${quoteLiteral(previousSynchronous)}`).then(() => admin.query('SELECT pg_reload_conf()')).catch(() => undefined);
    }
    if (createdSlot) await admin.query('SELECT pg_drop_replication_slot($1)', [slotName]).catch(() => undefined);
    if (created && !hadFolder) await removeTree(dataDirectory).catch(() => undefined);
    if (created && hadFolder) await emptyFolder(dataDirectory).catch(() => undefined);
    // The standby's default log (`<dataDirectory>.log`, beside it) goes too when this call made it.
    if (created && !hadLog) await rm(`${dataDirectory}.log`, { force: true }).catch(() => undefined);
    throw error;
  } finally {
    await session?.end().catch(() => undefined);
    await admin.end().catch(() => undefined);
  }
}

/**
 * The superuser's password the primary's object knows (the standby has the same roles): the
 * Cluster's own, else that of a throwaway cluster's connection info (over TCP it has one).
 */
function knownPassword(primary: Cluster, reach: { user: string; password?: string }): string | undefined {
  if (reach.password !== undefined) return reach.password;
  for (const key of ['connectionInfo', 'tcpConnectionInfo']) {
    const info = (primary as unknown as Record<string, unknown>)[key];
    if (info instanceof ConnectionInfo && info.user === reach.user && info.password !== undefined) return info.password;
  }
  return undefined;
}

/** The primary server's major version, and whether a standby of that name streams from it already. */
async function readPrimaryFacts(primary: Cluster, name: string): Promise<{ major: number; nameInUse: boolean }> {
  const client = await primary.connect({ application_name: 'pg-cluster replication' });
  try {
    const { rows } = await client.query<{ version: string; used: boolean }>(
      "SELECT current_setting('server_version_num') AS version, EXISTS (SELECT FROM pg_stat_replication WHERE application_name = $1 AND state IS DISTINCT FROM 'backup') AS used",
      [name],
    );
    return { major: Math.floor(Number(rows[0]!.version) / 10_000), nameInUse: rows[0]!.used };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Removes what is in `folder`, never following a link (each entry through removeTree), and keeps the folder. */
async function emptyFolder(folder: string): Promise<void> {
  for (const entry of await readdir(folder)) await removeTree(join(folder, entry));
}

async function refuseOccupied(dataDirectory: string): Promise<void> {
  const stats = await lstat(dataDirectory).catch(() => null);
  if (stats === null) return;
  if (!stats.isDirectory() || (await readdir(dataDirectory)).length > 0) {
    throw new ReplicationError('DIRECTORY_NOT_EMPTY', `${dataDirectory} ${stats.isDirectory() ? 'is not empty' : 'exists and is not a directory'}: a standby needs a new or empty data directory`, { dataDirectory });
  }
}

/** Adds `name` to synchronous_standby_names; resolves to the value before, or null when nothing changed. */
async function addToSynchronousStandbys(admin: pg.Client, name: string): Promise<string | null> {
  const { rows } = await admin.query<{ setting: string; source: string }>("SELECT setting, source FROM pg_settings WHERE name = 'synchronous_standby_names'");
  const current = rows[0]!;
  if (current.source === 'command line') {
    throw new ReplicationError('PRIMARY_RESTART_REQUIRED', 'The primary has synchronous_standby_names on its command line, which ALTER SYSTEM cannot change: restart it without it', { settings: { synchronous_standby_names: name } });
  }
  const next = addSynchronousStandby(current.setting, name);
  if (next === current.setting) return null;
  await admin.query(`ALTER SYSTEM SET synchronous_standby_names = ${quoteLiteral(next)}`);
  await admin.query('SELECT pg_reload_conf()');
  return current.setting;
}

/**
 * The address a standby on this host uses to reach a server listening on `listenAddresses`:
 * `127.0.0.1` for `localhost`, `*`, `0.0.0.0` or 127.0.0.1 itself (a name such as `localhost`
 * may resolve to ::1 first, which the `host` rule for 127.0.0.1 would not let in), else the first address.
 */
function loopbackFor(listenAddresses: string): string {
  const addresses = listenAddresses.split(',').map((item) => item.trim());
  if (addresses.some((item) => ['localhost', '*', '0.0.0.0', '127.0.0.1'].includes(item))) return '127.0.0.1';
  return clientHostFor(addresses[0]!);
}

/** A TCP port nothing listens on now (bound on 127.0.0.1 and let go). */
async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

