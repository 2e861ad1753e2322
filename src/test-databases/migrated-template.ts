import pg from 'pg';
import { quoteIdentifier, type ConnectionInfo } from '../throwaway/index.js';
import { createDatabaseStatement, dropDatabaseStatement, ensureCatalog, findTemplate, lockBuild, pruneTemplates, recordTemplate, unlockBuild } from './pool-catalog.js';
import { TestDatabase, type TestDatabaseOwner } from './test-database.js';
import { TestDatabasesError } from './test-databases-error.js';

/** What builds a template: gets the new, empty database (a copy of `template1`) with a connection open. */
export type MigrateFunction = (db: TestDatabase) => Promise<void> | void;

export interface EnsuredTemplate {
  name: string;
  /** False when this call ran the migration. */
  wasCached: boolean;
  /** How long the migration took (0 when cached). */
  buildMs: number;
  /** Templates pruned after this build. */
  pruned: string[];
}

/** The template database name of a key: `pgc_tpl_<first 20 hex digits>`. */
export function templateNameOf(key: string): string {
  return `pgc_tpl_${key.slice(0, 20)}`;
}

/**
 * The migrated template database of `key` in the cluster `control` is connected to, built with
 * `migrate` when the catalog has none. Builders in any number of processes build it once: the
 * first takes the key's advisory lock (released when its session ends, so a builder that dies
 * frees it), the others wait for it and then find the template. A half-built database left by a
 * builder that died is dropped and built again. Keeps the `keep` most recently used templates.
 */
export async function ensureTemplate(
  control: pg.Client,
  info: ConnectionInfo,
  options: { key: string; major: number; migrate: MigrateFunction; keep: number },
): Promise<EnsuredTemplate> {
  const { key, major, migrate, keep } = options;
  await ensureCatalog(control);
  const found = await findTemplate(control, key);
  if (found !== null) return { name: found, wasCached: true, buildMs: 0, pruned: [] };
  await lockBuild(control, key);
  try {
    const built = await findTemplate(control, key);
    if (built !== null) return { name: built, wasCached: true, buildMs: 0, pruned: [] };
    const name = templateNameOf(key);
    await control.query(`ALTER DATABASE ${quoteIdentifier(name)} IS_TEMPLATE false`).catch(() => undefined);
    await control.query(dropDatabaseStatement(name, major));
    await control.query(createDatabaseStatement(name, 'template1', major));
    const started = performance.now();
    try {
      await runMigration(info.withDatabase(name), migrate);
    } catch (error) {
      await control.query(dropDatabaseStatement(name, major)).catch(() => undefined);
      throw error;
    }
    const buildMs = performance.now() - started;
    // Nobody connects to a template by accident (a session in it would stop every copy).
    await control.query(`ALTER DATABASE ${quoteIdentifier(name)} IS_TEMPLATE true ALLOW_CONNECTIONS false`);
    await recordTemplate(control, key, name, buildMs);
    const pruned = await pruneTemplates(control, keep, name);
    return { name, wasCached: false, buildMs, pruned };
  } finally {
    await unlockBuild(control, key).catch(() => undefined);
  }
}

/** Runs `migrate` on a TestDatabase of the new template (no snapshots, no release there). */
async function runMigration(info: ConnectionInfo, migrate: MigrateFunction): Promise<void> {
  const client = new pg.Client(info.clientConfig());
  client.on('error', () => undefined);
  await client.connect();
  const refuse = (what: string) => async (): Promise<void> => {
    throw new TestDatabasesError('MIGRATION_FAILED', `${what} is not available on the template while it is being migrated`, { database: info.database });
  };
  const owner: TestDatabaseOwner = { releaseDatabase: async () => undefined, snapshotDatabase: refuse('snapshot()'), restoreDatabase: refuse('restore()') };
  const db = new TestDatabase(info, 'template1', client, owner);
  try {
    await migrate(db);
  } catch (error) {
    if (error instanceof TestDatabasesError && error.code === 'MIGRATION_FAILED') throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new TestDatabasesError('MIGRATION_FAILED', `The migration of the test template failed: ${reason}`, { database: info.database, cause: error });
  } finally {
    await client.end().catch(() => undefined);
  }
}
