import pg from 'pg';
import { generateDatabaseName, quoteIdentifier, type ConnectionInfo, type TemporaryCluster } from '../throwaway/index.js';
import {
  createDatabaseStatement,
  deleteRows,
  leavePool,
  dropDatabaseStatement,
  insertDatabase,
  markKept,
  reserveReady,
  setState,
  snapshotsOf,
  takeReady,
  terminateSessions,
} from './pool-catalog.js';
import { TestDatabase, type TestDatabaseOwner } from './test-database.js';
import { TestDatabasesError } from './test-databases-error.js';

/** What a {@link TestDatabases} did so far: for benchmarks and for tuning `pool`. */
export interface TestDatabasesStats {
  /** Databases handed out by acquire(). */
  acquired: number;
  /** Of those, how many acquire() had to wait for (none was ready with its connection open). */
  waited: number;
  /** Milliseconds acquire() spent waiting, in total. */
  blockedMs: number;
  /** Databases this process created in the background to fill the pool. */
  createdInBackground: number;
  /** Databases created on demand because the pool was empty. */
  createdOnDemand: number;
  /** Databases dropped (released ones, and orphans of processes that died). */
  dropped: number;
  kept: number;
  /** Milliseconds spent in CREATE DATABASE (background and on demand) and in DROP DATABASE, in total. */
  createMs: number;
  dropMs: number;
}

/** @internal What createTestDatabases hands the constructor. */
export interface TestDatabasesParts {
  connectionInfo: ConnectionInfo;
  template: string;
  pool: number;
  major: number;
  wasCached: boolean;
  cluster: TemporaryCluster | null;
  control: pg.Client;
  owner: number;
  fileCopyMethod: 'clone' | null;
}

/**
 * Fresh copies of one migrated template database, handed out from a pool that is refilled in
 * the background ({@link createTestDatabases} makes one). Any number of processes can use the
 * same cluster and template at once: the pool is shared through the cluster's own catalog
 * (see docs/testing.md), and no database is ever handed out twice.
 */
export class TestDatabases implements TestDatabaseOwner {
  /** The cluster's connection info (its control database, where the catalog lives). */
  readonly connectionInfo: ConnectionInfo;
  /** The name of the migrated template database. */
  readonly template: string;
  /** How many databases the pool keeps ready. */
  readonly pool: number;
  /** True when the migrated template came from the cache (no migration ran). */
  readonly wasCached: boolean;
  /** The throwaway cluster this object started and disposes, or null when it was given one. */
  readonly cluster: TemporaryCluster | null;
  readonly #major: number;
  readonly #control: pg.Client;
  readonly #owner: number;
  readonly #fileCopyMethod: 'clone' | null;
  readonly #creators: (Promise<pg.Client> | null)[] = [null, null];
  #dropper: Promise<pg.Client> | null = null;
  #next: Promise<TestDatabase> | null = null;
  /** Whether #next has settled (a database is ready with its connection open). */
  #nextReady = false;
  /** Drops waiting for the pool to be full: creating comes first. */
  #dropsWaiting = 0;
  /** Resolved when too many drops wait: they then go ahead while the pool fills. */
  #dropPressure = createSignal();
  #filling: Promise<void> | null = null;
  #drops: Promise<void> = Promise.resolve();
  readonly #handedOut = new Set<TestDatabase>();
  readonly #kept = new Set<string>();
  #disposed: Promise<void> | null = null;
  readonly #stats: TestDatabasesStats = { acquired: 0, waited: 0, blockedMs: 0, createdInBackground: 0, createdOnDemand: 0, dropped: 0, kept: 0, createMs: 0, dropMs: 0 };
  /** The last error of a background fill (the next acquire() then creates its own, so its error is the caller's). */
  #fillError: unknown = null;

  /** @internal Use {@link createTestDatabases}. */
  constructor(parts: TestDatabasesParts) {
    this.connectionInfo = parts.connectionInfo;
    this.template = parts.template;
    this.pool = parts.pool;
    this.wasCached = parts.wasCached;
    this.cluster = parts.cluster;
    this.#major = parts.major;
    this.#control = parts.control;
    this.#owner = parts.owner;
    this.#fileCopyMethod = parts.fileCopyMethod;
    this.#control.on('error', () => undefined);
  }

  get stats(): Readonly<TestDatabasesStats> {
    return { ...this.#stats };
  }

  /** @internal Starts filling the pool and preparing the first database. */
  start(): void {
    this.#fill();
    this.#prepareNext();
  }

  /**
   * A fresh copy of the migrated template with a connection to it open: from the pool at once
   * when one is ready (the usual case), else made now. The pool is refilled behind it.
   */
  async acquire(): Promise<TestDatabase> {
    this.#checkOpen();
    const started = performance.now();
    const next = this.#next;
    this.#next = null;
    let database: TestDatabase;
    if (next === null || !this.#nextReady) this.#stats.waited++;
    if (next === null) {
      database = await this.#prepare();
    } else {
      // A background preparation that failed: make one now, so the error (if any) is this call's.
      database = await next.catch(() => this.#prepare());
    }
    this.#handedOut.add(database);
    this.#stats.acquired++;
    this.#stats.blockedMs += performance.now() - started;
    if (this.#disposed === null) {
      this.#prepareNext();
      this.#fill();
    }
    return database;
  }

  /**
   * Keeps `database` for a look after a failed test: it is not dropped on release or dispose
   * (nor swept by another process); its connection is closed. Resolves to its connection info
   * (this library prints nothing: a fixture hands it to the test runner's report).
   */
  async keep(database: TestDatabase): Promise<ConnectionInfo> {
    if (database.state === 'kept' && this.#kept.has(database.name)) return database.connectionInfo;
    if (!this.#handedOut.has(database)) {
      if (this.#disposed !== null) this.#checkOpen();
      throw new TestDatabasesError('NOT_OURS', `The test database ${database.name} was not handed out by this TestDatabases (or was released already)`, { database: database.name });
    }
    this.#handedOut.delete(database);
    database.markState('kept');
    await database.detachClient()?.end().catch(() => undefined);
    await markKept(this.#control, database.name);
    this.#kept.add(database.name);
    this.#stats.kept++;
    return database.connectionInfo;
  }

  /** The names of the databases kept by {@link keep} through this object. */
  keptDatabases(): string[] {
    return [...this.#kept];
  }

  /**
   * Drops what this object made and did not keep (handed out or not), waits for the drops in
   * the background, closes its connections and, when it started the cluster, disposes of it.
   * Idempotent.
   */
  dispose(): Promise<void> {
    this.#disposed ??= this.#dispose();
    return this.#disposed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }

  /** @internal */
  async releaseDatabase(database: TestDatabase): Promise<void> {
    if (!this.#handedOut.delete(database)) return;
    database.markState('released');
    this.#scheduleDrop(database.name, database.detachClient());
  }

  /** @internal */
  async snapshotDatabase(database: TestDatabase, name: string): Promise<void> {
    const snapshot = snapshotName(database.name, name);
    await this.#withoutConnection(database, async () => {
      await this.#control.query(dropDatabaseStatement(snapshot, this.#major));
      await this.#copy(database.name, snapshot);
      await this.#control.query(`ALTER DATABASE ${quoteIdentifier(snapshot)} ALLOW_CONNECTIONS false`);
      await deleteRows(this.#control, [snapshot]);
      await insertDatabase(this.#control, snapshot, database.template, 'snapshot', this.#owner, database.name);
    });
  }

  /** @internal */
  async restoreDatabase(database: TestDatabase, name: string): Promise<void> {
    const snapshot = snapshotName(database.name, name);
    if (!(await snapshotsOf(this.#control, database.name)).includes(snapshot)) {
      throw new TestDatabasesError('SNAPSHOT_NOT_FOUND', `The test database ${database.name} has no snapshot ${JSON.stringify(name)}`, { database: database.name });
    }
    await this.#withoutConnection(database, async () => {
      await this.#control.query(dropDatabaseStatement(database.name, this.#major));
      await this.#copy(snapshot, database.name);
    });
  }

  /** Closes the database's own connection and ends every other session in it for `work`, then reconnects. */
  async #withoutConnection(database: TestDatabase, work: () => Promise<void>): Promise<void> {
    await database.detachClient()?.end().catch(() => undefined);
    try {
      await work();
    } finally {
      database.attachClient(await this.#connect(database.connectionInfo));
    }
  }

  /** CREATE DATABASE `target` as a copy of `source`, ending sessions that connect to `source` meanwhile (it must have none). */
  async #copy(source: string, target: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      await terminateSessions(this.#control, source);
      try {
        await this.#control.query(createDatabaseStatement(target, source, this.#major));
        return;
      } catch (error) {
        // 55006 object_in_use: someone connected to `source` again between the two statements.
        if ((error as { code?: string }).code !== '55006' || attempt >= 10) throw error;
      }
    }
  }

  #checkOpen(): void {
    if (this.#disposed !== null) throw new TestDatabasesError('DISPOSED', 'This TestDatabases was disposed');
  }

  #prepareNext(): void {
    const next = this.#prepare();
    this.#nextReady = false;
    next.then(
      () => {
        if (this.#next === next) this.#nextReady = true;
      },
      () => undefined,
    );
    this.#next = next;
  }

  /** Takes a ready database from the shared pool (or makes one) and opens a connection to it. */
  async #prepare(): Promise<TestDatabase> {
    let name = await takeReady(this.#control, this.template, this.#owner);
    if (name === null) {
      name = generateDatabaseName('tdb');
      await insertDatabase(this.#control, name, this.template, 'taken', this.#owner);
      try {
        await this.#create(this.#control, name);
      } catch (error) {
        await deleteRows(this.#control, [name]).catch(() => undefined);
        throw error;
      }
      this.#stats.createdOnDemand++;
    }
    const info = this.connectionInfo.withDatabase(name);
    try {
      const client = await this.#connect(info);
      const database = new TestDatabase(info, this.template, client, this);
      // Disposed meanwhile: this one is dropped with the rest.
      if (this.#disposed !== null) this.#scheduleDrop(name, database.detachClient());
      return database;
    } catch (error) {
      this.#scheduleDrop(name, null);
      throw error;
    }
  }

  async #create(client: pg.Client, name: string): Promise<void> {
    const started = performance.now();
    await client.query(createDatabaseStatement(name, this.template, this.#major));
    this.#stats.createMs += performance.now() - started;
  }

  async #connect(info: ConnectionInfo): Promise<pg.Client> {
    const client = new pg.Client(info.clientConfig());
    // A session ended from outside (a snapshot, a forced drop) must not crash the process.
    client.on('error', () => undefined);
    await client.connect();
    // PostgreSQL 18 on a file system that clones (Btrfs, XFS): CREATE DATABASE … FILE_COPY clones the files.
    if (this.#fileCopyMethod === 'clone' && info.database === this.connectionInfo.database) await client.query('SET file_copy_method = clone');
    return client;
  }

  /**
   * Tops the shared pool up to `pool` ready databases in the background, two CREATE DATABASEs
   * at a time (each is mostly a checkpoint and a file copy: two overlap well).
   */
  #fill(): void {
    if (this.#filling !== null || this.pool === 0) return;
    const loop = async (slot: number): Promise<void> => {
      const creator = await (this.#creators[slot] ??= this.#connect(this.connectionInfo));
      while (this.#disposed === null) {
        const name = generateDatabaseName('tdb');
        if (!(await reserveReady(creator, this.template, name, this.pool, this.#owner))) return;
        try {
          await this.#create(creator, name);
          await setState(creator, name, 'ready');
          this.#stats.createdInBackground++;
        } catch (error) {
          await deleteRows(creator, [name]).catch(() => undefined);
          throw error;
        }
      }
    };
    this.#filling = Promise.all(this.#creators.map((_, slot) => loop(slot)))
      .then(() => undefined)
      .catch((error: unknown) => {
        this.#fillError = error;
      })
      .finally(() => {
        this.#filling = null;
      });
  }

  /** Drops `name` (and its snapshots) off the hot path, one drop at a time. */
  #scheduleDrop(name: string, client: pg.Client | null): void {
    this.#dropsWaiting++;
    if (this.#dropsWaiting > MAX_DEFERRED_DROPS) this.#dropPressure.resolve();
    const drop = async (): Promise<void> => {
      await client?.end().catch(() => undefined);
      // Filling the pool comes first (a drop competes with it for the same disk and cores),
      // unless drops pile up or this object is being disposed.
      if (this.#dropsWaiting <= MAX_DEFERRED_DROPS && this.#disposed === null && this.#filling !== null) {
        await Promise.race([this.#filling, this.#dropPressure.promise]);
      }
      this.#dropsWaiting--;
      if (this.#dropsWaiting <= MAX_DEFERRED_DROPS / 2) this.#dropPressure = createSignal();
      const dropper = await (this.#dropper ??= this.#connect(this.connectionInfo));
      const names = [...(await snapshotsOf(dropper, name)), name];
      for (const each of names) {
        await setState(dropper, each, 'dropping');
        const started = performance.now();
        await dropper.query(dropDatabaseStatement(each, this.#major));
        this.#stats.dropMs += performance.now() - started;
        this.#stats.dropped++;
      }
      await deleteRows(dropper, names);
    };
    this.#drops = this.#drops.then(drop).catch(() => undefined);
  }

  async #dispose(): Promise<void> {
    await this.#filling;
    const next = await this.#next?.catch(() => null);
    this.#next = null;
    if (next !== undefined && next !== null) this.#scheduleDrop(next.name, next.detachClient());
    if (this.cluster !== null) {
      // The cluster goes, with every database in it: nothing to drop one by one.
      for (const database of [...this.#handedOut]) {
        this.#handedOut.delete(database);
        database.markState('released');
        await database.detachClient()?.end().catch(() => undefined);
      }
      await this.#drops;
      await this.#closeClients();
      await this.cluster.dispose();
      return;
    }
    for (const database of [...this.#handedOut]) await this.releaseDatabase(database);
    // Our ready databases stay in the pool when another process still uses it (the next test
    // file's worker takes them at once); otherwise they are dropped, with those of processes that died.
    const orphans = await leavePool(this.#control, this.#owner).catch(() => [] as string[]);
    for (const name of orphans) this.#scheduleDrop(name, null);
    await this.#drops;
    await this.#closeClients();
  }

  async #closeClients(): Promise<void> {
    const clients = await Promise.all([...this.#creators, this.#dropper].map((client) => client?.catch(() => null)));
    await Promise.all([this.#control, ...clients].map((client) => client?.end().catch(() => undefined)));
  }

  /** @internal The error of the last background fill, if any. */
  get fillError(): unknown {
    return this.#fillError;
  }
}

/** A promise and its resolve function (Promise.withResolvers, which Node 20 lacks). */
function createSignal(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** Drops wait for the pool to be full only while fewer than this many are waiting. */
const MAX_DEFERRED_DROPS = 8;

/** The database a snapshot of `database` named `name` lives in. */
function snapshotName(database: string, name: string): string {
  return `${database}__${name}`;
}
