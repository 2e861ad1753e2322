// The same core on npm server binaries (no pg_basebackup): the standbys come from the low-level
// backup API and a copy on this host: pg_backup_start/pg_backup_stop on 17, the non-exclusive
// pg_start_backup/pg_stop_backup on 13. Also what it refuses: a standby across hosts.
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../../../src/cluster/index.js';
import { resolveRunAs } from '../../../src/control/index.js';
import { serverState } from '../../../src/provision/index.js';
import { createStandby, replicationStatus, STANDBY_PASSFILE, waitForReplay, type ReplicationEvent } from '../../../src/replication/index.js';
import { createTemporaryCluster, type TemporaryCluster } from '../../../src/throwaway/index.js';
import { rejection } from '../cluster/fixtures.js';
import { npmInstallation, standbyRoot } from './fixtures.js';

describe.each([17, 13] as const)('createStandby on PostgreSQL %i (npm binaries: the low-level backup API)', (major) => {
  let primary: TemporaryCluster;
  const space = standbyRoot();

  beforeAll(async () => {
    primary = await createTemporaryCluster({ installation: await npmInstallation(major) });
    const client = await primary.connect();
    await client.query('CREATE TABLE t (id int PRIMARY KEY, v text)');
    await client.end();
  });
  afterAll(async () => {
    await space.cleanup();
    await primary?.dispose();
  });

  it('refuses a standby on another host, which needs pg_basebackup, naming it', async () => {
    const error = await rejection(createStandby(primary, space.path('remote'), { host: 'db.example.net', restartPrimary: true, credentials: space.store }));
    expect(error).toMatchObject({ name: 'ReplicationError', code: 'PROGRAM_MISSING' });
    expect(error.message).toContain('pg_basebackup');
    expect(existsSync(space.path('remote'))).toBe(false);
  });

  it('two standbys (one synchronous with a slot it names) stream, replay the primary’s rows and refuse writes with 25006', async () => {
    const events: ReplicationEvent[] = [];
    const b = space.track(await createStandby(primary, space.path('b'), { restartPrimary: true, credentials: space.store, log: (e) => events.push(e) }));
    const c = space.track(await createStandby(primary, space.path('c'), { slot: 'slot_of_c', synchronous: true, credentials: space.store, log: (e) => events.push(e) }));
    expect(events.filter((e) => e.type === 'base-backup').map((e) => (e as { method: string }).method)).toEqual(['copy', 'copy']);
    // The standby started from the backup_label pg_backup_stop gave (the server renames it once read).
    expect(readFileSync(join(b.dataDirectory, 'backup_label.old'), 'utf8')).toContain('LABEL: pg-cluster standby b');
    expect(readFileSync(join(b.dataDirectory, 'postgresql.auto.conf'), 'utf8')).toContain("primary_conninfo = 'host=");
    const status = await replicationStatus(primary);
    expect(status.map((s) => [s.name, s.state, s.sync, s.slot])).toEqual([
      ['b', 'streaming', 'async', null],
      ['c', 'streaming', 'quorum', 'slot_of_c'],
    ]);
    // The temporary slot that held the WAL for b's copy is gone with the backup session.
    expect(await query(primary, 'SELECT slot_name FROM pg_replication_slots ORDER BY 1')).toEqual([{ slot_name: 'slot_of_c' }]);
    expect(await serverState(primary)).toBe('master');
    await query(primary, "INSERT INTO t SELECT g, 'row ' || g FROM generate_series(1, 300) g");
    for (const standby of [b, c]) {
      await waitForReplay(standby, 'current', { timeout: 20_000 });
      expect(await query(standby, 'SELECT count(*)::int AS n FROM t')).toEqual([{ n: 300 }]);
      expect((await rejection(query(standby, "INSERT INTO t VALUES (0, 'no')"))).code).toBe('25006');
      expect(await serverState(standby)).toBe('hot standby');
    }
    const user = await resolveRunAs();
    const stats = lstatSync(join(c.dataDirectory, STANDBY_PASSFILE));
    expect(stats.mode & 0o777).toBe(0o600);
    expect(stats.uid).toBe(user?.uid ?? process.getuid!());
  });
});

describe('a throwaway primary with wal_level = minimal and max_wal_senders = 0 (PostgreSQL 17)', () => {
  const space = standbyRoot();
  afterAll(async () => space.cleanup());

  it('is refused without restartPrimary, and with it restarted with what replication needs', async () => {
    await using primary = await createTemporaryCluster({ installation: await npmInstallation(17), settings: { wal_level: 'minimal', max_wal_senders: 0 } });
    const error = await rejection(createStandby(primary, space.path('b'), { credentials: space.store }));
    expect(error).toMatchObject({ code: 'PRIMARY_RESTART_REQUIRED', settings: { wal_level: 'replica', max_wal_senders: '10' } });
    expect(error.message).toContain('set on its command line');
    const standby = space.track(await createStandby(primary, space.path('b'), { restartPrimary: true, credentials: space.store }));
    expect(await query(primary, "SELECT name, setting FROM pg_settings WHERE name IN ('wal_level', 'max_wal_senders', 'fsync') ORDER BY name")).toEqual([
      { name: 'fsync', setting: 'off' },
      { name: 'max_wal_senders', setting: '10' },
      { name: 'wal_level', setting: 'replica' },
    ]);
    expect(await serverState(standby)).toBe('hot standby');
    // A standby that cannot reach the primary (no TCP there) times out with what its server said, and is removed.
    const unreachable = await rejection(createStandby(primary, space.path('x'), { host: '127.0.0.1', timeout: 10_000, credentials: space.store }));
    expect(unreachable).toMatchObject({ name: 'ReplicationError', code: 'TIMEOUT' });
    expect(unreachable.message, unreachable.message).toMatch(/server log:\n[^]*could not connect to the primary server/);
    expect(existsSync(space.path('x'))).toBe(false);
    expect(existsSync(`${space.path('x')}.log`)).toBe(false);
    await space.cleanup();
  });
});

async function query(cluster: Cluster, sql: string): Promise<any[]> {
  const client = await cluster.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}
