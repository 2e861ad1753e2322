// rejoin() on PostgreSQL 15: a primary that went on writing after its standby was promoted
// (failover with `force`: the split brain pg_rewind exists for), then killed, comes back by
// pg_rewind and streams from the new primary with exactly its rows; without pg_rewind, by a fresh
// base backup into the same data directory.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../../../src/cluster/index.js';
import { createStandby, failover, rejoin, replicationStatus, waitForReplay } from '../../../src/replication/index.js';
import { rejection } from '../cluster/fixtures.js';
import { standbyRoot, systemInstallation } from './fixtures.js';
import { ids, killPostmaster, query, startPrimary } from './topology.js';

const space = standbyRoot();
let a: Cluster;
let b: Cluster;
let a2: Cluster;

beforeAll(async () => {
  a = await startPrimary(space, await systemInstallation());
  b = space.track(await createStandby(a, space.path('b'), { name: 'b', slot: true, restartPrimary: true, credentials: space.store }));
  await query(a, 'INSERT INTO t SELECT generate_series(1, 100)');
  await waitForReplay(b, 'current', { timeout: 20_000 });
});
afterAll(async () => space.cleanup());

describe('rejoin on PostgreSQL 15', () => {
  it('pg_rewind: the old primary, diverged and killed, streams from the new one with exactly its rows', async () => {
    const promoted = await failover([b], { force: true, timeout: 30_000 });
    expect(promoted).toBe(b);
    // Both write now: a's rows 1000… exist only on a's old timeline.
    await query(a, 'INSERT INTO t SELECT generate_series(1000, 1099)');
    await query(b, 'INSERT INTO t SELECT generate_series(101, 150)');
    await killPostmaster(a);

    const result = await rejoin(a, b, { name: 'a', credentials: space.store, timeout: 60_000 });
    expect(result).toMatchObject({ method: 'pg_rewind', standby: a, reason: null });
    expect((await replicationStatus(b)).map((s) => [s.name, s.state, s.slot])).toEqual([['a', 'streaming', 'a']]);
    await query(b, 'INSERT INTO t VALUES (151)');
    await waitForReplay(a, 'current', { timeout: 20_000 });
    const rows = await ids(a);
    expect(rows.size).toBe(151);
    expect(rows.has(1000)).toBe(false);
    expect(await query(a, 'SELECT pg_is_in_recovery() AS r')).toEqual([{ r: true }]);
  });

  it('without pg_rewind (rewindProgram: null): a fresh base backup into the same data directory, on its own port', async () => {
    const port = (await a.connectionOptions()).port;
    const result = await rejoin(a, b, { name: 'a', rewindProgram: null, credentials: space.store, timeout: 60_000 });
    a2 = space.track(result.standby);
    expect(result).toMatchObject({ method: 'base-backup', reason: expect.stringContaining('rewindProgram: null') });
    expect(result.standby.dataDirectory).toBe(a.dataDirectory);
    expect((await result.standby.connectionOptions()).port).toBe(port);
    await query(b, 'INSERT INTO t VALUES (152)');
    await waitForReplay(result.standby, 'current', { timeout: 20_000 });
    expect((await ids(result.standby)).size).toBe(152);
  });

  it('refuses a new primary that is in recovery (WRONG_ROLE)', async () => {
    expect(await rejection(rejoin(b, a, { credentials: space.store }))).toMatchObject({ name: 'FailoverError', code: 'WRONG_ROLE' });
    expect(await query(b, 'SELECT pg_is_in_recovery() AS r')).toEqual([{ r: false }]);
  });

  it('pg_rewind right after a failover, the killed primary with no writes of its own: rewound onto the new timeline', async () => {
    await query(b, 'INSERT INTO t VALUES (153)');
    await waitForReplay(a2, 'current', { timeout: 20_000 });
    await killPostmaster(b);
    expect(await failover([a2], { timeout: 30_000 })).toBe(a2);
    // At once: a2's pg_control still names the old timeline until a checkpoint.
    const result = await rejoin(b, a2, { name: 'b', credentials: space.store, timeout: 60_000 });
    expect(result).toMatchObject({ method: 'pg_rewind', standby: b, reason: null });
    await query(a2, 'INSERT INTO t VALUES (154)');
    await waitForReplay(b, 'current', { timeout: 20_000 });
    expect((await ids(b)).size).toBe(154);
    expect(await query(b, 'SELECT status, received_tli FROM pg_stat_wal_receiver')).toEqual([{ status: 'streaming', received_tli: 3 }]);
  });
});
