// The warm path of issue 16: the slim template, the lean settings, cluster.query() without
// awaiting the close, the pool's warm-up at prestart and dispose({ wait: false }).
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isProcessAlive, removeTree } from '../../../src/control/index.js';
import { defaultInstallation, type Installation } from '../../../src/installation/index.js';
import {
  createTemporaryCluster,
  defaultInitOptions,
  disposeClusterPools,
  LEAN_SETTINGS,
  ReleasedConnections,
  TemplateCache,
  type TemporaryCluster,
  waitForCleanup,
} from '../../../src/throwaway/index.js';
import { compileThrowaway, removeCompiled } from './compile-throwaway.js';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;
const scratch = mkdtempSync('/tmp/pgct-warm-');
chmodSync(scratch, 0o755);
const storage = join(scratch, 'root');
let installation: Installation;
let compiled = '';

beforeAll(async () => {
  installation = await defaultInstallation();
  compiled = compileThrowaway();
}, 120_000);
afterAll(async () => {
  await disposeClusterPools();
  await waitForCleanup();
  // Every server of this file is gone: no postgres process works in its scratch folder.
  const left = serversIn(scratch);
  await removeTree(scratch);
  removeCompiled(compiled);
  expect(left).toEqual([]);
});

/** `ps` lines of postgres processes whose command line names a path under `folder`. */
function serversIn(folder: string): string[] {
  return execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(folder) && /postgres/.test(line) && !line.includes(' ps '));
}

/** Runs amcheck over every B-tree index and every table (verify_heapam) of the connected database. */
async function integrityProblems(cluster: TemporaryCluster, database: string): Promise<unknown[]> {
  const client = new pg.Client(cluster.connectionInfo.withDatabase(database).clientConfig());
  await client.connect();
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS amcheck');
    const indexes = await client.query(
      "SELECT c.oid::regclass AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam WHERE a.amname = 'btree' AND c.relpersistence <> 't'",
    );
    expect(indexes.rows.length).toBeGreaterThan(100);
    for (const { name } of indexes.rows) await client.query('SELECT bt_index_check($1::regclass, true)', [name]);
    const heap = await client.query("SELECT c.oid::regclass AS rel, v.* FROM pg_class c, verify_heapam(c.oid) v WHERE c.relkind IN ('r', 'm', 't') AND c.relpersistence <> 't'");
    return heap.rows;
  } finally {
    await client.end();
  }
}

describe('the slim template', () => {
  it('is about half the size: no template0, no free-space or visibility maps, one WAL segment, no stats file', async () => {
    const template = await new TemplateCache(storage).get(installation, defaultInitOptions());
    const data = template.dataDirectory;
    const files = execFileSync('find', [data, '-type', 'f'], { encoding: 'utf8' }).trim().split('\n');
    expect(files.filter((path) => /_(?:fsm|vm)$/.test(path))).toEqual([]);
    expect(readdirSync(join(data, 'pg_wal')).filter((name) => /^[0-9A-F]{24}$/.test(name))).toHaveLength(1);
    expect(existsSync(join(data, 'pg_stat', 'pgstat.stat'))).toBe(false);
    expect(readdirSync(join(data, 'base'))).toHaveLength(2);
    expect(files.length).toBeLessThan(600);
    expect(template.info.template0).toBe(false);
  });

  it('gives clusters that run the lifecycle, CREATE DATABASE from template1, refuse template0 clearly, and pass amcheck', async () => {
    await using cluster = await createTemporaryCluster({ installation, storage });
    expect((await cluster.query<{ datname: string }>('SELECT datname FROM pg_database ORDER BY 1')).map((row) => row.datname)).toEqual(['postgres', 'template1']);
    await cluster.query('CREATE TABLE kept (id int PRIMARY KEY, note text)');
    await cluster.query("INSERT INTO kept SELECT n, 'row ' || n FROM generate_series(1, 1000) n");
    await cluster.query('CREATE DATABASE from_template1 TEMPLATE template1');
    await expect(cluster.query('CREATE DATABASE from_template0 TEMPLATE template0')).rejects.toMatchObject({ code: '3D000', message: 'template database "template0" does not exist' });
    // A clean restart and a crash (immediate stop, then recovery) both come back with the data.
    await cluster.restart({ mode: 'fast' });
    await cluster.restart({ mode: 'immediate' });
    expect(await cluster.query('SELECT count(*)::int AS n FROM kept')).toEqual([{ n: 1000 }]);
    await cluster.query('VACUUM ANALYZE');
    expect(await integrityProblems(cluster, 'postgres')).toEqual([]);
    expect(await integrityProblems(cluster, 'from_template1')).toEqual([]);
    const db = await cluster.createDatabase();
    expect(await db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    await db.dispose();
  });

  it('keeps template0 with keepTemplate0: CREATE DATABASE … TEMPLATE template0 with another encoding works', async () => {
    await using cluster = await createTemporaryCluster({ installation, storage, keepTemplate0: true });
    await cluster.query("CREATE DATABASE latin TEMPLATE template0 ENCODING 'LATIN1' LOCALE 'C'");
    expect(await cluster.query("SELECT pg_encoding_to_char(encoding) AS e FROM pg_database WHERE datname = 'latin'")).toEqual([{ e: 'LATIN1' }]);
    expect(await integrityProblems(cluster, 'latin')).toEqual([]);
  });

  it('refuses a keepTemplate0 that is no boolean', async () => {
    await expect(createTemporaryCluster({ installation, storage, keepTemplate0: 'yes' as unknown as boolean })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'Expected `keepTemplate0` to be a boolean, got `yes`',
    });
  });

  it('passes pg_checksums --check, stopped, with data checksums on', async () => {
    const pgChecksums = join(installation.paths.bindir!, 'pg_checksums');
    const cluster = await createTemporaryCluster({ installation, storage, init: { dataChecksums: true }, keep: true });
    try {
      await cluster.query('CREATE TABLE t AS SELECT n FROM generate_series(1, 10000) n');
      await cluster.query('CHECKPOINT');
      await cluster.dispose();
      const args = ['--check', '-D', cluster.dataDirectory];
      const { stdout } = isRoot ? await run('setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', pgChecksums, ...args]) : await run(pgChecksums, args);
      expect(stdout).toMatch(/Bad checksums:\s+0/);
    } finally {
      await cluster.dispose();
      await removeTree(cluster.directory);
    }
  });
});

describe('the lean settings', () => {
  const shown = async (cluster: TemporaryCluster, names: readonly string[]): Promise<Record<string, string>> =>
    Object.fromEntries(await Promise.all(names.map(async (name) => [name, Object.values((await cluster.query(`SHOW ${name}`))[0]!)[0] as string])));
  const launchers = async (cluster: TemporaryCluster): Promise<string[]> =>
    (await cluster.query<{ backend_type: string }>("SELECT backend_type FROM pg_stat_activity WHERE backend_type IN ('autovacuum launcher', 'logical replication launcher') ORDER BY 1")).map((row) => row.backend_type);

  it('are each visible in SHOW, and reload() finds every line of postgresql.conf applied', async () => {
    await using cluster = await createTemporaryCluster({ installation, storage });
    expect(await shown(cluster, Object.keys(LEAN_SETTINGS))).toEqual({
      shared_buffers: '8MB',
      max_connections: '20',
      autovacuum: 'off',
      max_logical_replication_workers: '0',
      wal_level: 'minimal',
      max_wal_senders: '0',
    });
    expect(await launchers(cluster)).toEqual([]);
    expect(await cluster.reload()).toMatchObject({ checked: true, errors: [] });
  });

  it('are each overridable through settings', async () => {
    await using cluster = await createTemporaryCluster({
      installation,
      storage,
      settings: { shared_buffers: '16MB', max_connections: 30, autovacuum: true, max_logical_replication_workers: 2, wal_level: 'logical', max_wal_senders: 3 },
    });
    expect(await shown(cluster, Object.keys(LEAN_SETTINGS))).toEqual({
      shared_buffers: '16MB',
      max_connections: '30',
      autovacuum: 'on',
      max_logical_replication_workers: '2',
      wal_level: 'logical',
      max_wal_senders: '3',
    });
    expect(await launchers(cluster)).toEqual(['autovacuum launcher', 'logical replication launcher']);
  });

  it('let wal_level or max_wal_senders alone make a primary: the other goes back to the server default', async () => {
    await using byLevel = await createTemporaryCluster({ installation, storage, settings: { wal_level: 'replica' } });
    expect(await shown(byLevel, ['wal_level', 'max_wal_senders'])).toEqual({ wal_level: 'replica', max_wal_senders: '10' });
    await using bySenders = await createTemporaryCluster({ installation, storage, settings: { max_wal_senders: 2 } });
    expect(await shown(bySenders, ['wal_level', 'max_wal_senders'])).toEqual({ wal_level: 'replica', max_wal_senders: '2' });
  });
});

describe('cluster.query()', () => {
  it('resolves before its connection has closed, and createDatabase/cloneDatabase wait for the close', async () => {
    await using cluster = await createTemporaryCluster({ installation, storage });
    for (let i = 0; i < 5; i++) {
      await cluster.query(`CREATE TABLE t${i} (n int)`);
      // The default database is the template: no session of query() may be left on it.
      const clone = await cluster.cloneDatabase();
      expect(await clone.query("SELECT count(*)::int AS n FROM pg_tables WHERE tablename LIKE 't%' AND schemaname = 'public'")).toEqual([{ n: i + 1 }]);
      await clone.dispose();
    }
  });

  it('ReleasedConnections: the rows come while the close is still under way; settle() waits for it', async () => {
    await using cluster = await createTemporaryCluster({ installation, storage });
    const released = new ReleasedConnections();
    expect(await released.query(cluster.connectionInfo, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    expect(released.size).toBe(1);
    await released.settle();
    expect(released.size).toBe(0);
    await expect(released.query(cluster.connectionInfo, 'SELECT nonsense')).rejects.toMatchObject({ code: '42703' });
    await released.settle();
    expect(released.size).toBe(0);
  });
});

describe('a prestarted pool', () => {
  it('hands out a warmed-up cluster (its catalog cache file written) with no session left open, and leaves no process', async () => {
    const options = { installation, storage, prestart: 1, database: 'pooled' };
    // The first call starts one for itself and one for the pool, warmed up in the background;
    // the second gets that one (waiting for it if it is still starting).
    const first = await createTemporaryCluster(options);
    await first.dispose();
    const handed = await createTemporaryCluster(options);
    try {
      const database = readdirSync(join(handed.dataDirectory, 'base')).filter((name) => existsSync(join(handed.dataDirectory, 'base', name, 'pg_internal.init')));
      expect(database.length).toBeGreaterThan(0);
      // No idle session of the warm-up: a client of our own copies the default database at once.
      const client = new pg.Client(handed.connectionInfo.withDatabase('postgres').clientConfig());
      await client.connect();
      const started = Date.now();
      await client.query('CREATE DATABASE copy_of_pooled TEMPLATE pooled');
      await client.end();
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      await handed.dispose();
    }
    await disposeClusterPools();
    await waitForCleanup();
    expect(serversIn(storage)).toEqual([]);
  });
});

describe('dispose({ wait: false })', () => {
  it('resolves once SIGQUIT is sent; the exit and the removal follow in the background, a later dispose() waits for the exit', async () => {
    const cluster = await createTemporaryCluster({ installation, storage });
    const pid = (await cluster.pid())!;
    await cluster.dispose({ wait: false });
    await cluster.dispose();
    expect(isProcessAlive(pid)).toBe(false);
    await waitForCleanup();
    expect(existsSync(cluster.directory)).toBe(false);
    expect(serversIn(cluster.directory)).toEqual([]);
  });

  it('refuses a wait that is no boolean', async () => {
    await using cluster = await createTemporaryCluster({ installation, storage });
    await expect(cluster.dispose({ wait: 'no' as unknown as boolean })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: 'Expected `wait` to be a boolean, got `no`' });
  });

  it('leaves no server when the process exits right after it (the exit cleanup waits for the exit)', async () => {
    const worker = join(import.meta.dirname, 'fixtures', 'throwaway-worker.mjs');
    const own = join(scratch, 'no-wait-exit');
    const { stdout } = await run(process.execPath, [worker, compiled, 'dispose-no-wait-exit', own]);
    const reported = JSON.parse(stdout.split('\n').find((line) => line.startsWith('{'))!) as { pid: number; directory: string };
    expect(isProcessAlive(reported.pid)).toBe(false);
    expect(existsSync(reported.directory)).toBe(false);
    expect(serversIn(own)).toEqual([]);
    rmSync(own, { recursive: true, force: true });
  });
});
