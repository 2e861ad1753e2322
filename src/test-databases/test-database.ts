import type pg from 'pg';
import { loadSql, runSql, type LoadSqlOptions, type RunSqlOptions, type SqlRunResult } from '../sql/index.js';
import type { ClientConfig, ConnectionEnv, ConnectionInfo } from '../throwaway/index.js';
import { expected } from '../errors.js';
import { TestDatabasesError } from './test-databases-error.js';

/** What a {@link TestDatabase} asks of the {@link TestDatabases} that handed it out. */
export interface TestDatabaseOwner {
  releaseDatabase(database: TestDatabase): Promise<void>;
  snapshotDatabase(database: TestDatabase, name: string): Promise<void>;
  restoreDatabase(database: TestDatabase, name: string): Promise<void>;
}

/** Where a {@link TestDatabase} is in its life: in use, given back, or kept after a failure. */
export type TestDatabaseState = 'open' | 'released' | 'kept';

/** A snapshot name: letters, digits, `_` and `-`, at most 20 characters. */
const SNAPSHOT_NAME = /^[A-Za-z0-9_-]{1,20}$/;

/**
 * One test's database: a fresh copy of the migrated template, handed out by
 * {@link TestDatabases.acquire} with a connection to it already open ({@link query} uses it).
 * Give it back with {@link release} (or `await using`); {@link TestDatabases.keep} keeps it.
 */
export class TestDatabase {
  readonly name: string;
  readonly connectionInfo: ConnectionInfo;
  /** The template database it was copied from. */
  readonly template: string;
  #client: pg.Client | null;
  #state: TestDatabaseState = 'open';
  readonly #owner: TestDatabaseOwner;
  #released: Promise<void> | null = null;

  /** @internal Made by TestDatabases. */
  constructor(connectionInfo: ConnectionInfo, template: string, client: pg.Client, owner: TestDatabaseOwner) {
    this.name = connectionInfo.database;
    this.connectionInfo = connectionInfo;
    this.template = template;
    this.#client = client;
    this.#owner = owner;
  }

  /** `open` until released or kept. */
  get state(): TestDatabaseState {
    return this.#state;
  }

  /** libpq keyword/value connection string. */
  connectionString(): string {
    return this.connectionInfo.connectionString();
  }

  /** `postgresql://` URI (see {@link ConnectionInfo.uri}). */
  uri(): string {
    return this.connectionInfo.uri();
  }

  /** `PGHOST`, `PGPORT`, `PGUSER`, `PGDATABASE` (and `PGPASSWORD`) for psql and libpq tools. */
  env(): ConnectionEnv {
    return this.connectionInfo.env();
  }

  /** Options for `new pg.Client()` / `postgres()`. */
  clientConfig(): ClientConfig {
    return this.connectionInfo.clientConfig();
  }

  /** Runs one statement on the connection opened in advance, and resolves to its rows. */
  async query<Row extends Record<string, unknown> = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]> {
    return (await this.connection().query<Row>(sql, params)).rows;
  }

  /**
   * Runs SQL files on this database's connection as `psql -v ON_ERROR_STOP=1 -f` would: a file,
   * a folder's `*.sql` files or a glob's files in name order; statements in order, `COPY … FROM
   * stdin` data included. An error names the file, line and SQLSTATE (`SqlFileError`). See docs/sql-files.md.
   */
  async loadSql(pathOrGlob: string | readonly string[], options: LoadSqlOptions = {}): Promise<SqlRunResult> {
    return loadSql(this.connection(), pathOrGlob, options);
  }

  /** Runs multi-statement SQL text (COPY … FROM stdin data included) on this database's connection, as {@link loadSql} runs a file. */
  async runSql(text: string, options: RunSqlOptions = {}): Promise<SqlRunResult> {
    return runSql(this.connection(), text, options);
  }

  /**
   * The open node-postgres client of this database (for `pg-copy-streams`, transactions, …).
   * Closed on release and replaced by a new one on restore.
   */
  connection(): pg.Client {
    if (this.#state !== 'open' || this.#client === null) {
      throw new TestDatabasesError('RELEASED', `The test database ${this.name} was ${this.#state === 'open' ? 'being restored' : this.#state}: it can no longer be used`, { database: this.name });
    }
    return this.#client;
  }

  /**
   * Copies this database as it is now into the snapshot `name` (a later snapshot of the same
   * name replaces it). Every other session connected to it is ended (PostgreSQL copies only a
   * database nobody is connected to); this object's own connection is reopened.
   */
  async snapshot(name: string): Promise<void> {
    checkSnapshotName(name);
    this.connection();
    await this.#owner.snapshotDatabase(this, name);
  }

  /**
   * Puts this database back to the snapshot `name`, in place: the same name, so connection
   * strings handed out stay valid (their sessions are ended; reconnect).
   */
  async restore(name: string): Promise<void> {
    checkSnapshotName(name);
    this.connection();
    await this.#owner.restoreDatabase(this, name);
  }

  /** Gives the database back: its connection is closed and it is dropped in the background. Idempotent; a kept database stays. */
  release(): Promise<void> {
    if (this.#state === 'kept') return Promise.resolve();
    this.#released ??= this.#owner.releaseDatabase(this);
    return this.#released;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.release();
  }

  /** @internal The open client, handed over (this object no longer has one). */
  detachClient(): pg.Client | null {
    const client = this.#client;
    this.#client = null;
    return client;
  }

  /** @internal */
  attachClient(client: pg.Client): void {
    this.#client = client;
  }

  /** @internal */
  markState(state: TestDatabaseState): void {
    this.#state = state;
  }
}

function checkSnapshotName(name: string): void {
  if (typeof name !== 'string' || !SNAPSHOT_NAME.test(name)) throw expected('name', 'a snapshot name of 1 to 20 letters, digits, `_` or `-`', name);
}
