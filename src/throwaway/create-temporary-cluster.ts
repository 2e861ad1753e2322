import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import pg from 'pg';
import { Cluster, ClusterStartupError, computeScramVerifier } from '../cluster/index.js';
import {
  handOverCreatedFolder,
  registerExitCleanup,
  removeTree,
  removeTreeSync,
  resolveRunAs,
  validateProgressListener,
  writeSelfSignedCertificate,
  type ProgressListener,
  type SettingValue,
} from '../control/index.js';
import { defaultInstallation, type Installation } from '../installation/index.js';
import { expected } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { ConnectionInfo } from './connection-info.js';
import { takeFromPool } from './cluster-pool.js';
import { copyDirectory } from './copy-directory.js';
import { findFreePort } from './free-port.js';
import { sweepLeftovers } from './leftovers.js';
import { walSettingsBeside, writeLeanSettings } from './lean-settings.js';
import { warmUpServer } from './released-connections.js';
import { writeOwnerMarker } from './owner-marker.js';
import { quoteIdentifier, quoteLiteral } from './sql-quote.js';
import { TemplateCache, type TemplateInitOptions } from './template-cache.js';
import { TemporaryCluster, type ThrowawayLog } from './temporary-cluster.js';
import { TemporaryClusterError } from './temporary-cluster-error.js';
import { ensurePrivateDirectory, resolveThrowawayRoot, type ThrowawayStorage } from './throwaway-root.js';

export interface TemporaryClusterOptions {
  /** The PostgreSQL to use. Default: {@link defaultInstallation} (with `major` when given), looked up once per process. */
  installation?: Installation;
  /** The major version wanted when `installation` is not given. */
  major?: number;
  /** initdb options, over the defaults (`postgres` superuser, UTF8, C.UTF-8 or C locale, 1 MB WAL segments, trust, no sync). */
  init?: TemplateInitOptions;
  /** Server settings (`-c`), over the throwaway defaults (fsync, synchronous_commit and full_page_writes off). */
  settings?: Readonly<Record<string, SettingValue>>;
  /** Extensions to create in the default database (`CREATE EXTENSION IF NOT EXISTS`). */
  extensions?: readonly string[];
  /** The default database; created when it is not `postgres`. */
  database?: string;
  /**
   * Listen on localhost too, on a free port (default: the private Unix socket only); the
   * cluster's `tcpConnectionInfo` says how to connect that way.
   */
  tcp?: boolean;
  /** Listen on localhost on this port (implies `tcp`; the socket uses the same port number). */
  port?: number;
  /** Set this password for `postgres` and require it (scram-sha-256) on the socket and TCP. */
  password?: string;
  /**
   * How clients authenticate. Default: `trust` on the private socket (a folder of mode 0700
   * that only this OS user, root and the server's user can enter), and with `tcp` or `port`,
   * `scram-sha-256` over TCP with a generated password (24 random bytes, base64url) that
   * `connectionInfo` and `tcpConnectionInfo` carry; with `password`, `scram-sha-256` on both.
   * `scram-sha-256`: a password on both (generated unless given). `trust`: no password
   * anywhere, TCP included: any local OS user who can reach the port is a superuser, so only
   * when that is what you want (it cannot be combined with `password`).
   */
  auth?: TemporaryClusterAuth;
  /** Where clusters and templates live: see {@link ThrowawayStorage}. Default: `$PG_CLUSTER_STORAGE`, else `auto`. */
  storage?: ThrowawayStorage;
  /** Copy a cached template (default) or run initdb for this cluster alone (`false`). */
  template?: boolean;
  /**
   * Copy this data directory (of a cleanly stopped cluster of the same installation, e.g. one
   * with migrated databases that createTestDatabases caches) instead of a freshly initialized
   * template. It is copied, never started or changed. Default: the cached initdb template.
   */
  templateDirectory?: string;
  /**
   * Keep `template0` (a template of its own in the cache). Default false: the cached template is
   * slim, without `template0`, and `CREATE DATABASE … TEMPLATE template0` fails with the server's
   * error 3D000 (`template database "template0" does not exist`); `template1` works as ever.
   * Ask for it when something creates databases from `template0` (another encoding or locale,
   * `pg_restore --create`). With `template: false` (initdb for this cluster) it is always there.
   */
  keepTemplate0?: boolean;
  /** The OS user the server runs as when this process is root (default `postgres`). */
  runAs?: string | null;
  /** Keep the folder after dispose (for debugging); the server is stopped all the same. */
  keep?: boolean;
  /**
   * Keep this many more clusters with the same options started in the background, so the next
   * call is served at once (each is a running server: memory and a few processes). Default 0.
   * Free them with {@link disposeClusterPools}; the exit cleanup removes them in any case.
   */
  prestart?: number;
  /** Milliseconds for the whole creation, initdb of a cold template included. Default 60,000. */
  timeout?: number;
  signal?: AbortSignal;
  log?: ThrowawayLog;
  /**
   * Serve TLS over TCP (implies `tcp`) with a self-signed certificate for `localhost`,
   * 127.0.0.1 and ::1 made by `openssl` in the cluster's folder (the key of mode 0600, owned by
   * the server's user): `ssl = on`, so clients can ask for `sslmode=require`. Without
   * `openssl` on PATH, a {@link CertificateError} `OPENSSL_NOT_FOUND`.
   */
  ssl?: boolean;
  /**
   * Told what a slow creation is doing as each step starts: a cold template build and its
   * initdb, the copy, the certificate. For a command line to show; nothing is printed.
   */
  onProgress?: ProgressListener;
}

/** The `auth` choices of a throwaway cluster: see {@link TemporaryClusterOptions.auth}. */
export type TemporaryClusterAuth = 'trust' | 'scram-sha-256';

/** Throwaway defaults for initdb: small, fast, independent of the machine's generated locales. */
export function defaultInitOptions(): TemplateInitOptions {
  return {
    user: 'postgres',
    encoding: 'UTF8',
    locale: hasCUtf8Locale() ? 'C.UTF-8' : 'C',
    // Trust only on the private socket; the host rules each cluster needs are written for it.
    authLocal: 'trust',
    authHost: 'reject',
    // 1 MB WAL segments instead of 16 MB: a smaller template (28 MB instead of 39 MB) to copy.
    walSegsize: 1,
    noSync: true,
  };
}

/** Throwaway defaults for the server: durability is pointless for data that is thrown away. */
export const THROWAWAY_SETTINGS: Readonly<Record<string, SettingValue>> = Object.freeze({
  fsync: false,
  synchronous_commit: false,
  full_page_writes: false,
});

/** What the server listens on with `tcp`, and the host of `tcpConnectionInfo`: one name for both, so they match. */
const TCP_HOST = 'localhost';
const PORT_ATTEMPTS = 5;
/** sun_path is 108 bytes on Linux, NUL included. */
const MAX_SOCKET_PATH_BYTES = 107;
const swept = new Set<string>();

/**
 * Creates and starts a throwaway cluster, ready for SQL. The fast path: the data directory
 * is copied from a template cached per (installation, init options), and `postgres` is
 * started directly on a private socket directory. Dispose it when done (`await using`).
 */
export async function createTemporaryCluster(options: TemporaryClusterOptions = {}): Promise<TemporaryCluster> {
  validate(options);
  const { prestart = 0 } = options;
  if (prestart === 0) return createOne(options);
  const installation = options.installation ?? (await discoveredInstallation(options.major));
  const { signal: _signal, log: _log, onProgress: _onProgress, timeout: _timeout, prestart: _prestart, installation: _installation, ...shape } = options;
  const key = JSON.stringify([await installation.fingerprint(), installation.paths.postgres, shape]);
  // Background starts must not be cancelled by this caller's signal.
  const { signal: _callerSignal, ...backgroundOptions } = { ...options, installation, prestart: 0 };
  return takeFromPool(key, prestart, () => createWarmedUp(backgroundOptions), () => createOne({ ...options, installation, prestart: 0 }));
}

/** A cluster for the pool: started, and its first connection made and closed (see warmUpServer). */
async function createWarmedUp(options: TemporaryClusterOptions): Promise<TemporaryCluster> {
  const cluster = await createOne(options);
  // A failed warm-up only costs the handout's first query those milliseconds.
  await warmUpServer(cluster.connectionInfo).catch(() => undefined);
  return cluster;
}

async function createOne(options: TemporaryClusterOptions): Promise<TemporaryCluster> {
  const { timeout = 60_000, signal: callerSignal, log, onProgress } = options;
  const signals = [AbortSignal.timeout(timeout), ...(callerSignal === undefined ? [] : [callerSignal])];
  const signal = AbortSignal.any(signals);
  // Steps with a timeout of their own (initdb: 10 s by default) get what is left of ours.
  const deadline = Date.now() + timeout;
  const remaining = (): number => Math.max(1, deadline - Date.now());

  const installation = options.installation ?? (await discoveredInstallation(options.major));
  const root = await resolveThrowawayRoot(options.storage ?? defaultStorage());
  const clustersFolder = await ensurePrivateDirectory(join(root.path, 'clusters'), { shared: process.getuid?.() === 0 });
  if (!swept.has(clustersFolder)) {
    swept.add(clustersFolder);
    const { removed } = await sweepLeftovers(clustersFolder);
    if (removed.length > 0) log?.({ type: 'sweep', message: `removed ${removed.length} folder(s) left by killed processes`, removed });
  }
  const user = await resolveRunAs(options.runAs);
  const initOptions: TemplateInitOptions = { ...defaultInitOptions(), ...options.init };
  if (initOptions.user !== undefined && initOptions.user !== 'postgres') {
    throw expected('init.user', '`postgres` (the superuser of a throwaway cluster)', initOptions.user);
  }

  const directory = await mkdtemp(join(clustersFolder, `${process.pid}-`));
  // The server's socket is <directory>/.s.PGSQL.<port>; sun_path holds 107 bytes and a NUL.
  if (Buffer.byteLength(join(directory, '.s.PGSQL.65535')) > MAX_SOCKET_PATH_BYTES) {
    await rm(directory, { recursive: true, force: true });
    throw new TemporaryClusterError(
      'SOCKET_PATH_TOO_LONG',
      `The socket path under ${directory} would be longer than ${MAX_SOCKET_PATH_BYTES} bytes, the Unix socket limit: choose a shorter \`storage\` folder`,
      { path: directory },
    );
  }
  // From here on, an exit of this process removes the folder (unless kept).
  // Synchronous (nothing else runs at exit) and, like every removal here, never through a link the server's user made.
  const unregisterCleanup = options.keep === true ? () => undefined : registerExitCleanup(() => removeTreeSync(directory));
  let cluster: TemporaryCluster | null = null;
  try {
    await writeOwnerMarker(directory, { isNewFolder: true });
    await handOverCreatedFolder(directory, user);
    await chmod(directory, 0o700);
    const dataDirectory = join(directory, 'data');
    const runAsOption = options.runAs !== undefined ? { runAs: options.runAs } : {};
    if (options.template === false) {
      const own = new Cluster(installation, dataDirectory, runAsOption);
      await own.init({ ...initOptions, timeout: remaining(), signal, ...(onProgress !== undefined ? { onProgress } : {}) });
      await writeLeanSettings(own);
    } else if (options.templateDirectory !== undefined) {
      const copyStarted = Date.now();
      const method = await copyDirectory(options.templateDirectory, dataDirectory, user, { signal, staging: clustersFolder });
      log?.({ type: 'copy', message: `copied ${options.templateDirectory} (${method})`, from: options.templateDirectory, to: dataDirectory, method, durationMs: Date.now() - copyStarted });
    } else {
      const started = Date.now();
      const cache = new TemplateCache(root.path);
      const template = await cache.get(installation, initOptions, { ...runAsOption, keepTemplate0: options.keepTemplate0 === true, timeout: remaining(), signal, ...(onProgress !== undefined ? { onProgress } : {}) });
      log?.({ type: 'template', message: `template ${template.key}${template.wasCached ? '' : ' built'}`, key: template.key, wasCached: template.wasCached, durationMs: Date.now() - started });
      if (!template.wasCached) onProgress?.({ step: 'copy', message: `copying the template into ${dataDirectory}` });
      const copyStarted = Date.now();
      const method = await copyDirectory(template.dataDirectory, dataDirectory, user, { signal, staging: clustersFolder });
      log?.({ type: 'copy', message: `copied the template (${method})`, from: template.dataDirectory, to: dataDirectory, method, durationMs: Date.now() - copyStarted });
    }
    const tcp = options.tcp === true || options.port !== undefined || options.ssl === true;
    let sslSettings: Record<string, SettingValue> = {};
    if (options.ssl === true) {
      onProgress?.({ step: 'certificate', message: `making a self-signed certificate in ${directory}` });
      const { certFile, keyFile } = await writeSelfSignedCertificate(directory, { user, timeout: remaining(), signal });
      sslSettings = { ssl: true, ssl_cert_file: certFile, ssl_key_file: keyFile };
    }
    // The template's own pg_hba.conf trusts the private socket and rejects TCP. A password is set
    // over the trusted socket once the server runs: TCP asks for it from the start (no password
    // is set until then, so nothing gets in), the socket too once it is set when `auth` says so.
    // undefined: the default, trust on the socket and a generated password over TCP.
    const auth = options.auth ?? (options.password !== undefined ? 'scram-sha-256' : undefined);
    const password = auth === 'scram-sha-256' ? (options.password ?? generatePassword()) : auth === undefined && tcp ? generatePassword() : undefined;
    if (auth === 'trust' && tcp) await writeFileAtomic(join(dataDirectory, 'pg_hba.conf'), trustHba());
    else if (password !== undefined) await writeFileAtomic(join(dataDirectory, 'pg_hba.conf'), passwordHba('trust'));

    const database = options.database ?? 'postgres';
    const tried = new Set<number>();
    for (let attempt = 1; ; attempt++) {
      const port = options.port ?? (tcp ? await findFreePort({ exclude: tried }) : 5432);
      tried.add(port);
      const parameters = {
        port,
        user: 'postgres',
        database,
        ...(password !== undefined ? { password } : {}),
      };
      cluster = new TemporaryCluster({
        installation,
        directory,
        connectionInfo: new ConnectionInfo({ ...parameters, host: directory }),
        tcpConnectionInfo: tcp ? new ConnectionInfo({ ...parameters, host: TCP_HOST }) : null,
        keep: options.keep === true,
        ...(auth === 'scram-sha-256' ? { password } : {}),
        unregisterCleanup,
        isFreshCopy: true,
        ...runAsOption,
        ...(log !== undefined ? { log } : {}),
      });
      try {
        await cluster.start({
          settings: {
            ...THROWAWAY_SETTINGS,
            ...walSettingsBeside(options.settings),
            // On a RAM-backed root, dynamic shared memory in files of the data directory
            // (pg_dynshmem/) instead of /dev/shm/PostgreSQL.*: a server killed outright leaves
            // nothing outside its folder, and the folder is removed.
            ...(root.isMemory ? { dynamic_shared_memory_type: 'mmap' } : {}),
            ...options.settings,
            ...sslSettings,
            listen_addresses: tcp ? TCP_HOST : '',
            port,
            unix_socket_directories: directory,
          },
          timeout: remaining(),
          // Poll postmaster.pid at least every 4 ms: a server that is ready in ~30 ms would
          // otherwise wait out the default backoff of up to 50 ms.
          delay: 4,
          signal,
        });
        break;
      } catch (error) {
        const portTaken = error instanceof ClusterStartupError && error.code === 'PORT_IN_USE';
        if (!portTaken || options.port !== undefined || attempt >= PORT_ATTEMPTS) throw error;
      }
    }
    if (password !== undefined) await setPassword(cluster, password, dataDirectory, auth === 'scram-sha-256');
    if (database !== 'postgres') await runAdmin(cluster.connectionInfo.withDatabase('postgres'), [`CREATE DATABASE ${quoteIdentifier(database)}`]);
    if (options.extensions !== undefined && options.extensions.length > 0) {
      await runAdmin(cluster.connectionInfo, options.extensions.map((name) => `CREATE EXTENSION IF NOT EXISTS ${quoteIdentifier(name)}`));
    }
    return cluster;
  } catch (error) {
    if (cluster !== null) await cluster.dispose().catch(() => undefined);
    if (options.keep !== true) {
      // The error that matters is the one thrown below; dispose may be removing the folder too.
      await removeTree(directory).catch(() => undefined);
      unregisterCleanup();
    }
    if (signal.aborted && !(callerSignal?.aborted ?? false) && !(error instanceof TemporaryClusterError)) {
      throw new TemporaryClusterError('START_FAILED', `The throwaway cluster was not ready within ${timeout} ms`, { path: directory, cause: error });
    }
    throw error;
  }
}

function validate(options: TemporaryClusterOptions): void {
  if (options === null || typeof options !== 'object') throw expected('options', 'an object', options);
  const { timeout, port, tcp, password, auth, database, extensions, keep, prestart, templateDirectory, ssl } = options;
  if (templateDirectory !== undefined && !(typeof templateDirectory === 'string' && isAbsolute(templateDirectory))) throw expected('templateDirectory', 'an absolute path', templateDirectory);
  if (ssl !== undefined && typeof ssl !== 'boolean') throw expected('ssl', 'a boolean', ssl);
  validateProgressListener(options.onProgress);
  if (prestart !== undefined && !(Number.isInteger(prestart) && prestart >= 0)) throw expected('prestart', 'a non-negative integer', prestart);
  if (prestart !== undefined && prestart > 0 && port !== undefined) throw expected('prestart', '0 when `port` is given (one port, one server)', prestart);
  if (timeout !== undefined && !(typeof timeout === 'number' && timeout > 0)) throw expected('timeout', 'a positive number', timeout);
  if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535)) throw expected('port', 'an integer from 1 to 65535', port);
  if (tcp !== undefined && typeof tcp !== 'boolean') throw expected('tcp', 'a boolean', tcp);
  if (keep !== undefined && typeof keep !== 'boolean') throw expected('keep', 'a boolean', keep);
  if (options.keepTemplate0 !== undefined && typeof options.keepTemplate0 !== 'boolean') throw expected('keepTemplate0', 'a boolean', options.keepTemplate0);
  if (password !== undefined && (typeof password !== 'string' || password === '')) throw expected('password', 'a non-empty string', '<redacted>');
  if (auth !== undefined && auth !== 'trust' && auth !== 'scram-sha-256') throw expected('auth', "'trust' or 'scram-sha-256'", auth);
  if (auth === 'trust' && password !== undefined) throw expected('auth', "'scram-sha-256' (or left out) when `password` is given", auth);
  if (database !== undefined && (typeof database !== 'string' || database === '' || Buffer.byteLength(database) > 63)) {
    throw expected('database', 'a name of 1 to 63 bytes', database);
  }
  if (extensions !== undefined && (!Array.isArray(extensions) || extensions.some((name) => typeof name !== 'string' || name === ''))) {
    throw expected('extensions', 'an array of extension names', extensions);
  }
}

const discovered = new Map<number | 'default', Promise<Installation>>();

/**
 * `defaultInstallation()` (with `major`), looked up once per process: discovery runs
 * `pg_config` and reads folders, some 25 ms that every throwaway cluster would otherwise pay.
 */
function discoveredInstallation(major: number | undefined): Promise<Installation> {
  const key = major ?? 'default';
  let found = discovered.get(key);
  if (found === undefined) {
    found = defaultInstallation(major === undefined ? {} : { major });
    discovered.set(key, found);
    found.catch(() => discovered.delete(key));
  }
  return found;
}

/** `$PG_CLUSTER_STORAGE` when set (a CI can point every run at one place), else `auto`. */
export function defaultStorage(): ThrowawayStorage {
  const fromEnv = process.env['PG_CLUSTER_STORAGE'];
  return fromEnv === undefined || fromEnv === '' ? 'auto' : fromEnv;
}

function hasCUtf8Locale(): boolean {
  return existsSync('/usr/lib/locale/C.utf8') || existsSync('/usr/lib/locale/C.UTF-8');
}

/** `auth: 'trust'` with TCP: no password anywhere, as asked for by name. */
function trustHba(): string {
  return ['local all all trust', 'host all all 127.0.0.1/32 trust', 'host all all ::1/128 trust', ''].join('\n');
}

/** scram-sha-256 over TCP; on the socket `local` (trust while the password is set, then scram-sha-256 when asked for). */
function passwordHba(local: 'trust' | 'scram-sha-256'): string {
  return [`local all all ${local}`, 'host all all 127.0.0.1/32 scram-sha-256', 'host all all ::1/128 scram-sha-256', ''].join('\n');
}

/** A strong random password for a cluster that listens on TCP: 24 random bytes, base64url. */
function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * Sets the superuser's password over the trusted socket, as a SCRAM verifier computed here (the
 * server, and its log with `log_statement = 'all'`, never see the password). With `onSocket`,
 * switches the socket to scram-sha-256 too, reloads, and waits until a connection without the
 * password is refused.
 */
async function setPassword(cluster: TemporaryCluster, password: string, dataDirectory: string, onSocket: boolean): Promise<void> {
  const withoutPassword = new ConnectionInfo({ ...cluster.connectionInfo.toParameters(), database: 'postgres' });
  await runAdmin(withoutPassword, [`ALTER ROLE postgres PASSWORD ${quoteLiteral(computeScramVerifier(password))}`]);
  if (!onSocket) return;
  const hba = join(dataDirectory, 'pg_hba.conf');
  await writeFileAtomic(hba, passwordHba('scram-sha-256'));
  await cluster.reload();
  const deadline = Date.now() + 5_000;
  for (;;) {
    const client = new pg.Client(withoutPassword.clientConfig());
    const refused = await client.connect().then(
      async () => {
        await client.end();
        return false;
      },
      () => true,
    );
    if (refused) return;
    if (Date.now() > deadline) throw new TemporaryClusterError('START_FAILED', 'The server did not apply the password requirement after a reload', { path: hba });
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function runAdmin(info: ConnectionInfo, statements: string[]): Promise<void> {
  const client = new pg.Client(info.clientConfig());
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}
