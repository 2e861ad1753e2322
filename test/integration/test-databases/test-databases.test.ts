import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTemporaryCluster, createTestDatabases, InvalidArgumentError, TestDatabasesError, type TemporaryCluster, type TestDatabases } from '../../../src/index.js';

const migrate = async (db: { query(sql: string): Promise<unknown> }) => {
  await db.query('CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL)');
  await db.query("INSERT INTO items VALUES (1, 'seed')");
};

let cluster: TemporaryCluster;
let dbs: TestDatabases;

// One server for the file: a TestDatabases on a cluster of the test's own (so what it leaves can be seen).
beforeAll(async () => {
  cluster = await createTemporaryCluster();
  dbs = await createTestDatabases({ cluster, migrate, pool: 2 });
});
afterAll(async () => {
  await dbs?.dispose();
  // The last TestDatabases on the cluster dropped every ready database, its own and those handed to it.
  if (cluster !== undefined) expect(await cluster.query("SELECT name FROM pgcluster.databases WHERE state <> 'kept'")).toEqual([]);
  await cluster?.dispose();
});

async function databaseNames(): Promise<string[]> {
  const rows = await cluster.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'tdb%' ORDER BY 1");
  return rows.map((row) => row.datname);
}

describe('createTestDatabases on a given cluster', () => {
  it('hands out fresh copies of the migrated template, each with its connection open', async () => {
    const a = await dbs.acquire();
    const b = await dbs.acquire();
    expect(a.name).not.toBe(b.name);
    await a.query("INSERT INTO items VALUES (2, 'only in a')");
    expect(await a.query('SELECT count(*)::int AS n FROM items')).toEqual([{ n: 2 }]);
    expect(await b.query('SELECT count(*)::int AS n FROM items')).toEqual([{ n: 1 }]);
    // The connection was opened in advance: the same backend serves every query.
    const [first] = await a.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const [second] = await a.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    expect(second).toEqual(first);
    // The connection forms reach the same database.
    const client = new pg.Client(a.clientConfig());
    await client.connect();
    expect((await client.query('SELECT current_database() AS name')).rows).toEqual([{ name: a.name }]);
    await client.end();
    expect(a.env().PGDATABASE).toBe(a.name);
    expect(a.connectionString()).toContain(`dbname=${a.name}`);
    expect(a.uri()).toContain(`/${a.name}?`);
    await a.release();
    await b.release();
    expect(() => a.connection()).toThrow(TestDatabasesError);
    await expect(a.query('SELECT 1')).rejects.toMatchObject({ code: 'RELEASED' });
  });

  it('drops released databases in the background, and the pool stays at its size', async () => {
    const db = await dbs.acquire();
    const name = db.name;
    await db.release();
    await expect.poll(async () => (await databaseNames()).includes(name), { timeout: 10_000 }).toBe(false);
    await expect
      .poll(async () => (await cluster.query<{ n: number }>("SELECT count(*)::int AS n FROM pgcluster.databases WHERE state = 'ready'"))[0]!.n, { timeout: 10_000 })
      .toBe(2);
  });

  it('snapshots and restores in place: the same name, the same connection string, the old contents', async () => {
    await using db = await dbs.acquire();
    await db.query("INSERT INTO items VALUES (2, 'seeded')");
    await db.snapshot('seeded');
    const outside = new pg.Client(db.clientConfig());
    outside.on('error', () => undefined);
    await outside.connect();
    await db.query('DELETE FROM items');
    await db.query('CREATE TABLE extra (x int)');
    await db.restore('seeded');
    expect(db.name).toMatch(/^tdb_/);
    expect(await db.query('SELECT name FROM items ORDER BY id')).toEqual([{ name: 'seed' }, { name: 'seeded' }]);
    expect(await db.query("SELECT to_regclass('extra') AS t")).toEqual([{ t: null }]);
    // A session of another client was ended by the restore; a new one sees the restored database.
    await expect(outside.query('SELECT 1')).rejects.toThrow();
    const again = new pg.Client(db.clientConfig());
    await again.connect();
    expect((await again.query('SELECT count(*)::int AS n FROM items')).rows).toEqual([{ n: 2 }]);
    await again.end();
    // A second snapshot of the same name replaces the first; restoring twice works.
    await db.query("INSERT INTO items VALUES (3, 'later')");
    await db.snapshot('seeded');
    await db.query('DELETE FROM items');
    await db.restore('seeded');
    await db.restore('seeded');
    expect(await db.query('SELECT count(*)::int AS n FROM items')).toEqual([{ n: 3 }]);
    await expect(db.restore('never-taken')).rejects.toMatchObject({ code: 'SNAPSHOT_NOT_FOUND', database: db.name });
    await expect(db.snapshot('no spaces')).rejects.toBeInstanceOf(InvalidArgumentError);
    const snapshot = `${db.name}__seeded`;
    expect(await databaseNames()).toContain(snapshot);
    await db.release();
    // The snapshots go with the database.
    await expect.poll(async () => (await databaseNames()).filter((name) => name.startsWith(db.name)), { timeout: 10_000 }).toEqual([]);
  });

  it('keeps a database: not dropped on release or dispose, and its connection info returned', async () => {
    const db = await dbs.acquire();
    await db.query("INSERT INTO items VALUES (9, 'evidence')");
    const info = await dbs.keep(db);
    expect(info.database).toBe(db.name);
    expect(db.state).toBe('kept');
    await db.release();
    expect(await dbs.keep(db)).toBe(info);
    expect(await databaseNames()).toContain(db.name);
    const client = new pg.Client(info.clientConfig());
    await client.connect();
    expect((await client.query('SELECT name FROM items WHERE id = 9')).rows).toEqual([{ name: 'evidence' }]);
    await client.end();
    expect(dbs.keptDatabases()).toEqual([db.name]);
    await cluster.query(`DROP DATABASE ${db.name}`);
    await cluster.query('DELETE FROM pgcluster.databases WHERE name = $1', [db.name]);
  });

  it('a second TestDatabases with the same options finds the template (no second migration); keep() refuses a database of another', async () => {
    let runs = 0;
    const counted = async (db: { query(sql: string): Promise<unknown> }) => {
      runs++;
      await db.query('CREATE TABLE counted (x int)');
    };
    const first = await createTestDatabases({ cluster: cluster.connectionInfo, migrate: counted, pool: 0 });
    const second = await createTestDatabases({ cluster: cluster.connectionInfo, migrate: counted, pool: 0 });
    expect(runs).toBe(1);
    expect([first.wasCached, second.wasCached]).toEqual([false, true]);
    expect(second.template).toBe(first.template);
    const db = await first.acquire();
    await expect(second.keep(db)).rejects.toMatchObject({ code: 'NOT_OURS' });
    await first.dispose();
    await second.dispose();
    expect(db.state).toBe('released');
    await expect(first.acquire()).rejects.toMatchObject({ code: 'DISPOSED' });
  });

  it('a TestDatabases that is done hands its ready databases to another live one instead of dropping them', async () => {
    const other = await createTestDatabases({ cluster, migrate: async (db) => void (await db.query('CREATE TABLE handed (x int)')), pool: 2 });
    const readyOf = async () =>
      (await cluster.query<{ n: number }>("SELECT count(*)::int AS n FROM pgcluster.databases d WHERE template = $1 AND state = 'ready' AND EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = d.owner)", [other.template]))[0]!.n;
    await expect.poll(readyOf, { timeout: 10_000 }).toBe(2);
    await other.dispose();
    // Still ready, now owned by a live session (the file's `dbs`), which drops them when it is disposed last.
    expect(await readyOf()).toBe(2);
  });

  it('an owner pid reused by a session that is not ours owns nothing: the dead owner\'s database is swept', async () => {
    // A process died holding a database; its control session's pid now belongs to another
    // session (backend pids are OS pids, and get reused): here, a plain connection of a test.
    const stranger = new pg.Client({ ...cluster.connectionInfo.clientConfig(), application_name: 'some app' });
    await stranger.connect();
    try {
      const [{ pid }] = (await stranger.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows as [{ pid: number }];
      await cluster.query('CREATE DATABASE tdb_dead_owner');
      await cluster.query("INSERT INTO pgcluster.databases (name, template, state, owner) VALUES ('tdb_dead_owner', $1, 'taken', $2)", [dbs.template, pid]);
      const other = await createTestDatabases({ cluster, migrate, pool: 0 });
      await other.dispose();
      expect(await databaseNames()).not.toContain('tdb_dead_owner');
      expect(await cluster.query("SELECT name FROM pgcluster.databases WHERE name = 'tdb_dead_owner'")).toEqual([]);
    } finally {
      await stranger.end();
    }
  });

  it('a database a dead process was still creating takes no slot of the pool: the pool fills to its size', async () => {
    const made = async (db: { query(sql: string): Promise<unknown> }) => void (await db.query('CREATE TABLE crashed_fill (x int)'));
    const first = await createTestDatabases({ cluster, migrate: made, pool: 0 });
    // A worker killed while it made a pool database left its row: `creating`, its owner gone (no backend has pid 2^31 - 2).
    await cluster.query("INSERT INTO pgcluster.databases (name, template, state, owner) VALUES ('tdb_crashed_fill', $1, 'creating', 2147483646)", [first.template]);
    const second = await createTestDatabases({ cluster, migrate: made, pool: 1 });
    const ready = async () => (await cluster.query<{ n: number }>("SELECT count(*)::int AS n FROM pgcluster.databases WHERE template = $1 AND state = 'ready'", [first.template]))[0]!.n;
    await expect.poll(ready, { timeout: 5_000 }).toBe(1);
    await second.dispose();
    await first.dispose();
    expect(await cluster.query("SELECT name FROM pgcluster.databases WHERE name = 'tdb_crashed_fill'")).toEqual([]);
  });

  it('a failing migration is a MIGRATION_FAILED error and leaves no template behind', async () => {
    const error = await createTestDatabases({ cluster, pool: 0, migrate: async (db) => void (await db.query('CREATE TABLE broken (')) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TestDatabasesError);
    expect(error).toMatchObject({ code: 'MIGRATION_FAILED' });
    expect((error as Error).message).toMatch(/syntax error/);
    const templates = await cluster.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_database WHERE datname LIKE 'pgc_tpl_%'");
    const recorded = await cluster.query<{ n: number }>('SELECT count(*)::int AS n FROM pgcluster.templates');
    expect(templates).toEqual(recorded);
  });

  it('migrations: a folder of .sql files in name order (COPY … FROM stdin, dollar quotes), and loadSql/runSql on a handed-out database', async () => {
    const project = mkdtempSync('/tmp/pgct-tdb-sql-');
    try {
      mkdirSync(join(project, 'migrations'));
      writeFileSync(join(project, 'migrations', '002-data.sql'), ['-- seeds; a semicolon in a comment;', 'COPY colors (name) FROM stdin;', 'red', 'green', '\\.', ''].join('\n'));
      writeFileSync(join(project, 'migrations', '001-schema.sql'), [
        'CREATE TABLE colors (id serial PRIMARY KEY, name text NOT NULL);',
        "CREATE FUNCTION shout(t text) RETURNS text LANGUAGE plpgsql AS $body$ BEGIN RETURN upper(t) || ';'; END $body$;",
        '',
      ].join('\n'));
      const sqlDbs = await createTestDatabases({ cluster, migrations: 'migrations/', cwd: project, pool: 0 });
      try {
        await using db = await sqlDbs.acquire();
        expect(await db.query('SELECT shout(name) AS s FROM colors ORDER BY id')).toEqual([{ s: 'RED;' }, { s: 'GREEN;' }]);
        await db.runSql("INSERT INTO colors (name) VALUES ('blue'); INSERT INTO colors (name) VALUES ('x;y');");
        writeFileSync(join(project, 'more.sql'), 'COPY colors (name) FROM stdin;\nviolet\n\\.\n');
        await db.loadSql('more.sql', { cwd: project });
        expect(await db.query('SELECT count(*)::int AS n FROM colors')).toEqual([{ n: 5 }]);
        // A changed migration file is a new key: a new template.
        writeFileSync(join(project, 'migrations', '003-more.sql'), "INSERT INTO colors (name) VALUES ('third');\n");
        const changed = await createTestDatabases({ cluster, migrations: 'migrations/', cwd: project, pool: 0 });
        expect(changed.wasCached).toBe(false);
        expect(changed.template).not.toBe(sqlDbs.template);
        await changed.dispose();
        // A broken file: MIGRATION_FAILED, with the SQL error (file, line, SQLSTATE) as its message and cause.
        writeFileSync(join(project, 'migrations', '004-broken.sql'), 'SELECT 1;\n\nSELECT * FROM no_such_table;\n');
        const error = await createTestDatabases({ cluster, migrations: 'migrations/', cwd: project, pool: 0 }).catch((e: unknown) => e);
        expect(error).toMatchObject({ code: 'MIGRATION_FAILED', cause: { line: 3, sqlstate: '42P01' } });
        expect((error as Error).message).toContain('004-broken.sql');
      } finally {
        await sqlDbs.dispose();
      }
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });

  it('refuses bad options with INVALID_ARGUMENT', async () => {
    await expect(createTestDatabases({ pool: -1 })).rejects.toThrow('Expected `pool` to be a non-negative integer, got `-1`');
    await expect(createTestDatabases({ migrate: 'x' as never })).rejects.toThrow('Expected `migrate` to be a function, got `x`');
    await expect(createTestDatabases({ hashFiles: 'x' as never })).rejects.toThrow(InvalidArgumentError);
    await expect(createTestDatabases({ keepTemplates: 0 })).rejects.toThrow(InvalidArgumentError);
    await expect(createTestDatabases({ cluster: 5 as never })).rejects.toThrow('Expected `cluster` to be a Cluster or connection parameters, got `5`');
    await expect(createTestDatabases({ cluster, hashFiles: ['no/such/*.sql'] })).rejects.toMatchObject({ code: 'NO_FILES' });
    // The throwaway option createTestDatabases starts its cluster with.
    await expect(createTemporaryCluster({ templateDirectory: 'relative/data' })).rejects.toThrow('Expected `templateDirectory` to be an absolute path, got `relative/data`');
  });
});

describe('createTestDatabases with its own throwaway cluster', () => {
  let cache = '';
  beforeAll(() => {
    cache = mkdtempSync('/tmp/pgct-tdb-cache-');
    chmodSync(cache, 0o755);
  });
  afterAll(() => {
    if (cache !== '') rmSync(cache, { recursive: true, force: true });
  });

  it('starts from the cached template the second time, and dispose leaves no server and no cluster folder', async () => {
    const first = await createTestDatabases({ cacheDirectory: cache, migrate, pool: 1 });
    const directory = first.cluster!.directory;
    expect(first.wasCached).toBe(false);
    const db = await first.acquire();
    expect(await db.query('SELECT name FROM items')).toEqual([{ name: 'seed' }]);
    await first.dispose();
    expect(await first.cluster!.running()).toBe(false);
    const second = await createTestDatabases({ cacheDirectory: cache, migrate, pool: 1 });
    expect(second.wasCached).toBe(true);
    expect(second.template).toBe(first.template);
    await second.dispose();
    expect(readdirSync(join(cache, 'test-databases')).filter((name) => !name.startsWith('.'))).toHaveLength(1);
    await expect.poll(() => readdirSync(join(directory, '..')).includes(directory.split('/').at(-1)!), { timeout: 10_000 }).toBe(false);
  });
});
