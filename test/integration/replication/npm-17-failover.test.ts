// failover, switchover and rejoin on the npm-published PostgreSQL 17 binaries, which have no
// pg_basebackup, pg_controldata or pg_rewind: standbys by the low-level backup API and a copy,
// the shutdown checkpoint read from global/pg_control, and rejoin by a fresh base backup.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../../../src/cluster/index.js';
import { createStandby, failover, rejoin, replicationStatus, switchover, waitForReplay } from '../../../src/replication/index.js';
import { npmInstallation, standbyRoot } from './fixtures.js';
import { ids, killPostmaster, query, startPrimary, writeRows } from './topology.js';

const space = standbyRoot();
let a: Cluster;
let b: Cluster;
let c: Cluster;

beforeAll(async () => {
  const installation = await npmInstallation(17);
  a = await startPrimary(space, installation);
  b = space.track(await createStandby(a, space.path('b'), { name: 'b', slot: true, restartPrimary: true, credentials: space.store }));
  c = space.track(await createStandby(a, space.path('c'), { name: 'c', slot: true, credentials: space.store }));
});
afterAll(async () => space.cleanup());

describe('replication changes on npm PostgreSQL 17 (no pg_basebackup, pg_controldata, pg_rewind)', () => {
  it('switchover a → b reads the shutdown checkpoint from global/pg_control and loses nothing', async () => {
    const acknowledged = await writeRows(a, 1, 300);
    const result = await switchover(a, b, { credentials: space.store, timeout: 30_000 });
    expect(result.checkpoint).toMatchObject({ source: 'pg_control', state: 'shut down', lsn: expect.stringMatching(/\//) });
    const present = await ids(b);
    expect(acknowledged.filter((id) => !present.has(id))).toEqual([]);
    expect((await replicationStatus(b)).map((s) => [s.name, s.state])).toEqual([['a', 'streaming']]);
  });

  it('failover after SIGKILL of b: c (which cascaded through a) or a wins, the other follows; then rejoin by base backup', async () => {
    // c still streams from a, which cascades from b's WAL: both are candidates once b dies.
    await query(b, 'INSERT INTO t SELECT generate_series(1000, 1099)');
    for (const standby of [a, c]) await waitForReplay(standby, 'current', { timeout: 20_000 });
    await killPostmaster(b);
    const promoted = await failover([a, c], { timeout: 30_000 });
    const follower = promoted === a ? c : a;
    await query(promoted, 'INSERT INTO t VALUES (2000)');
    await waitForReplay(follower, 'current', { timeout: 20_000 });
    expect((await ids(follower)).size).toBe(401);

    const result = await rejoin(b, promoted, { name: 'b', credentials: space.store, timeout: 60_000 });
    space.track(result.standby);
    expect(result).toMatchObject({ method: 'base-backup', reason: 'no pg_rewind for PostgreSQL 17 on this machine' });
    await query(promoted, 'INSERT INTO t VALUES (2001)');
    await waitForReplay(result.standby, 'current', { timeout: 20_000 });
    expect((await ids(result.standby)).size).toBe(402);
  });
});
