import { lstat } from 'node:fs/promises';
import { expected } from '../errors.js';
import { join } from 'node:path';
import { Cluster, type ClusterDescription, type ClusterEvent, type ClusterInstallation, type StartOptions, type StartResult } from '../cluster/index.js';
import { isProcessAlive, readPostmasterPid, removeLeakedSegment, removeTree } from '../control/index.js';
import type { ClientConfig, ConnectionEnv, ConnectionInfo, ConnectionParameters } from './connection-info.js';
import { writeOwnerMarker } from './owner-marker.js';
import { trackCleanup } from './pending-cleanups.js';
import { ReleasedConnections } from './released-connections.js';
import { createDatabase, TemporaryDatabase, type CreateDatabaseOptions } from './temporary-database.js';

/** What a throwaway cluster tells its `log` callback, besides the Cluster's own events. */
export type ThrowawayEvent =
  | { type: 'template'; message: string; key: string; wasCached: boolean; durationMs: number }
  | { type: 'copy'; message: string; from: string; to: string; method: string; durationMs: number }
  | { type: 'sweep'; message: string; removed: string[] }
  | { type: 'kept'; message: string; directory: string };

export type ThrowawayLog = (event: ClusterEvent | ThrowawayEvent) => void;

/** Options of {@link TemporaryCluster.dispose}. */
export interface DisposeOptions {
  /**
   * Wait until the server has exited (default true). `false` resolves as soon as the server has
   * been told to quit (SIGQUIT): its exit and the folder's removal finish in the background
   * ({@link waitForCleanup} awaits them), and if Node exits first the exit cleanup still waits
   * for the server to be gone (SIGKILL after 5 s). Not with `keep` (the folder's server is
   * then stopped cleanly, and that is waited for).
   */
  wait?: boolean;
}

export interface TemporaryClusterParts {
  installation: ClusterInstallation;
  /** The cluster's own folder: `data/`, the server log, the socket, the owner marker. */
  directory: string;
  connectionInfo: ConnectionInfo;
  /** The same over TCP, when the server listens on it; `null` (the default) when it does not. */
  tcpConnectionInfo?: ConnectionInfo | null;
  runAs?: string | null;
  log?: ThrowawayLog;
  keep: boolean;
  /** The superuser's password when the socket asks for it too (for the Cluster's own connections: reload()). */
  password?: string;
  /** Unregisters the exit cleanup that removes `directory` (called once dispose removed it). */
  unregisterCleanup?: () => void;
  /**
   * The data directory was just made by this process (a copy of its own template, or initdb) in a
   * folder of its own: the first start() skips the look for servers and crash remains there.
   */
  isFreshCopy?: boolean;
}

/** What `JSON.stringify` and `inspect` show of a throwaway cluster: passwords redacted. */
export interface TemporaryClusterDescription extends ClusterDescription {
  directory: string;
  connectionInfo: ConnectionParameters;
  tcpConnectionInfo: ConnectionParameters | null;
  keep: boolean;
}

/**
 * A started throwaway cluster (from {@link createTemporaryCluster}): a {@link Cluster} in a
 * folder of its own, with its own socket directory, whose superuser is `postgres`. Dispose it
 * (`await using`, `dispose()`) and the server stops at once (immediate shutdown: nothing in it
 * is meant to last) and its folder is removed in the background; Node waits for that removal
 * before it exits, and the exit cleanup removes it if the process ends first. `keep: true`
 * keeps the folder (the server is then shut down cleanly) and says where it is.
 */
export class TemporaryCluster extends Cluster {
  /** The cluster's folder (`data/` is the data directory). */
  readonly directory: string;
  /** How to reach the cluster's default database: over its private Unix socket (`host` is the socket directory). */
  readonly connectionInfo: ConnectionInfo;
  /**
   * The same database, user and password over TCP (`host` is `localhost`, the server's
   * `listen_addresses`), when the cluster was created with `tcp` or `port`; otherwise `null`.
   */
  readonly tcpConnectionInfo: ConnectionInfo | null;
  /** Whether the folder is kept after dispose. */
  readonly keep: boolean;
  readonly #databases = new Set<TemporaryDatabase>();
  readonly #unregisterCleanup: () => void;
  readonly #emitEvent: ThrowawayLog | undefined;
  #disposed: Promise<void> | null = null;
  /** The server's exit after a `dispose({ wait: false })` (resolves when gone). */
  #exited: Promise<void> = Promise.resolve();
  readonly #released = new ReleasedConnections();
  #isFreshCopy: boolean;

  constructor(parts: TemporaryClusterParts) {
    super(parts.installation, join(parts.directory, 'data'), {
      superuser: 'postgres',
      ...(parts.password !== undefined ? { password: parts.password } : {}),
      ...(parts.runAs !== undefined ? { runAs: parts.runAs } : {}),
      ...(parts.log !== undefined ? { log: parts.log } : {}),
    });
    this.directory = parts.directory;
    this.connectionInfo = parts.connectionInfo;
    this.tcpConnectionInfo = parts.tcpConnectionInfo ?? null;
    this.keep = parts.keep;
    this.#emitEvent = parts.log;
    this.#unregisterCleanup = parts.unregisterCleanup ?? (() => undefined);
    this.#isFreshCopy = parts.isFreshCopy === true;
  }

  /** Cluster.start(); the first start of a fresh copy skips what cannot be there (see TemporaryClusterParts.isFreshCopy). */
  override async start(options: StartOptions = {}): Promise<StartResult> {
    if (!this.#isFreshCopy) return super.start(options);
    this.#isFreshCopy = false;
    return this.startFreshCopy(options);
  }

  /** Where the cluster is and how to reach it, with the password redacted (see {@link ConnectionInfo.toJSON}). */
  override toJSON(): TemporaryClusterDescription {
    return {
      ...super.toJSON(),
      directory: this.directory,
      connectionInfo: this.connectionInfo.toJSON(),
      tcpConnectionInfo: this.tcpConnectionInfo?.toJSON() ?? null,
      keep: this.keep,
    };
  }

  /** libpq keyword/value connection string of the default database. */
  connectionString(): string {
    return this.connectionInfo.connectionString();
  }

  /** `postgresql://` URI of the default database: `postgresql:///<database>?host=<socket directory>&port=…&user=…`, percent-encoded (see {@link ConnectionInfo.uri}). */
  uri(): string {
    return this.connectionInfo.uri();
  }

  /** Options for `new pg.Client()` / `postgres()`. */
  clientConfig(): ClientConfig {
    return this.connectionInfo.clientConfig();
  }

  /** `PGHOST`, `PGPORT`, `PGUSER`, `PGDATABASE` (and `PGPASSWORD`) for psql and libpq tools. */
  env(): ConnectionEnv {
    return this.connectionInfo.env();
  }

  /**
   * Runs one statement in the default database through node-postgres, on a connection of its
   * own that is closed afterwards (so no idle session keeps the database from being used as a
   * template). It resolves with the rows while the connection closes in the background;
   * {@link createDatabase} and {@link cloneDatabase} wait for those closes first. For the SDK's
   * own use and quick scripts; an application uses its own client with {@link clientConfig}.
   */
  async query<Row extends Record<string, unknown> = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]> {
    return this.#released.query<Row>(this.connectionInfo, sql, params);
  }

  /**
   * A new database copied from `template` (default: `template1`), with a unique safe name
   * unless one is given; dropped on its own dispose or with the cluster.
   */
  async createDatabase(options: CreateDatabaseOptions = {}): Promise<TemporaryDatabase> {
    // The template must have no other sessions: those of query() still closing are waited for.
    await this.#released.settle();
    const database = await createDatabase(this.connectionInfo, options);
    const tracked = new TemporaryDatabase(database.connectionInfo, database.template, () => this.#databases.delete(tracked));
    this.#databases.add(tracked);
    return tracked;
  }

  /** A copy of the cluster's default database (where migrations ran): `createDatabase({ template: <default> })`. */
  async cloneDatabase(options: Omit<CreateDatabaseOptions, 'template'> = {}): Promise<TemporaryDatabase> {
    return this.createDatabase({ ...options, template: this.connectionInfo.database });
  }

  /**
   * Stops the server and removes the folder (unless `keep`). The server is gone when this
   * resolves (with `wait: false`: it has been told to quit, see {@link DisposeOptions}); the
   * folder removal finishes in the background (see {@link waitForCleanup}). Idempotent: a
   * later `dispose()` that waits resolves once the server is gone.
   */
  async dispose(options: DisposeOptions = {}): Promise<void> {
    if (options === null || typeof options !== 'object') throw expected('options', 'an object', options);
    const { wait = true } = options;
    if (typeof wait !== 'boolean') throw expected('wait', 'a boolean', wait);
    this.#disposed ??= this.#dispose(wait);
    await this.#disposed;
    if (wait) await holdingEventLoop(this.#exited);
  }

  override async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }

  async #dispose(wait: boolean): Promise<void> {
    if (this.keep) {
      // Drop the per-test databases, stop cleanly so the folder can be inspected and restarted.
      await Promise.allSettled([...this.#databases].map((database) => database.dispose()));
      await holdingEventLoop(this.stop({ mode: 'fast', timeout: 5_000 }));
      await writeOwnerMarker(this.directory, { keep: true });
      this.#emitEvent?.({ type: 'kept', message: `kept the throwaway cluster in ${this.directory}`, directory: this.directory });
      return;
    }
    this.#databases.clear();
    // Nothing in a throwaway cluster is meant to last: immediate shutdown (SIGQUIT) takes a few ms.
    if (wait) {
      await holdingEventLoop(this.stop({ mode: 'immediate', timeout: 5_000 }));
    } else {
      await this.stop({ mode: 'immediate', wait: false });
      // The same stop again waits for the exit (the signal is sent once more: harmless) and
      // escalates to SIGKILL after 5 s; the removal below comes after it.
      this.#exited = this.stop({ mode: 'immediate', timeout: 5_000 }).then(
        () => undefined,
        () => undefined,
      );
    }
    const exited = this.#exited;
    const directory = this.directory;
    const dataDirectory = this.dataDirectory;
    trackCleanup(
      (async () => {
        await exited;
        // A server that was killed outright (kill(), a crash) left postmaster.pid and its
        // System V segment: remove the segment before the folder that names it.
        // Only a segment of the server's user (the folder's owner): postmaster.pid is theirs to write.
        const lock = await readPostmasterPid(dataDirectory).catch(() => null);
        const owner = (await lstat(directory).catch(() => null))?.uid;
        if (lock !== null && owner !== undefined && !isProcessAlive(lock.pid)) await removeLeakedSegment(lock.shmemKey, { uid: owner });
        // The server's user can write in the folder: removed without following a link (as that user, see removeTree).
        await removeTree(directory);
      })().finally(() => this.#unregisterCleanup()),
    );
  }
}

/**
 * Awaits `work` with a timer that keeps Node's event loop alive meanwhile. The server child
 * process is unref'd (it must not keep Node running), so in a plain script whose last act is
 * `await cluster.dispose()`, waiting for its exit event would otherwise let Node end first
 * (exit code 13, "unsettled top-level await").
 */
async function holdingEventLoop<T>(work: Promise<T>): Promise<T> {
  const timer = setInterval(() => undefined, 60_000);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}
