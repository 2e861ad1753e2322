// A primary with two standbys on one machine (system PostgreSQL 15, pg_basebackup): rows replayed,
// writes refused on standbys (25006), both streaming in replicationStatus, a synchronous standby,
// a slot, the passfile's mode and owner, the primary's restart reported or refused, promote.
import { chmodSync, lstatSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../../../src/cluster/index.js';
import { resolveRunAs } from '../../../src/control/index.js';
import { serverState } from '../../../src/provision/index.js';
import { createStandby, promote, replicationStatus, STANDBY_PASSFILE, topologyConnectionInfo, waitForReplay, type ReplicationEvent, type TargetSessionAttrs } from '../../../src/replication/index.js';
import { ConnectionInfo } from '../../../src/throwaway/index.js';
import { runCommand } from '../../../src/control/index.js';
import pg from 'pg';
import { createTemporaryCluster, type TemporaryCluster } from '../../../src/throwaway/index.js';
import { rejection } from '../cluster/fixtures.js';
import { isRoot, npmInstallation, standbyRoot, systemInstallation } from './fixtures.js';

const hasCiUser = (() => {
  try {
    execFileSync('id', ['-u', 'pgcluster-ci'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

let primary: TemporaryCluster;
let b: Cluster;
let c: Cluster;
const events: ReplicationEvent[] = [];
const space = standbyRoot();

beforeAll(async () => {
  const installation = await systemInstallation();
  primary = await createTemporaryCluster({ installation, tcp: true });
  await primary.connect().then(async (client) => {
    await client.query('CREATE TABLE t (id int PRIMARY KEY, v text)');
    await client.end();
  });
});
afterAll(async () => {
  await space.cleanup();
  await primary?.dispose();
});

async function query(cluster: Cluster, sql: string, params: unknown[] = []): Promise<any[]> {
  const client = await cluster.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

describe('createStandby on PostgreSQL 15 (pg_basebackup)', () => {
  it('refuses a throwaway primary whose replication settings need a restart unless restartPrimary, and changes nothing', async () => {
    expect(await serverState(primary)).toBe('standalone');
    const error = await rejection(createStandby(primary, space.path('refused'), { credentials: space.store }));
    expect(error).toMatchObject({ name: 'ReplicationError', code: 'PRIMARY_RESTART_REQUIRED' });
    expect(error.settings).toMatchObject({ full_page_writes: 'on', synchronous_commit: 'on' });
    expect(await query(primary, "SELECT setting FROM pg_settings WHERE name = 'full_page_writes'")).toEqual([{ setting: 'off' }]);
    expect(lstatSync(space.path('refused'), { throwIfNoEntry: false })).toBeUndefined();
  });

  it('with restartPrimary: restarts (reported), takes a base backup and streams; the primary says master', async () => {
    b = space.track(await createStandby(primary, space.path('b'), { restartPrimary: true, credentials: space.store, log: (e) => events.push(e) }));
    expect(events.map((e) => e.type)).toEqual(['primary-restart', 'base-backup', 'streaming']);
    expect(events[0]).toMatchObject({ settings: { full_page_writes: 'on', synchronous_commit: 'on', wal_log_hints: 'on' } });
    expect(events[1]).toMatchObject({ method: 'pg_basebackup' });
    expect(await query(primary, "SELECT name, setting FROM pg_settings WHERE name IN ('full_page_writes', 'synchronous_commit', 'wal_log_hints') ORDER BY name")).toEqual([
      { name: 'full_page_writes', setting: 'on' },
      { name: 'synchronous_commit', setting: 'on' },
      { name: 'wal_log_hints', setting: 'on' },
    ]);
    expect(await serverState(primary)).toBe('master');
    expect(await serverState(b)).toBe('hot standby');
  });

  it('a second, synchronous standby with a slot: both stream, c is in synchronous_standby_names and sync', async () => {
    c = space.track(await createStandby(primary, space.path('c'), { name: 'c', slot: true, synchronous: true, credentials: space.store }));
    expect(await query(primary, 'SHOW synchronous_standby_names')).toEqual([{ synchronous_standby_names: 'ANY 1 ("c")' }]);
    const status = await replicationStatus(primary);
    expect(status.map((s) => [s.name, s.state, s.sync, s.slot])).toEqual([
      ['b', 'streaming', 'async', null],
      ['c', 'streaming', 'quorum', 'c'],
    ]);
    expect(await query(primary, "SELECT slot_name, slot_type, active FROM pg_replication_slots WHERE slot_name = 'c'")).toEqual([{ slot_name: 'c', slot_type: 'physical', active: true }]);
    for (const s of status) {
      expect(s.sentLsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
      expect(s.writeLag === null || typeof s.writeLag === 'number').toBe(true);
    }
  });

  it('rows written on the primary are read on both standbys after waitForReplay; a write on a standby fails with 25006', async () => {
    await query(primary, "INSERT INTO t SELECT g, 'row ' || g FROM generate_series(1, 500) g");
    for (const standby of [b, c]) {
      const result = await waitForReplay(standby, 'current', { timeout: 20_000 });
      expect(result.replayLsn).toMatch(/\//);
      expect(await query(standby, 'SELECT count(*)::int AS n FROM t')).toEqual([{ n: 500 }]);
      const error = await rejection(query(standby, "INSERT INTO t VALUES (0, 'no')"));
      expect(error.code).toBe('25006');
    }
  });

  it('waitForReplay takes an LSN, times out with TIMEOUT and stops on its signal', async () => {
    await query(primary, "INSERT INTO t VALUES (501, 'by lsn')");
    const [{ lsn }] = await query(primary, 'SELECT pg_current_wal_lsn()::text AS lsn');
    const result = await waitForReplay(b, lsn, { timeout: 20_000 });
    expect(result.lsn).toBe(lsn);
    expect(await query(b, 'SELECT v FROM t WHERE id = 501')).toEqual([{ v: 'by lsn' }]);
    const late = await rejection(waitForReplay(b, 'FFFFFFFF/0', { timeout: 200 }));
    expect(late).toMatchObject({ name: 'ReplicationError', code: 'TIMEOUT' });
    expect(late.message).toContain('did not replay FFFFFFFF/0 within 200 ms');
    const cancelled = await rejection(waitForReplay(b, 'FFFFFFFF/0', { signal: AbortSignal.timeout(100) }));
    expect(cancelled.name).toBe('TimeoutError');
  });

  it('keeps the password out of the standby configuration: a passfile of mode 0600 owned by the server user', async () => {
    const user = await resolveRunAs();
    const passfile = join(b.dataDirectory, STANDBY_PASSFILE);
    const stats = lstatSync(passfile);
    expect(stats.mode & 0o777).toBe(0o600);
    expect(stats.uid).toBe(user?.uid ?? process.getuid!());
    const [conninfo] = await query(b, 'SHOW primary_conninfo');
    expect(conninfo.primary_conninfo).toContain(`passfile=${passfile}`);
    expect(conninfo.primary_conninfo).toContain('application_name=b');
    expect(conninfo.primary_conninfo).not.toContain('password');
    const auto = readFileSync(join(b.dataDirectory, 'postgresql.auto.conf'), 'utf8');
    const password = readFileSync(passfile, 'utf8').trim().split(':').at(-1)!;
    expect(auto).not.toContain(password);
  });

  it.skipIf(!isRoot)('as root, waitForReplay reads no passfile the server user does not own (a primary_conninfo pointing at a root file) [root only: a normal user reads only its own files anyway]', async () => {
    const [original] = await query(b, 'SHOW primary_conninfo');
    const password = readFileSync(join(b.dataDirectory, STANDBY_PASSFILE), 'utf8');
    const secret = join(space.root, 'root-secret');
    writeFileSync(secret, password, { mode: 0o600 });
    try {
      const planted = (original.primary_conninfo as string).replace(/passfile=\S+/, `passfile=${secret}`);
      await query(b, `ALTER SYSTEM SET primary_conninfo = '${planted}'`);
      await query(b, 'SELECT pg_reload_conf()');
      const error = await rejection(waitForReplay(b, 'current', { timeout: 5_000 }));
      expect(error).toMatchObject({ name: 'ReplicationError', code: 'PRIMARY_UNREACHABLE' });
    } finally {
      await query(b, `ALTER SYSTEM SET primary_conninfo = '${original.primary_conninfo}'`);
      await query(b, 'SELECT pg_reload_conf()');
      rmSync(secret);
    }
  });

  it('prepares what a later pg_rewind needs: the rewind role with its grants and an hba rule', async () => {
    const [row] = await query(primary, "SELECT has_function_privilege('rewind_user', 'pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean)', 'EXECUTE') AS ok");
    expect(row.ok).toBe(true);
    const rules = await query(primary, "SELECT type, database, user_name FROM pg_hba_file_rules WHERE 'rewind_user' = ANY(user_name) OR 'replicator' = ANY(user_name) ORDER BY user_name, type");
    expect(rules).toEqual([
      { type: 'host', database: ['replication'], user_name: ['replicator'] },
      { type: 'local', database: ['replication'], user_name: ['replicator'] },
      { type: 'host', database: ['postgres'], user_name: ['rewind_user'] },
      { type: 'local', database: ['postgres'], user_name: ['rewind_user'] },
    ]);
  });

  it('refuses a name in use, a non-empty data directory and a standby of another major, before touching anything', async () => {
    expect(await rejection(createStandby(primary, space.path('new'), { name: 'b', credentials: space.store }))).toMatchObject({ code: 'NAME_IN_USE' });
    expect(await rejection(createStandby(primary, b.dataDirectory, { name: 'b2', credentials: space.store }))).toMatchObject({ code: 'DIRECTORY_NOT_EMPTY' });
    expect(lstatSync(space.path('new'), { throwIfNoEntry: false })).toBeUndefined();
    const error = await rejection(createStandby(primary, space.path('x17'), { installation: await npmInstallation(17), credentials: space.store }));
    expect(error).toMatchObject({ name: 'ReplicationError', code: 'MAJOR_MISMATCH' });
    expect(error.message).toContain('PostgreSQL 17');
  });

  it('a standby that cannot start (its port is the primary’s) leaves nothing behind: no data directory, no slot, no synchronous name', async () => {
    const port = (await primary.postmaster())!.port;
    const error = await rejection(createStandby(primary, space.path('d'), { port, slot: true, synchronous: true, credentials: space.store }));
    expect(error).toMatchObject({ code: 'PORT_IN_USE' });
    expect(lstatSync(space.path('d'), { throwIfNoEntry: false })).toBeUndefined();
    expect(await query(primary, "SELECT count(*)::int AS n FROM pg_replication_slots WHERE slot_name = 'd'")).toEqual([{ n: 0 }]);
    expect(await query(primary, 'SHOW synchronous_standby_names')).toEqual([{ synchronous_standby_names: 'ANY 1 ("c")' }]);
  });

  it('a standby that cannot start, made in an empty folder the caller gave: the folder stays (emptied), as it was before', async () => {
    const folder = space.path('d2');
    const { mkdirSync, chownSync, readdirSync } = await import('node:fs');
    mkdirSync(folder, { mode: 0o700 });
    const owner = await primary.runAsUser();
    if (owner !== null && isRoot) chownSync(folder, owner.uid, owner.gid);
    const port = (await primary.postmaster())!.port;
    const error = await rejection(createStandby(primary, folder, { port, credentials: space.store }));
    expect(error).toMatchObject({ code: 'PORT_IN_USE' });
    expect(lstatSync(folder).isDirectory()).toBe(true);
    expect(readdirSync(folder)).toEqual([]);
    rmSync(folder, { recursive: true, force: true });
  });

  it.skipIf(!isRoot || !hasCiUser)('as root, a standby run by another OS user (runAs) streams, its files and passfile that user’s; the low-level copy refuses that [root only: only root switches users]', async () => {
    const folder = mkdtempSync('/tmp/pgct-runas-');
    chmodSync(folder, 0o755);
    try {
      const other = space.track(await createStandby(primary, join(folder, 'e'), { runAs: 'pgcluster-ci', socketDirectory: join(folder, 'sock'), credentials: space.store }));
      const ci = (await resolveRunAs('pgcluster-ci'))!;
      expect(lstatSync(other.dataDirectory).uid).toBe(ci.uid);
      expect(lstatSync(join(other.dataDirectory, STANDBY_PASSFILE)).uid).toBe(ci.uid);
      expect(lstatSync(join(other.dataDirectory, 'postgresql.auto.conf')).uid).toBe(ci.uid);
      expect((await replicationStatus(primary)).find((s) => s.name === 'e')?.state).toBe('streaming');
      await waitForReplay(other, 'current', { timeout: 20_000 });
      await other.stop({ mode: 'fast' });
      const npm = await createTemporaryCluster({ installation: await npmInstallation(17) });
      try {
        const error = await rejection(createStandby(npm, join(folder, 'f'), { runAs: 'pgcluster-ci', restartPrimary: true, credentials: space.store }));
        expect(error).toMatchObject({ name: 'ReplicationError', code: 'COPY_NOT_POSSIBLE' });
      } finally {
        await npm.dispose();
      }
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('topologyConnectionInfo: psql settles on the server each target_session_attrs asks for, over TCP and over sockets', async () => {
    const psql = join((await systemInstallation()).paths.bindir!, 'psql');
    const tcp = topologyConnectionInfo([
      { ...(await c.connectionOptions()), host: '127.0.0.1', port: (await c.postmaster())!.port },
      primary.tcpConnectionInfo!,
      { ...(await b.connectionOptions()), host: '127.0.0.1', port: (await b.postmaster())!.port },
    ].map((node) => ConnectionInfo.from({ ...node, host: node.host === 'localhost' ? '127.0.0.1' : node.host, database: 'postgres' })));
    const sockets = topologyConnectionInfo([await c.connectionOptions(), primary.connectionInfo, await b.connectionOptions()]);
    const expectations: Array<[TargetSessionAttrs, string]> = [
      ['read-write', 'f'], ['primary', 'f'], ['standby', 't'], ['prefer-standby', 't'], ['read-only', 't'], ['any', 't'],
    ];
    for (const topology of [tcp, sockets]) {
      for (const [attrs, recovery] of expectations) {
        const uri = topology.uri({ targetSessionAttrs: attrs });
        expect((await runCommand(psql, [uri, '-Atc', 'select pg_is_in_recovery()'])).stdout).toBe(recovery);
        expect((await runCommand(psql, [topology.connectionString({ targetSessionAttrs: attrs }), '-Atc', 'select pg_is_in_recovery()'])).stdout).toBe(recovery);
        expect((await runCommand(psql, ['-Atc', 'select pg_is_in_recovery()'], { env: topology.env({ targetSessionAttrs: attrs }) })).stdout).toBe(recovery);
        const config = await topology.clientConfig({ targetSessionAttrs: attrs });
        const client = new pg.Client(config);
        await client.connect();
        try {
          expect((await client.query('select pg_is_in_recovery() AS r')).rows[0].r).toBe(recovery === 't');
        } finally {
          await client.end();
        }
      }
    }
    expect(tcp.uri()).toMatch(/^postgresql:\/\/postgres:[^@]+@127\.0\.0\.1:\d+,127\.0\.0\.1:\d+,127\.0\.0\.1:\d+\/postgres\?target_session_attrs=read-write$/);
    expect(JSON.stringify(tcp)).not.toContain(tcp.password!);
    expect(() => tcp.uri({ targetSessionAttrs: 'master' as TargetSessionAttrs })).toThrow(/Expected `targetSessionAttrs` to be one of any, read-write/);
  });

  it('topologyConnectionInfo.clientConfig skips a server that is down and says which fit none', async () => {
    const down = ConnectionInfo.from({ ...primary.connectionInfo.toParameters({ includePassword: true }), host: '127.0.0.1', port: 1 });
    const topology = topologyConnectionInfo([down, primary.connectionInfo]);
    expect((await topology.clientConfig()).host).toBe(primary.connectionInfo.host);
    const error = await rejection(topologyConnectionInfo([down, primary.connectionInfo]).clientConfig({ targetSessionAttrs: 'standby' }));
    expect(error).toMatchObject({ name: 'ReplicationError', code: 'NO_MATCHING_SERVER' });
    expect(error.message).toContain('127.0.0.1:1 unreachable');
  });

  it('promote: refuses a primary; a promoted standby accepts writes', async () => {
    expect(await rejection(promote(primary))).toMatchObject({ code: 'NOT_A_STANDBY' });
    expect(await rejection(waitForReplay(primary))).toMatchObject({ code: 'NOT_A_STANDBY' });
    const result = await promote(b, { timeout: 30_000 });
    expect(result.timeline).toBe(2);
    await query(b, "INSERT INTO t VALUES (1000, 'written on the promoted b')");
    expect(await serverState(b)).toBe('standalone');
  });
});
