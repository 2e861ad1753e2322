import type pg from 'pg';
import { quoteIdentifier } from '../throwaway/index.js';

/**
 * The coordinator shared by every process that uses one cluster: two tables in the schema
 * `pgcluster` of the control database (the one the connection info names, `postgres` by default).
 * `templates` lists the migrated template databases; `databases` every database made from one,
 * with its state and its owner: the backend pid of the owning process's control session. An
 * owner whose session is gone (its process died) owns nothing any more: its databases are swept.
 * Handing out is an UPDATE of a `ready` row chosen `FOR UPDATE SKIP LOCKED`: two processes never
 * take the same database.
 */
export const CATALOG_SCHEMA = 'pgcluster';

/** The application_name of every control session (see {@link handOverReady}). */
export const CONTROL_APPLICATION_NAME = 'pg-cluster test databases';

/**
 * Whether the owner of row `d` is a live control session. Backend pids are OS pids and get
 * reused: a pid alone would make any later session that got a dead owner's pid (a test's own
 * connection, say) keep that owner's databases forever, so the session must also be one of ours
 * (its application_name; `: leaving` while it disposes).
 */
const LIVE_OWNER = `EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = d.owner AND a.application_name LIKE '${CONTROL_APPLICATION_NAME}%')`;

/** A database's state in the catalog. */
export type CatalogState = 'creating' | 'ready' | 'taken' | 'kept' | 'snapshot' | 'dropping';

/** The two-int advisory lock class for the catalog's own creation and for a template's build (`hashtext` of the key as the second int). */
const LOCK_CLASS = 0x7067_6331; // 'pgc1'

const SETUP = `
CREATE SCHEMA IF NOT EXISTS ${CATALOG_SCHEMA};
CREATE TABLE IF NOT EXISTS ${CATALOG_SCHEMA}.templates (
  key text PRIMARY KEY,
  name text NOT NULL UNIQUE,
  built_at timestamptz NOT NULL DEFAULT now(),
  used_at timestamptz NOT NULL DEFAULT now(),
  build_ms integer,
  clones boolean
);
CREATE TABLE IF NOT EXISTS ${CATALOG_SCHEMA}.databases (
  name text PRIMARY KEY,
  template text NOT NULL,
  state text NOT NULL,
  owner integer,
  parent text,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX IF NOT EXISTS databases_ready ON ${CATALOG_SCHEMA}.databases (template, created_at) WHERE state = 'ready';`;

/** Creates the catalog when missing (under an advisory lock: concurrent CREATE … IF NOT EXISTS can still collide). */
export async function ensureCatalog(client: pg.Client): Promise<void> {
  const exists = await client.query(`SELECT to_regclass('${CATALOG_SCHEMA}.databases') IS NOT NULL AS ok`);
  if (exists.rows[0]?.ok === true) return;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, 0)', [LOCK_CLASS]);
    await client.query(SETUP);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** Blocks until this session holds the build lock of `key` (released by {@link unlockBuild} or when the session ends). */
export async function lockBuild(client: pg.Client, key: string): Promise<void> {
  await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [LOCK_CLASS, key]);
}

export async function unlockBuild(client: pg.Client, key: string): Promise<void> {
  await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_CLASS, key]);
}

/** The template database of `key` when it was built completely and still exists (and marks it used). */
export async function findTemplate(client: pg.Client, key: string): Promise<string | null> {
  const { rows } = await client.query<{ name: string }>(
    `UPDATE ${CATALOG_SCHEMA}.templates t SET used_at = now() WHERE key = $1 AND EXISTS (SELECT 1 FROM pg_database WHERE datname = t.name) RETURNING name`,
    [key],
  );
  return rows[0]?.name ?? null;
}

export async function recordTemplate(client: pg.Client, key: string, name: string, buildMs: number): Promise<void> {
  await client.query(
    `INSERT INTO ${CATALOG_SCHEMA}.templates (key, name, build_ms) VALUES ($1, $2, $3)
     ON CONFLICT (key) DO UPDATE SET name = excluded.name, built_at = now(), used_at = now(), build_ms = excluded.build_ms`,
    [key, name, Math.round(buildMs)],
  );
}

/**
 * Drops the templates beyond the `keep` most recently used (never `current`), with what was made
 * from them and is not in use. Resolves to the names of the templates dropped.
 */
export async function pruneTemplates(client: pg.Client, keep: number, current: string): Promise<string[]> {
  const { rows } = await client.query<{ key: string; name: string }>(
    `SELECT key, name FROM ${CATALOG_SCHEMA}.templates WHERE name <> $1 ORDER BY used_at DESC OFFSET $2`,
    [current, Math.max(0, keep - 1)],
  );
  const dropped: string[] = [];
  for (const { key, name } of rows) {
    // A template some live process still copies from keeps its ready or taken databases: leave it.
    const { rows: users } = await client.query(
      `SELECT 1 FROM ${CATALOG_SCHEMA}.databases d WHERE d.template = $1 AND d.state <> 'kept' AND ${LIVE_OWNER} LIMIT 1`,
      [name],
    );
    if (users.length > 0) continue;
    await client.query(`ALTER DATABASE ${quoteIdentifier(name)} IS_TEMPLATE false`).catch(() => undefined);
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)}`);
    await client.query(`DELETE FROM ${CATALOG_SCHEMA}.templates WHERE key = $1`, [key]);
    dropped.push(name);
  }
  return dropped;
}

/**
 * Reserves a slot for one more ready database of `template` when fewer than `size` are ready or
 * being made by a live session; false when the pool is full. A `creating` row of a process that
 * died mid-fill takes no slot (it would shrink every later pool until the last leaver sweeps it).
 */
export async function reserveReady(client: pg.Client, template: string, name: string, size: number, owner: number): Promise<boolean> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_CLASS, `pool:${template}`]);
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${CATALOG_SCHEMA}.databases d WHERE template = $1 AND (state = 'ready' OR (state = 'creating' AND ${LIVE_OWNER}))`,
      [template],
    );
    const room = (rows[0]?.n ?? 0) < size;
    if (room) await insertDatabase(client, name, template, 'creating', owner);
    await client.query('COMMIT');
    return room;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** Adds a row owned by the control session `owner`. */
export async function insertDatabase(client: pg.Client, name: string, template: string, state: CatalogState, owner: number, parent: string | null = null): Promise<void> {
  await client.query(`INSERT INTO ${CATALOG_SCHEMA}.databases (name, template, state, owner, parent) VALUES ($1, $2, $3, $4, $5)`, [name, template, state, owner, parent]);
}

export async function setState(client: pg.Client, name: string, state: CatalogState): Promise<void> {
  await client.query(`UPDATE ${CATALOG_SCHEMA}.databases SET state = $2 WHERE name = $1`, [name, state]);
}

/** Takes the oldest ready database of `template` for this session (the control session `owner`), or null when none is ready. */
export async function takeReady(client: pg.Client, template: string, owner: number): Promise<string | null> {
  const { rows } = await client.query<{ name: string }>(
    `UPDATE ${CATALOG_SCHEMA}.databases SET state = 'taken', owner = $2
     WHERE name = (SELECT name FROM ${CATALOG_SCHEMA}.databases WHERE template = $1 AND state = 'ready' ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
     RETURNING name`,
    [template, owner],
  );
  return rows[0]?.name ?? null;
}

/** Marks `name` (and its snapshots) kept: no owner, never swept. */
export async function markKept(client: pg.Client, name: string): Promise<void> {
  await client.query(`UPDATE ${CATALOG_SCHEMA}.databases SET state = 'kept', owner = NULL WHERE name = $1 OR parent = $1`, [name]);
}

export async function deleteRows(client: pg.Client, names: readonly string[]): Promise<void> {
  if (names.length > 0) await client.query(`DELETE FROM ${CATALOG_SCHEMA}.databases WHERE name = ANY($1::text[])`, [names]);
}

/**
 * Claims the databases whose owner's session is gone (a process that died, or ended without
 * dispose), except kept ones, and those `owner` (this session) made as ready ones when `mine`:
 * resolves to their names, now in state `dropping` and owned by `owner`, for the caller to drop.
 */
export async function claimOrphans(client: pg.Client, owner: number, options: { mine?: 'all' | 'ready' | 'none' } = {}): Promise<string[]> {
  const { mine = 'none' } = options;
  const ours = mine === 'all' ? `OR (owner = $1 AND state <> 'kept')` : mine === 'ready' ? `OR (owner = $1 AND state = 'ready')` : '';
  const { rows } = await client.query<{ name: string }>(
    `UPDATE ${CATALOG_SCHEMA}.databases SET state = 'dropping', owner = $1
     WHERE name IN (SELECT name FROM ${CATALOG_SCHEMA}.databases d
                    WHERE (d.state <> 'kept' AND (d.owner IS NULL OR NOT ${LIVE_OWNER})) ${ours}
                    FOR UPDATE SKIP LOCKED)
     RETURNING name`,
    [owner],
  );
  return rows.map((row) => row.name);
}

/** The snapshot databases of `parent`. */
export async function snapshotsOf(client: pg.Client, parent: string): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(`SELECT name FROM ${CATALOG_SCHEMA}.databases WHERE parent = $1`, [parent]);
  return rows.map((row) => row.name);
}

/** Ends every other session connected to `database`. */
export async function terminateSessions(client: pg.Client, database: string): Promise<void> {
  await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
}

/** `CREATE DATABASE name TEMPLATE template` with STRATEGY FILE_COPY on 15+ (and `file_copy_method = clone` on 18 when asked). */
export function createDatabaseStatement(name: string, template: string, major: number): string {
  return `CREATE DATABASE ${quoteIdentifier(name)} TEMPLATE ${quoteIdentifier(template)}${major >= 15 ? ' STRATEGY FILE_COPY' : ''}`;
}

export function dropDatabaseStatement(name: string, major: number): string {
  return `DROP DATABASE IF EXISTS ${quoteIdentifier(name)}${major >= 13 ? ' WITH (FORCE)' : ''}`;
}


/**
 * What a TestDatabases that is done with a server leaves behind, decided under one advisory lock
 * that every leaving session takes: its ready databases go to another live control session in
 * this database (so they stay in the pool when one process of several is done, e.g. a vitest
 * worker after a test file), or, when it is the last, they are claimed for dropping with those of
 * sessions that died. The session renames itself first, so no later leaver hands it anything.
 * Resolves to the names claimed (state `dropping`) for the caller to drop.
 */
export async function leavePool(client: pg.Client, owner: number): Promise<string[]> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, 1)', [LOCK_CLASS]);
    await client.query(`SET application_name = '${CONTROL_APPLICATION_NAME}: leaving'`);
    const { rows } = await client.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE application_name = $2 AND datname = current_database() AND pid <> $1 ORDER BY backend_start LIMIT 1',
      [owner, CONTROL_APPLICATION_NAME],
    );
    const heir = rows[0]?.pid;
    if (heir !== undefined) await client.query(`UPDATE ${CATALOG_SCHEMA}.databases SET owner = $2 WHERE owner = $1 AND state = 'ready'`, [owner, heir]);
    const claimed = await claimOrphans(client, owner, { mine: heir === undefined ? 'ready' : 'none' });
    await client.query('COMMIT');
    return claimed;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** Whether copies of `template` can use `file_copy_method = clone` (PostgreSQL 18), as a first trial found; null when not tried yet. */
export async function readClones(client: pg.Client, template: string): Promise<boolean | null> {
  const { rows } = await client.query<{ clones: boolean | null }>(`SELECT clones FROM ${CATALOG_SCHEMA}.templates WHERE name = $1`, [template]);
  return rows[0]?.clones ?? null;
}

export async function recordClones(client: pg.Client, template: string, clones: boolean): Promise<void> {
  await client.query(`UPDATE ${CATALOG_SCHEMA}.templates SET clones = $2 WHERE name = $1`, [template, clones]);
}
