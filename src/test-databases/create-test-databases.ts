import { createHash, randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import pg from 'pg';
import { Cluster } from '../cluster/index.js';
import type { SettingValue } from '../control/index.js';
import { expected } from '../errors.js';
import { defaultInstallation, type Installation } from '../installation/index.js';
import { ConnectionInfo, createTemporaryCluster, TemporaryCluster, type ConnectionParameters } from '../throwaway/index.js';
import { copyDirectory } from '../throwaway/copy-directory.js';
import { defaultCacheDirectory } from './cache-directory.js';
import { hashFiles } from './file-hash.js';
import { MigratedClusterCache } from './migrated-cluster-cache.js';
import { ensureTemplate, type MigrateFunction } from './migrated-template.js';
import { CONTROL_APPLICATION_NAME, createDatabaseStatement, dropDatabaseStatement, readClones, recordClones } from './pool-catalog.js';
import { TestDatabases } from './test-databases.js';

export interface TestDatabasesOptions {
  /** Builds the template: runs once per key (see `hashFiles`), on a new database with a connection open. Its source text is part of the key. */
  migrate?: MigrateFunction;
  /** A folder of `.sql` files applied in name order (before `migrate`, when both are given); its files are part of the key. */
  migrations?: string;
  /** Paths or globs whose files' contents key the template, with the installation and these options (`migrations`' files are always included). */
  hashFiles?: readonly string[];
  /** How many databases to keep ready in the background (shared by every process on the same cluster). Default 4. */
  pool?: number;
  /**
   * The server to put the template and the databases in: a running {@link Cluster} (a
   * TemporaryCluster too) or connection parameters of any server (as a superuser, or a role that
   * may create databases). Default: a throwaway cluster, started from a cached copy that already
   * holds the migrated template, disposed with this object.
   */
  cluster?: Cluster | ConnectionParameters;
  /** Where migrated templates persist between runs. Default `$PG_CLUSTER_CACHE`, else the user's cache folder (`$XDG_CACHE_HOME/pg-cluster`, `~/.cache/pg-cluster`). */
  cacheDirectory?: string;
  /** How many migrated templates to keep, in the cache folder and in a given cluster (the most recently used). Default 3. */
  keepTemplates?: number;
  /** The folder `hashFiles` and `migrations` are relative to. Default `process.cwd()`. */
  cwd?: string;
  /** The throwaway cluster's PostgreSQL (default {@link defaultInstallation}, with `major`). */
  installation?: Installation;
  major?: number;
  /** Server settings of the throwaway cluster. */
  settings?: Readonly<Record<string, SettingValue>>;
  /** The OS user the throwaway cluster's server runs as when this process is root (default `postgres`). */
  runAs?: string | null;
}

/** Bumped when what a template holds or how it is keyed changes. */
const FORMAT = 1;

/**
 * Migrated template databases, cached across runs and processes, and a pool of fresh copies of
 * one (see {@link TestDatabases}). The first call for a key runs the migrations; every later
 * one, in this or any other process, on this run or the next, starts from the cached template.
 */
export async function createTestDatabases(options: TestDatabasesOptions = {}): Promise<TestDatabases> {
  validate(options);
  const { pool = 4, keepTemplates = 3, cwd = process.cwd() } = options;
  const migrate = migrationOf(options, cwd);
  const key = await templateKey(options, cwd);
  let cluster: TemporaryCluster | null = null;
  let info: ConnectionInfo;
  let cachedCluster: boolean | null = null;
  if (options.cluster === undefined) {
    const installation = options.installation ?? (await defaultInstallation(options.major === undefined ? {} : { major: options.major }));
    const fingerprint = await installation.fingerprint();
    const dataKey = `${installation.versionInfo.major}-${sha256(JSON.stringify([FORMAT, fingerprint, key])).slice(0, 20)}`;
    const shape = {
      installation,
      // Throwaway clusters allow 20 connections (LEAN_SETTINGS); each process here holds up to
      // pool + 4 (a control, two creators, a dropper, one per ready database), so leave room for
      // several workers and their own clients.
      settings: { max_connections: 100, ...options.settings },
      ...(options.runAs !== undefined ? { runAs: options.runAs } : {}),
    };
    const cache = new MigratedClusterCache(resolve(options.cacheDirectory ?? defaultCacheDirectory()));
    const entry = await cache.get(
      dataKey,
      async (target) => {
        const builder = await createTemporaryCluster(shape);
        try {
          const control = await connect(builder.connectionInfo);
          try {
            await ensureTemplate(control, builder.connectionInfo, { key, major: installation.versionInfo.major, migrate, keep: keepTemplates });
          } finally {
            await control.end().catch(() => undefined);
          }
          // A clean shutdown: the copy starts without recovery.
          await builder.stop({ mode: 'fast' });
          await copyDirectory(builder.dataDirectory, target, null);
        } finally {
          await builder.dispose();
        }
      },
      { keep: keepTemplates },
    );
    cachedCluster = entry.wasCached;
    cluster = await createTemporaryCluster({ ...shape, templateDirectory: entry.dataDirectory });
    info = cluster.connectionInfo;
  } else {
    info = await connectionInfoOf(options.cluster);
  }
  let control: pg.Client | null = null;
  try {
    control = await connect(info);
    const major = Math.floor(Number((await control.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]?.v) / 10_000);
    const ensured = await ensureTemplate(control, info, { key, major, migrate, keep: keepTemplates });
    const owner = Number((await control.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid);
    // One trial copy per template and server (recorded in the catalog), not one per process.
    let clones = major >= 18 ? await readClones(control, ensured.name) : false;
    if (clones === null) {
      clones = await canClone(control, ensured.name, major);
      await recordClones(control, ensured.name, clones);
    }
    const fileCopyMethod = clones ? 'clone' : null;
    if (fileCopyMethod === 'clone') await control.query('SET file_copy_method = clone');
    const databases = new TestDatabases({
      connectionInfo: info,
      template: ensured.name,
      pool,
      major,
      wasCached: cachedCluster ?? ensured.wasCached,
      cluster,
      control,
      owner,
      fileCopyMethod,
    });
    databases.start();
    return databases;
  } catch (error) {
    await control?.end().catch(() => undefined);
    await cluster?.dispose().catch(() => undefined);
    throw error;
  }
}

function validate(options: TestDatabasesOptions): void {
  if (options === null || typeof options !== 'object') throw expected('options', 'an object', options);
  const { migrate, migrations, hashFiles: patterns, pool, cluster, cacheDirectory, keepTemplates, cwd } = options;
  if (migrate !== undefined && typeof migrate !== 'function') throw expected('migrate', 'a function', migrate);
  if (migrations !== undefined && (typeof migrations !== 'string' || migrations === '')) throw expected('migrations', 'a folder of .sql files', migrations);
  if (patterns !== undefined && (!Array.isArray(patterns) || patterns.some((pattern) => typeof pattern !== 'string' || pattern === ''))) {
    throw expected('hashFiles', 'an array of paths or globs', patterns);
  }
  if (pool !== undefined && !(Number.isInteger(pool) && pool >= 0)) throw expected('pool', 'a non-negative integer', pool);
  if (keepTemplates !== undefined && !(Number.isInteger(keepTemplates) && keepTemplates >= 1)) throw expected('keepTemplates', 'a positive integer', keepTemplates);
  if (cacheDirectory !== undefined && (typeof cacheDirectory !== 'string' || cacheDirectory === '')) throw expected('cacheDirectory', 'a folder path', cacheDirectory);
  if (cwd !== undefined && (typeof cwd !== 'string' || cwd === '')) throw expected('cwd', 'a folder path', cwd);
  if (cluster !== undefined && !(cluster instanceof Cluster) && (cluster === null || typeof cluster !== 'object' || typeof (cluster as ConnectionParameters).host !== 'string')) {
    throw expected('cluster', 'a Cluster or connection parameters', cluster);
  }
}

/** The migrations folder's `.sql` files in name order, then `migrate`. */
function migrationOf(options: TestDatabasesOptions, cwd: string): MigrateFunction {
  const { migrate, migrations } = options;
  return async (db) => {
    // The folder's *.sql files in name order, on the template's connection.
    if (migrations !== undefined) await db.loadSql(migrations, { cwd });
    await migrate?.(db);
  };
}

/** sha256 of what shapes the template: the hashed files' paths and contents, the migrations folder, migrate's source text. */
async function templateKey(options: TestDatabasesOptions, cwd: string): Promise<string> {
  const patterns = [...(options.hashFiles ?? []), ...(options.migrations !== undefined ? [options.migrations] : [])];
  const files = patterns.length === 0 ? null : (await hashFiles(patterns, cwd)).hash;
  return sha256(JSON.stringify([FORMAT, options.migrations ?? null, files, options.migrate?.toString() ?? null]));
}

async function connectionInfoOf(cluster: Cluster | ConnectionParameters): Promise<ConnectionInfo> {
  if (cluster instanceof TemporaryCluster) return cluster.connectionInfo;
  if (cluster instanceof Cluster) {
    const { host, port, user, database, password } = await cluster.connectionOptions();
    return new ConnectionInfo({ host, port, user, database: database ?? 'postgres', ...(password !== undefined ? { password } : {}) });
  }
  return ConnectionInfo.from(cluster);
}

async function connect(info: ConnectionInfo): Promise<pg.Client> {
  // The control sessions of every TestDatabases carry one application_name: a disposing one hands its ready databases to another.
  const client = new pg.Client({ ...info.clientConfig(), application_name: CONTROL_APPLICATION_NAME });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** Whether this server's file system clones files for `file_copy_method = clone` (PostgreSQL 18 on Btrfs, XFS, …): one trial copy. */
async function canClone(control: pg.Client, template: string, major: number): Promise<boolean> {
  const probe = `tdb_clone_probe_${randomBytes(4).toString('hex')}`;
  try {
    await control.query('SET file_copy_method = clone');
    await control.query(createDatabaseStatement(probe, template, major));
    await control.query(dropDatabaseStatement(probe, major));
    return true;
  } catch {
    return false;
  } finally {
    await control.query('RESET file_copy_method').catch(() => undefined);
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
