// failover() on PostgreSQL 15 after the primary's postmaster is killed with SIGKILL: refused while
// the old primary answers; the most advanced standby wins (the other's replay paused: ties on the
// received WAL are broken by replay), the slots and synchronous_standby_names follow, the paused
// follower is not waited for and follows the new timeline once resumed; and with a synchronous
// standby a 1,000-row write loop killed mid-way loses no acknowledged row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../../../src/cluster/index.js';
import { createStandby, failover, FailoverError, waitForReplay } from '../../../src/replication/index.js';
import { rejection } from '../cluster/fixtures.js';
import { standbyRoot, systemInstallation } from './fixtures.js';
import { ids, killPostmaster, query, startPrimary, until, writeRows } from './topology.js';

const space = standbyRoot();
let a: Cluster;
let b: Cluster;
let c: Cluster;

beforeAll(async () => {
  const installation = await systemInstallation();
  a = await startPrimary(space, installation);
  // b first, synchronous: c's base backup then carries the primary's synchronous_standby_names.
  b = space.track(await createStandby(a, space.path('b'), { name: 'b', slot: true, synchronous: true, restartPrimary: true, credentials: space.store }));
  c = space.track(await createStandby(a, space.path('c'), { name: 'c', slot: true, credentials: space.store }));
});
afterAll(async () => space.cleanup());

async function receiveLsn(cluster: Cluster): Promise<string> {
  return (await query<{ lsn: string }>(cluster, 'SELECT pg_last_wal_receive_lsn()::text AS lsn'))[0]!.lsn;
}

describe('failover on PostgreSQL 15', () => {
  it('refuses while the old primary answers (PRIMARY_ALIVE), and changes nothing', async () => {
    const error = await rejection(failover([b, c], { timeout: 10_000 }));
    expect(error).toBeInstanceOf(FailoverError);
    expect(error).toMatchObject({ code: 'PRIMARY_ALIVE', message: expect.stringContaining('force') });
    for (const standby of [b, c]) expect(await query(standby, 'SELECT pg_is_in_recovery() AS r')).toEqual([{ r: true }]);
  });

  it('after SIGKILL of the postmaster: promotes the most advanced standby, re-points the paused one without waiting for it', async () => {
    await query(c, 'SELECT pg_wal_replay_pause()');
    await query(a, 'INSERT INTO t SELECT generate_series(1, 200)');
    const lsn = (await query<{ lsn: string }>(a, 'SELECT pg_current_wal_flush_lsn()::text AS lsn'))[0]!.lsn;
    await waitForReplay(b, lsn, { timeout: 20_000 });
    // c receives all of it too (its replay is paused, not its WAL receiver): a tie on the received WAL.
    await until(async () => (await receiveLsn(c)) === (await receiveLsn(b)), 20_000, 'c to receive what b has');
    const killed = await killPostmaster(a);

    // The list order does not decide: c first.
    const promoted = await failover([c, b], { timeout: 30_000 });
    expect(promoted).toBe(b);
    expect(await query(b, 'SELECT pg_is_in_recovery() AS r, count(*)::int AS n FROM t')).toEqual([{ r: false, n: 200 }]);
    // c's slot was made on b; b waits for no synchronous standby (its only follower is paused).
    expect(await query(b, "SELECT slot_name FROM pg_replication_slots WHERE slot_name = 'c'")).toEqual([{ slot_name: 'c' }]);
    expect(await query(b, 'SHOW synchronous_standby_names')).toEqual([{ synchronous_standby_names: '' }]);
    // Not waited for: still paused, still without a WAL receiver on the new primary.
    expect(await query(c, 'SELECT pg_is_wal_replay_paused() AS paused')).toEqual([{ paused: true }]);
    expect(await query(c, 'SHOW primary_conninfo')).toEqual([{ primary_conninfo: expect.stringContaining(`port=${(await b.connectionOptions()).port}`) }]);

    // Writable at once; once resumed, c follows the new timeline.
    await query(b, 'INSERT INTO t SELECT generate_series(201, 300)');
    await query(c, 'SELECT pg_wal_replay_resume()');
    await waitForReplay(c, 'current', { timeout: 20_000 });
    expect(await query(c, 'SELECT count(*)::int AS n FROM t')).toEqual([{ n: 300 }]);
    expect(await query(c, 'SELECT status, received_tli FROM pg_stat_wal_receiver')).toEqual([{ status: 'streaming', received_tli: 2 }]);
    expect(await query(b, "SELECT application_name, state FROM pg_stat_replication")).toEqual([{ application_name: 'c', state: 'streaming' }]);

    // The killed postmaster's children are ended by the crash cleanup.
    const stopped = await a.stop();
    expect(stopped).toMatchObject({ pid: killed, crashed: true, remains: { processes: [], sharedMemory: [] } });
    expect(await a.running()).toBe(false);
  });

  it('with a synchronous standby, a 1,000-row write loop killed mid-way loses no acknowledged row', async () => {
    // b (now the primary) gets c as its synchronous standby.
    await query(b, `ALTER SYSTEM SET synchronous_standby_names = 'ANY 1 ("c")'`);
    await query(b, 'SELECT pg_reload_conf()');
    await until(async () => (await query(b, "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'c'"))[0]?.sync_state === 'quorum', 20_000, 'c to be synchronous');
    // c's own copy of the list names the primary it would lose (as a base backup's copy can).
    await query(c, `ALTER SYSTEM SET synchronous_standby_names = 'ANY 1 ("b", "c")'`);
    await query(c, 'SELECT pg_reload_conf()');
    let killing: Promise<number> | null = null;
    const acknowledged = await writeRows(b, 1_000, 1_000, (n) => {
      if (n === 400) killing = killPostmaster(b);
    });
    await killing;
    expect(acknowledged.length).toBeGreaterThanOrEqual(400);
    expect(acknowledged.length).toBeLessThan(1_000);

    const promoted = await failover([c], { timeout: 30_000 });
    expect(promoted).toBe(c);
    const present = await ids(c);
    expect(acknowledged.filter((id) => !present.has(id))).toEqual([]);
    // Recomputed on promotion: no follower is left, so c waits for none (a commit would hang on "b").
    expect(await query(c, 'SHOW synchronous_standby_names')).toEqual([{ synchronous_standby_names: '' }]);
    await query(c, 'INSERT INTO t VALUES (5000)');
    expect((await b.stop()).remains).toEqual({ processes: [], sharedMemory: [] });
  });
});
