// switchover() both ways on PostgreSQL 15, with a writer committing rows while it happens: no
// acknowledged row is lost, the old primary follows as a standby (no rewind), the synchronous
// standby's name moves with the roles; refused when the standby does not stream from the primary.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../../../src/cluster/index.js';
import { FileCredentialsStore } from '../../../src/provision/index.js';
import { createStandby, replicationStatus, STANDBY_PASSFILE, switchover, waitForReplay } from '../../../src/replication/index.js';
import { rejection } from '../cluster/fixtures.js';
import { isRoot, standbyRoot, systemInstallation } from './fixtures.js';
import { readReplicationCredentials } from '../../../src/replication/join-as-standby.js';
import { ids, query, startPrimary, writeRows } from './topology.js';

const space = standbyRoot();
let a: Cluster;
let b: Cluster;

beforeAll(async () => {
  a = await startPrimary(space, await systemInstallation());
  b = space.track(await createStandby(a, space.path('b'), { name: 'b', slot: true, synchronous: true, restartPrimary: true, credentials: space.store }));
});
afterAll(async () => space.cleanup());

/** Writes rows on `primary` until the switchover stops it; resolves to the acknowledged ids. */
async function switchWhileWriting(primary: Cluster, standby: Cluster, from: number) {
  let started!: () => void;
  const writing = new Promise<void>((resolve) => (started = resolve));
  const writer = writeRows(primary, from, 1_000_000, (n) => n === 50 && started());
  await writing;
  const result = await switchover(primary, standby, { timeout: 30_000, credentials: space.store });
  return { result, acknowledged: await writer };
}

describe('switchover on PostgreSQL 15', () => {
  it('refuses a standby that does not stream from the primary (WRONG_ROLE)', async () => {
    expect(await rejection(switchover(b, a, { credentials: space.store }))).toMatchObject({ name: 'FailoverError', code: 'WRONG_ROLE' });
    expect(await query(a, 'SELECT pg_is_in_recovery() AS r')).toEqual([{ r: false }]);
  });

  it.skipIf(!isRoot)('as root, a passfile the standby names that is not its server user\'s is not read (root only: the check is about root reading for that user)', async () => {
    // A SQL superuser can point primary_conninfo's passfile at any file, one of root's here: its
    // line must not become the old primary's replication password (written where that user reads it).
    const folder = mkdtempSync('/tmp/pgct-rootpass-');
    const planted = join(folder, 'pgpass');
    writeFileSync(planted, '*:*:*:replicator:root-secret\n', { mode: 0o600 });
    const session = { query: async () => ({ rows: [{ conninfo: `host=127.0.0.1 user=replicator passfile=${planted}`, id: '1' }] }) } as unknown as pg.Client;
    try {
      const empty = new FileCredentialsStore(join(folder, 'state', 'credentials.json'));
      expect(await rejection(readReplicationCredentials(b, session, { replicationUser: 'replicator', credentials: empty }))).toMatchObject({ name: 'FailoverError', code: 'WRONG_ROLE' });
      // The server user's own passfile is read.
      const own = join(b.dataDirectory, STANDBY_PASSFILE);
      const mine = { query: async () => ({ rows: [{ conninfo: `host=127.0.0.1 user=replicator passfile=${own}`, id: '1' }] }) } as unknown as pg.Client;
      expect(await readReplicationCredentials(b, mine, { replicationUser: 'replicator', credentials: empty })).toMatchObject({ user: 'replicator', password: expect.not.stringMatching('root-secret') });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('a → b while a writer commits: nothing acknowledged is lost, a follows b, the synchronous name moves to a', async () => {
    const { result, acknowledged } = await switchWhileWriting(a, b, 1);
    expect(acknowledged.length).toBeGreaterThanOrEqual(50);
    expect(result).toMatchObject({ primary: b, standby: a, checkpoint: { state: 'shut down', source: 'pg_controldata' } });
    const present = await ids(b);
    expect(acknowledged.filter((id) => !present.has(id))).toEqual([]);
    expect(await query(b, 'SELECT pg_is_in_recovery() AS r')).toEqual([{ r: false }]);
    expect(await query(b, 'SHOW synchronous_standby_names')).toEqual([{ synchronous_standby_names: 'ANY 1 ("a")' }]);
    expect((await replicationStatus(b)).map((s) => [s.name, s.state, s.sync])).toEqual([['a', 'streaming', 'quorum']]);
    // a is a hot standby on b's timeline with every row.
    await query(b, 'INSERT INTO t VALUES (0)');
    await waitForReplay(a, 'current', { timeout: 20_000 });
    expect((await ids(a)).size).toBe(present.size + 1);
    expect(await query(a, 'SELECT received_tli FROM pg_stat_wal_receiver')).toEqual([{ received_tli: 2 }]);
  });

  it('and back, b → a: nothing lost, b follows a under its own name again', async () => {
    const before = await ids(b);
    const { result, acknowledged } = await switchWhileWriting(b, a, 2_000_000);
    expect(result).toMatchObject({ primary: a, standby: b });
    const present = await ids(a);
    expect([...before, ...acknowledged].filter((id) => !present.has(id))).toEqual([]);
    expect(await query(a, 'SHOW synchronous_standby_names')).toEqual([{ synchronous_standby_names: 'ANY 1 ("b")' }]);
    expect((await replicationStatus(a)).map((s) => [s.name, s.state, s.slot])).toEqual([['b', 'streaming', 'b']]);
    expect(await query(b, 'SELECT received_tli FROM pg_stat_wal_receiver')).toEqual([{ received_tli: 3 }]);
  });
});
