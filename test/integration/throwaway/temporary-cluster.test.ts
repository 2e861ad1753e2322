import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Installation } from '../../../src/installation/index.js';
import { isProcessAlive, pendingExitCleanups, readPostmasterPid } from '../../../src/control/index.js';
import { createDatabase, createTemporaryCluster, findFreePort, TemplateCache, waitForCleanup, type TemporaryCluster } from '../../../src/throwaway/index.js';
import { npmBindir, systemBindir } from '../../helpers/scratch-server.js';

// Every cluster here lives under its own /tmp/pgct-* storage root, so the suite can find leftovers.
const scratch = mkdtempSync('/tmp/pgct-throwaway-');
// As root the server runs as `postgres`, which must traverse it.
chmodSync(scratch, 0o755);
const storage = join(scratch, 'root');
let installation: Installation;
const psql = join(systemBindir(), 'psql');

beforeAll(async () => {
  installation = await Installation.fromPgConfig(join(systemBindir(), 'pg_config'));
});
afterAll(async () => {
  await waitForCleanup();
  rmSync(scratch, { recursive: true, force: true });
});

function psqlValue(args: string[], env: NodeJS.ProcessEnv = {}): string {
  return execFileSync(psql, ['-XAtq', ...args], { encoding: 'utf8', env: { ...process.env, ...env } }).trim();
}

describe('createTemporaryCluster', () => {
  it('starts a cluster on a private socket only, superuser postgres, reachable through every connection form', async () => {
    const cluster = await createTemporaryCluster({ installation, storage });
    try {
      const info = cluster.connectionInfo;
      expect(info).toMatchObject({ host: cluster.directory, user: 'postgres', database: 'postgres' });
      expect(cluster.tcpConnectionInfo).toBeNull();
      expect(cluster.dataDirectory).toBe(join(cluster.directory, 'data'));
      expect(await cluster.query('SHOW listen_addresses')).toEqual([{ listen_addresses: '' }]);
      expect(await cluster.query('SELECT current_user AS u, rolsuper FROM pg_roles WHERE rolname = current_user')).toEqual([{ u: 'postgres', rolsuper: true }]);
      // libpq reads all four forms.
      expect(psqlValue([cluster.connectionString(), '-c', 'SELECT 1'])).toBe('1');
      expect(psqlValue([cluster.uri(), '-c', 'SELECT current_database()'])).toBe('postgres');
      expect(psqlValue(['-c', 'SELECT 2'], cluster.env())).toBe('2');
      const client = new pg.Client(cluster.clientConfig());
      await client.connect();
      expect((await client.query('SELECT 3 AS n')).rows).toEqual([{ n: 3 }]);
      await client.end();
      // The throwaway defaults.
      expect(await cluster.query("SELECT current_setting('fsync') AS f, current_setting('wal_segment_size') AS w, pg_encoding_to_char(encoding) AS e FROM pg_database WHERE datname = 'postgres'")).toEqual([
        { f: 'off', w: '1MB', e: 'UTF8' },
      ]);
    } finally {
      await cluster.dispose();
    }
  });

  it('leaves no server and, once the background removal is done, no folder after dispose', async () => {
    await waitForCleanup();
    const registered = pendingExitCleanups();
    const cluster = await createTemporaryCluster({ installation, storage });
    expect(pendingExitCleanups()).toBe(registered + 2); // the server and the folder
    const pid = (await cluster.pid())!;
    expect(isProcessAlive(pid)).toBe(true);
    await cluster.dispose();
    expect(isProcessAlive(pid)).toBe(false);
    await waitForCleanup();
    expect(existsSync(cluster.directory)).toBe(false);
    expect(pendingExitCleanups()).toBe(registered);
    await cluster.dispose(); // idempotent
  });

  it('leaves no shared memory behind when its server was killed outright (SIGKILL) before dispose', async () => {
    const cluster = await createTemporaryCluster({ installation, storage: '/dev/shm/' + scratch.split('/').pop() });
    try {
      expect(await cluster.query('SHOW dynamic_shared_memory_type')).toEqual([{ dynamic_shared_memory_type: 'mmap' }]);
      const lock = (await readPostmasterPid(cluster.dataDirectory))!;
      const id = lock.shmemKey!.trim().split(/\s+/)[1];
      // Killed behind the SDK's back (kill() would clean up itself): dispose() must do it.
      process.kill(lock.pid, 'SIGKILL');
      await cluster.daemonProcess!.exited;
      const hasSegment = () => readFileSync('/proc/sysvipc/shm', 'utf8').split('\n').some((line) => line.trim().split(/\s+/)[1] === id);
      expect(hasSegment()).toBe(true);
      await cluster.dispose();
      await waitForCleanup();
      expect(hasSegment()).toBe(false);
      expect(existsSync(cluster.directory)).toBe(false);
    } finally {
      await cluster.dispose();
      rmSync('/dev/shm/' + scratch.split('/').pop(), { recursive: true, force: true });
    }
  });

  it('is disposed by `await using`', async () => {
    let directory = '';
    let pid = 0;
    {
      await using cluster = await createTemporaryCluster({ installation, storage });
      directory = cluster.directory;
      pid = (await cluster.pid())!;
    }
    expect(isProcessAlive(pid)).toBe(false);
    await waitForCleanup();
    expect(existsSync(directory)).toBe(false);
  });

  it('listens on localhost on a free port with `tcp: true`, and parallel clusters get different ports', async () => {
    const clusters = await Promise.all([1, 2, 3].map(() => createTemporaryCluster({ installation, storage, tcp: true })));
    try {
      const ports = clusters.map((c) => c.connectionInfo.port);
      expect(new Set(ports).size).toBe(3);
      for (const cluster of clusters) {
        expect(cluster.tcpConnectionInfo?.toJSON()).toEqual({ ...cluster.connectionInfo.toJSON(), host: 'localhost' });
        const client = new pg.Client(cluster.tcpConnectionInfo!.clientConfig());
        await client.connect();
        expect((await client.query('SHOW port')).rows[0].port).toBe(String(cluster.connectionInfo.port));
        await client.end();
      }
    } finally {
      await Promise.all(clusters.map((c) => c.dispose()));
    }
  });

  it('reports a taken fixed port as PORT_IN_USE and leaves nothing', async () => {
    const root = join(scratch, 'port-taken');
    const port = await findFreePort();
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen({ port, host: '127.0.0.1' }, () => resolve()));
    try {
      await expect(createTemporaryCluster({ installation, storage: root, port })).rejects.toMatchObject({ code: 'PORT_IN_USE' });
      await waitForCleanup();
      expect(readdirSync(join(root, 'clusters'))).toEqual([]);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('requires a password (scram-sha-256) when given one, on the socket and over TCP', async () => {
    const password = "s3cr'et \\ pass";
    const cluster = await createTemporaryCluster({ installation, storage, password, tcp: true });
    try {
      expect(cluster.connectionInfo.password).toBe(password);
      expect(cluster.env().PGPASSWORD).toBe(password);
      expect(await cluster.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
      const { password: _drop, ...noPassword } = cluster.clientConfig();
      const refused = new pg.Client({ ...noPassword, password: 'wrong' });
      await expect(refused.connect()).rejects.toMatchObject({ code: '28P01' });
      expect(cluster.tcpConnectionInfo?.password).toBe(password);
      const overTcp = new pg.Client(cluster.tcpConnectionInfo!.clientConfig());
      await overTcp.connect();
      expect((await overTcp.query("SELECT rolpassword LIKE 'SCRAM-SHA-256$%' AS scram FROM pg_authid WHERE rolname = 'postgres'")).rows).toEqual([{ scram: true }]);
      await overTcp.end();
      expect(readFileSync(join(cluster.dataDirectory, 'pg_hba.conf'), 'utf8')).toMatch(/^local all all scram-sha-256$/m);
      expect(psqlValue([cluster.uri(), '-c', 'SELECT 7'])).toBe('7');
    } finally {
      await cluster.dispose();
    }
  });

  it('creates the named database and the extensions asked for, and applies settings', async () => {
    const cluster = await createTemporaryCluster({ installation, storage, database: 'my app', extensions: ['pgcrypto'], settings: { work_mem: '7MB' } });
    try {
      expect(cluster.connectionInfo.database).toBe('my app');
      expect(await cluster.query('SELECT current_database() AS db, current_setting($1) AS wm', ['work_mem'])).toEqual([{ db: 'my app', wm: '7MB' }]);
      expect(await cluster.query("SELECT extname FROM pg_extension WHERE extname = 'pgcrypto'")).toEqual([{ extname: 'pgcrypto' }]);
      expect(psqlValue([cluster.connectionString(), '-c', 'SELECT current_database()'])).toBe('my app');
    } finally {
      await cluster.dispose();
    }
  });

  it('gives each test a database copied from the migrated default database, dropped on dispose', async () => {
    const cluster = await createTemporaryCluster({ installation, storage, database: 'app' });
    try {
      await cluster.query('CREATE TABLE items (id int PRIMARY KEY, name text)');
      await cluster.query("INSERT INTO items VALUES (1, 'one')");
      const [first, second] = await Promise.all([cluster.cloneDatabase(), cluster.cloneDatabase()]);
      expect(first!.name).not.toBe(second!.name);
      expect(first!.name).toMatch(/^test_[a-z0-9_]+$/);
      await first!.query("INSERT INTO items VALUES (2, 'two')");
      expect(await first!.query('SELECT count(*)::int AS n FROM items')).toEqual([{ n: 2 }]);
      expect(await second!.query('SELECT count(*)::int AS n FROM items')).toEqual([{ n: 1 }]);
      // An open session in the copy does not stop the drop.
      const lingering = new pg.Client(first!.clientConfig());
      await lingering.connect();
      lingering.on('error', () => undefined);
      await first!.dispose();
      await second!.dispose();
      const names = await cluster.query<{ datname: string }>('SELECT datname FROM pg_database');
      expect(names.map((r) => r.datname)).not.toContain(first!.name);
      expect(names.map((r) => r.datname)).not.toContain(second!.name);
      await lingering.end().catch(() => undefined);
      // From another process's point of view: only the connection parameters are needed.
      const fromParameters = await createDatabase(JSON.parse(JSON.stringify(cluster.connectionInfo)), { template: 'app', name: 'we"ird name' });
      expect(await fromParameters.query('SELECT current_database() AS db')).toEqual([{ db: 'we"ird name' }]);
      await fromParameters.dispose();
    } finally {
      await cluster.dispose();
    }
  });

  it('keeps the folder with `keep: true`, stopped cleanly, and says where it is', async () => {
    const events: string[] = [];
    const cluster = await createTemporaryCluster({ installation, storage, keep: true, log: (event) => events.push(event.type) });
    await cluster.query('CREATE TABLE kept (x int)');
    await cluster.dispose();
    await waitForCleanup();
    expect(await cluster.running()).toBe(false);
    expect(existsSync(join(cluster.dataDirectory, 'PG_VERSION'))).toBe(true);
    expect(JSON.parse(readFileSync(join(cluster.directory, 'owner.json'), 'utf8'))).toMatchObject({ keep: true });
    expect(events).toContain('kept');
    rmSync(cluster.directory, { recursive: true, force: true });
  });

  it('is cancelled by an AbortSignal or its timeout, leaving nothing', async () => {
    const root = join(scratch, 'cancelled');
    await expect(createTemporaryCluster({ installation, storage: root, signal: AbortSignal.abort() })).rejects.toThrow();
    const controller = new AbortController();
    const pending = createTemporaryCluster({ installation, storage: root, signal: controller.signal });
    setTimeout(() => controller.abort(), 5);
    await pending.then((cluster) => cluster.dispose(), () => undefined);
    await expect(createTemporaryCluster({ installation, storage: root, timeout: 1 })).rejects.toMatchObject({ code: 'START_FAILED' });
    await waitForCleanup();
    expect(readdirSync(join(root, 'clusters'))).toEqual([]);
    expect(readdirSync(join(root, 'templates')).filter((name) => name.startsWith('.build-'))).toEqual([]);
  });

  it('picks the installation by major version, and takes init options (another template)', async () => {
    const events: Array<{ type: string; key?: string }> = [];
    const log = (event: { type: string }) => events.push(event);
    const eighteen = await createTemporaryCluster({ major: 18, storage, log });
    const cLocale = await createTemporaryCluster({ installation, storage, init: { locale: 'C', dataChecksums: true }, log });
    try {
      expect(await eighteen.query('SELECT current_setting($1)::int / 10000 AS major', ['server_version_num'])).toEqual([{ major: 18 }]);
      expect(await cLocale.query("SELECT datcollate, current_setting('data_checksums') AS sums FROM pg_database WHERE datname = 'postgres'")).toEqual([
        { datcollate: 'C', sums: 'on' },
      ]);
      const keys = events.filter((e) => e.type === 'template').map((e) => e.key);
      expect(new Set(keys).size).toBe(2);
    } finally {
      await Promise.all([eighteen.dispose(), cLocale.dispose()]);
    }
  });

  it('works on PostgreSQL 13 too (no CREATE DATABASE STRATEGY before 15)', async () => {
    const pg13 = await Installation.fromBinDir(npmBindir(13));
    const cluster = await createTemporaryCluster({ installation: pg13, storage, database: 'app', password: 'pw13' });
    try {
      await cluster.query('CREATE TABLE t (x int)');
      const copy = await cluster.cloneDatabase();
      expect(await copy.query('SELECT current_setting($1)::int / 10000 AS major, count(*)::int AS n FROM t', ['server_version_num'])).toEqual([{ major: 13, n: 0 }]);
      await copy.dispose();
      expect(await cluster.query('SELECT count(*)::int AS n FROM pg_database WHERE datname = $1', [copy.name])).toEqual([{ n: 0 }]);
    } finally {
      await cluster.dispose();
    }
  });

  it('refuses bad options with the one message shape', async () => {
    await expect(createTemporaryCluster({ installation, storage, port: 70000 })).rejects.toThrow('Expected `port` to be an integer from 1 to 65535, got `70000`');
    await expect(createTemporaryCluster({ installation, storage, init: { user: 'alice' } })).rejects.toThrow(/Expected `init.user`/);
  });

  it('refuses a storage folder whose socket path would pass the Unix limit', async () => {
    const deep = join(scratch, 'x'.repeat(90));
    await expect(createTemporaryCluster({ installation, storage: deep })).rejects.toMatchObject({ code: 'SOCKET_PATH_TOO_LONG' });
  });
});

describe('the template cache', () => {
  let clusters: TemporaryCluster[] = [];
  afterAll(async () => {
    await Promise.all(clusters.map((c) => c.dispose()));
  });

  it('builds one template per installation and never reuses one built by another', async () => {
    const root = join(scratch, 'templates-by-installation');
    const pg18 = await Installation.fromBinDir(npmBindir(18));
    const events: Array<{ type: string; wasCached?: boolean; key?: string }> = [];
    const log = (event: { type: string }) => events.push(event);
    clusters = [
      await createTemporaryCluster({ installation, storage: root, log }),
      await createTemporaryCluster({ installation: pg18, storage: root, log }),
      await createTemporaryCluster({ installation, storage: root, log }),
    ];
    const templates = events.filter((e) => e.type === 'template');
    expect(templates.map((e) => e.wasCached)).toEqual([false, false, true]);
    expect(templates[0]!.key).not.toBe(templates[1]!.key);
    expect(templates[2]!.key).toBe(templates[0]!.key);
    const versions = await Promise.all(clusters.map(async (c) => (await c.query<{ v: string }>('SHOW server_version_num'))[0]!));
    expect(versions.map((v) => Math.floor(Number((v as unknown as { server_version_num: string }).server_version_num) / 10_000))).toEqual([15, 18, 15]);
    const listed = await new TemplateCache(root).list();
    expect(listed.map((t) => t.major).sort()).toEqual([15, 18]);
    expect(new Set(listed.map((t) => t.fingerprint)).size).toBe(2);
  });

  it('runs initdb once when several calls in one process ask for the same template at once', async () => {
    const cache = new TemplateCache(join(scratch, 'shared-build'));
    const options = { user: 'postgres', noSync: true, walSegsize: 1 };
    const results = await Promise.all([1, 2, 3].map(() => cache.get(installation, options)));
    expect(results.map((r) => r.wasCached).sort()).toEqual([false, true, true]);
    expect(new Set(results.map((r) => r.dataDirectory)).size).toBe(1);
    await cache.clear();
  });

  it('removes the templates an upgrade superseded, and prune() those of removed installations and older formats', async () => {
    // A copy of the npm PostgreSQL 13 stands for an installation that gets upgraded in place.
    const copyParent = mkdtempSync(join(scratch, 'pg13-copy-'));
    chmodSync(copyParent, 0o755);
    const copy = join(copyParent, 'native');
    execFileSync('cp', ['-a', join(npmBindir(13), '..'), copy]);
    const copied = await Installation.fromBinDir(join(copy, 'bin'));
    const cache = new TemplateCache(join(scratch, 'pruning'));
    const options = { user: 'postgres', noSync: true, walSegsize: 1 };
    const other = await cache.get(installation, options);
    const before = await cache.get(copied, options);
    expect(before.wasCached).toBe(false);
    // Nothing is stale yet.
    expect(await cache.prune()).toEqual([]);
    // The "upgrade": the binary changes (here its modification time), so its fingerprint does.
    const postgres = join(copy, 'bin', 'postgres');
    utimesSync(postgres, new Date('2020-01-01T00:00:00Z'), new Date('2020-01-01T00:00:00Z'));
    const after = await cache.get(copied, options);
    expect(after.wasCached).toBe(false);
    expect(after.key).not.toBe(before.key);
    expect((await cache.list()).map((t) => t.key).sort()).toEqual([other.key, after.key].sort());
    expect(existsSync(join(cache.directory, before.key))).toBe(false);
    // A template of an older cache format, and the installation removed from the machine.
    mkdirSync(join(cache.directory, '15-0000000000000000', 'data'), { recursive: true });
    writeFileSync(join(cache.directory, '15-0000000000000000', 'template.json'), JSON.stringify({ format: 1, key: '15-0000000000000000', fingerprint: 'x' }));
    rmSync(copy, { recursive: true, force: true });
    // A template a killed process had moved aside but not yet removed.
    mkdirSync(join(cache.directory, '.stale-15-0000000000000000-1-deadbeef', 'data'), { recursive: true });
    const pruned = await cache.prune();
    expect(readdirSync(cache.directory).filter((name) => name.startsWith('.'))).toEqual([]);
    expect(pruned.sort((a, b) => a.key.localeCompare(b.key))).toEqual(
      [
        { key: '15-0000000000000000', reason: 'old-format' },
        { key: after.key, reason: 'installation-gone' },
      ].sort((a, b) => a.key.localeCompare(b.key)),
    );
    expect((await cache.list()).map((t) => t.key)).toEqual([other.key]);
    // The template of the installation that did not change is still used.
    expect((await cache.get(installation, options)).wasCached).toBe(true);
    await cache.clear();
  });

  it('rebuilds a template whose recorded installation does not match, instead of reusing it', async () => {
    const root = join(scratch, 'tampered');
    const cache = new TemplateCache(join(root));
    const first = await cache.get(installation, { user: 'postgres', noSync: true, walSegsize: 1 });
    expect(first.wasCached).toBe(false);
    // Pretend another installation built what sits at this key.
    const infoPath = join(cache.directory, first.key, 'template.json');
    const info = JSON.parse(readFileSync(infoPath, 'utf8'));
    execFileSync('sh', ['-c', `cat > '${infoPath}'`], { input: JSON.stringify({ ...info, fingerprint: 'another installation' }) });
    const second = await cache.get(installation, { user: 'postgres', noSync: true, walSegsize: 1 });
    expect(second.wasCached).toBe(false);
    expect(JSON.parse(readFileSync(infoPath, 'utf8')).fingerprint).toBe(info.fingerprint);
    await cache.clear();
  });
});
