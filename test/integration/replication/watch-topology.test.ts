// watchTopology() on a primary and a standby (PostgreSQL 15): the initial topology, the primary's
// death and the failover, reported as state_changed / master_changed / standby_changed events in
// order; nothing after stop(), its sessions closed; an AbortSignal stops it too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../../../src/cluster/index.js';
import { ConnectionInfo } from '../../../src/throwaway/index.js';
import { createStandby, failover, watchTopology, type TopologyEvent } from '../../../src/replication/index.js';
import { standbyRoot, systemInstallation } from './fixtures.js';
import { killPostmaster, query, startPrimary, until } from './topology.js';

const space = standbyRoot();
let a: Cluster;
let b: Cluster;

beforeAll(async () => {
  a = await startPrimary(space, await systemInstallation());
  b = space.track(await createStandby(a, space.path('b'), { name: 'b', restartPrimary: true, credentials: space.store }));
});
afterAll(async () => space.cleanup());

/** Events as comparable lines: `state_changed b: null → hot standby`, `master_changed a → b`, `standby_changed [b]`. */
function describeEvent(event: TopologyEvent, names: Map<unknown, string>): string {
  const name = (node: unknown) => (node === null ? 'none' : (names.get(node) ?? '?'));
  switch (event.type) {
    case 'state_changed':
      return `state_changed ${name(event.node)}: ${event.previous} → ${event.state}`;
    case 'master_changed':
      return `master_changed ${name(event.previous)} → ${name(event.master)}`;
    case 'standby_changed':
      return `standby_changed [${event.standbys.map(name).join(', ')}]`;
  }
}

describe('watchTopology', () => {
  it('reports the initial topology, the primary going down and the promotion, each change once and in order', async () => {
    const names = new Map<unknown, string>([[a, 'a'], [b, 'b']]);
    const seen: string[] = [];
    const stop = watchTopology([a, b], (event) => seen.push(describeEvent(event, names)), { interval: 20 });
    try {
      await until(() => seen.length >= 4, 10_000, 'the initial events');
      expect(seen).toEqual(['state_changed a: null → master', 'state_changed b: null → hot standby', 'master_changed none → a', 'standby_changed [b]']);
      expect(await query(b, "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'pg-cluster watchTopology'")).toEqual([{ n: 1 }]);

      await killPostmaster(a);
      await until(() => seen.length >= 6, 10_000, 'a to be seen down');
      expect(seen.slice(4)).toEqual(['state_changed a: master → down', 'master_changed a → none']);

      await failover([b], { timeout: 30_000 });
      await until(() => seen.length >= 9, 10_000, 'the promotion');
      expect(seen.slice(6)).toEqual(['state_changed b: hot standby → standalone', 'master_changed none → b', 'standby_changed []']);
    } finally {
      await stop();
    }
    // Nothing after stop(), and its session on b is closed.
    const count = seen.length;
    await query(b, 'SELECT 1');
    expect(await query(b, "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'pg-cluster watchTopology'")).toEqual([{ n: 0 }]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen.length).toBe(count);
    await a.stop();
  });

  it('takes a ConnectionInfo too, and stops on an AbortSignal', async () => {
    const info = new ConnectionInfo({ ...(await b.connectionOptions()), database: 'postgres' });
    const controller = new AbortController();
    const seen: TopologyEvent[] = [];
    watchTopology([info], (event) => seen.push(event), { interval: 20, signal: controller.signal });
    await until(() => seen.length >= 2, 10_000, 'the first events');
    expect(seen).toEqual([
      { type: 'state_changed', node: info, index: 0, previous: null, state: 'standalone' },
      { type: 'master_changed', master: info, previous: null },
    ]);
    controller.abort();
    await until(async () => (await query(b, "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'pg-cluster watchTopology'"))[0].n === 0, 5_000, 'the session to close');
  });

  it('validates its arguments', () => {
    expect(() => watchTopology([], () => undefined)).toThrow('Expected `nodes` to be a non-empty array');
    expect(() => watchTopology([b], 'no' as never)).toThrow('Expected `onEvent` to be a function');
    expect(() => watchTopology([b], () => undefined, { interval: -1 })).toThrow('Expected `interval` to be a non-negative number, got `-1`');
    expect(() => watchTopology([b], () => undefined, { every: 1 } as never)).toThrow('Expected `every` to be one of the options');
  });
});
