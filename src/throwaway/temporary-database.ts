import pg from 'pg';
import { ConnectionInfo, type ConnectionParameters } from './connection-info.js';
import { generateDatabaseName } from './database-name.js';
import { quoteIdentifier } from './sql-quote.js';

export type CreateDatabaseStrategy = 'file_copy' | 'wal_log';

export interface CreateDatabaseOptions {
  /** The database to copy. Default `template1` (what CREATE DATABASE copies by default). */
  template?: string;
  /** The new database's name. Default: a unique, safe name from {@link generateDatabaseName}. */
  name?: string;
  /**
   * CREATE DATABASE's STRATEGY (PostgreSQL 15+; ignored before, where copying files is the only
   * way). Default `file_copy`: for small template databases it is the faster one (see docs/throwaway.md).
   */
  strategy?: CreateDatabaseStrategy;
  /**
   * PostgreSQL 18's `file_copy_method` for this CREATE DATABASE: `clone` asks the file system for
   * copy-on-write clones (Btrfs, XFS, APFS); where it cannot, the statement fails. Default: the server's setting.
   */
  fileCopyMethod?: 'copy' | 'clone';
}

/**
 * A database made for one test (or one task) by copying a template database inside a running
 * server, dropped on {@link TemporaryDatabase.dispose} (and with its cluster). The cheapest
 * isolation there is: migrations run once into the template, each test gets a copy.
 */
export class TemporaryDatabase {
  readonly name: string;
  readonly connectionInfo: ConnectionInfo;
  /** The database it was copied from. */
  readonly template: string;
  #disposed: Promise<void> | null = null;
  readonly #onDispose: (() => void) | undefined;

  constructor(connectionInfo: ConnectionInfo, template: string, onDispose?: () => void) {
    this.connectionInfo = connectionInfo;
    this.name = connectionInfo.database;
    this.template = template;
    this.#onDispose = onDispose;
  }

  connectionString(): string {
    return this.connectionInfo.connectionString();
  }

  uri(): string {
    return this.connectionInfo.uri();
  }

  clientConfig(): ReturnType<ConnectionInfo['clientConfig']> {
    return this.connectionInfo.clientConfig();
  }

  env(): ReturnType<ConnectionInfo['env']> {
    return this.connectionInfo.env();
  }

  /** Runs one statement in this database on a connection of its own. */
  async query<Row extends Record<string, unknown> = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]> {
    return runQuery<Row>(this.connectionInfo, sql, params);
  }

  /** Drops the database, closing whatever connections are left in it (PostgreSQL 13+). Idempotent. */
  dispose(): Promise<void> {
    this.#disposed ??= (async () => {
      this.#onDispose?.();
      await dropDatabase(this.connectionInfo, this.name);
    })();
    return this.#disposed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}

/**
 * Creates a database on the server `server` points at, as a copy of `template`
 * (`CREATE DATABASE … TEMPLATE … STRATEGY FILE_COPY` where the server has it), and resolves to
 * a {@link TemporaryDatabase} whose dispose drops it. Works from any process that has the
 * connection parameters (a test worker), not only the one that started the server.
 * Nobody may be connected to the template meanwhile (PostgreSQL's rule).
 */
export async function createDatabase(server: ConnectionParameters, options: CreateDatabaseOptions = {}): Promise<TemporaryDatabase> {
  const { template = 'template1', name = generateDatabaseName(), strategy = 'file_copy', fileCopyMethod } = options;
  const info = ConnectionInfo.from(server);
  const client = new pg.Client(info.withDatabase(maintenanceDatabase(template)).clientConfig());
  await client.connect();
  try {
    const major = Math.floor(Number((await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]?.v) / 10_000);
    if (fileCopyMethod !== undefined) await client.query(`SET file_copy_method = ${fileCopyMethod === 'clone' ? 'clone' : 'copy'}`);
    const strategyClause = major >= 15 ? ` STRATEGY ${strategy === 'wal_log' ? 'WAL_LOG' : 'FILE_COPY'}` : '';
    await client.query(`CREATE DATABASE ${quoteIdentifier(name)} TEMPLATE ${quoteIdentifier(template)}${strategyClause}`);
  } finally {
    await client.end();
  }
  return new TemporaryDatabase(info.withDatabase(name), template);
}

/** `DROP DATABASE IF EXISTS … WITH (FORCE)` (plain DROP before PostgreSQL 13). */
export async function dropDatabase(server: ConnectionParameters, name: string): Promise<void> {
  const info = ConnectionInfo.from(server);
  const client = new pg.Client(info.withDatabase(maintenanceDatabase(name)).clientConfig());
  await client.connect();
  try {
    const major = Math.floor(Number((await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]?.v) / 10_000);
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)}${major >= 13 ? ' WITH (FORCE)' : ''}`);
  } finally {
    await client.end();
  }
}

/** Runs one statement on a fresh connection and closes it. */
export async function runQuery<Row extends Record<string, unknown> = Record<string, unknown>>(
  server: ConnectionParameters,
  sql: string,
  params?: unknown[],
): Promise<Row[]> {
  const client = new pg.Client(ConnectionInfo.from(server).clientConfig());
  await client.connect();
  try {
    return (await client.query<Row>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** A database to connect to while creating or dropping `database`: never that one itself. */
function maintenanceDatabase(database: string): string {
  return database === 'postgres' ? 'template1' : 'postgres';
}
