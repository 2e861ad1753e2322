import pg from 'pg';
import { Cluster } from '../cluster/cluster.js';
import { expected } from '../errors.js';
import { ConnectionInfo, type ConnectionParameters } from '../throwaway/connection-info.js';
import type { TopologyEvent, WatchedNode, TopologyState } from './topology-event.js';

export interface WatchTopologyOptions {
  /** Milliseconds between the end of one poll and the start of the next. Default 1,000. */
  interval?: number;
  /** Stops watching when aborted (as the returned function does). */
  signal?: AbortSignal;
}

/** Ends the watch: no event is reported after it is called; resolves once its sessions are closed. */
export type StopWatching = () => Promise<void>;

const OPTION_NAMES = new Set(['interval', 'signal']);
/** The application_name of its sessions (in pg_stat_activity). */
const APPLICATION_NAME = 'pg-cluster watchTopology';

/**
 * Polls every node (`pg_is_in_recovery()` and `pg_stat_replication`, base backups not counted; one
 * session each, reopened after a failure) and calls `onEvent` with each change (see
 * {@link TopologyEvent}): a node's state (`standalone`, `master`, `hot standby`, `down`), which
 * node is the master (the one not in recovery; of several, the first with standbys streaming
 * from it, else the first), and the set of hot standbys. The first poll starts at once; the next
 * `interval` ms after one ends, on an unref'd timer (it never keeps Node running). An exception
 * in `onEvent` is swallowed. Returns the function that stops it; so does `signal`.
 */
export function watchTopology(nodes: readonly WatchedNode[], onEvent: (event: TopologyEvent) => void, options: WatchTopologyOptions = {}): StopWatching {
  if (!Array.isArray(nodes) || nodes.length === 0 || nodes.some((node) => node === null || typeof node !== 'object')) throw expected('nodes', 'a non-empty array of Clusters or ConnectionInfos', nodes);
  if (typeof onEvent !== 'function') throw expected('onEvent', 'a function', onEvent);
  if (options === null || typeof options !== 'object') throw expected('options', 'an object', options);
  for (const key of Object.keys(options)) if (!OPTION_NAMES.has(key)) throw expected(key, `one of the options ${[...OPTION_NAMES].join(', ')}`, key);
  const { interval = 1_000, signal } = options;
  if (!(typeof interval === 'number' && Number.isFinite(interval) && interval >= 0)) throw expected('interval', 'a non-negative number', interval);

  const sessions: Array<pg.Client | null> = nodes.map(() => null);
  const states: Array<TopologyState | null> = nodes.map(() => null);
  let master: WatchedNode | null = null;
  let standbys: WatchedNode[] = [];
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let polling: Promise<void> | null = null;

  const emit = (event: TopologyEvent) => {
    if (stopped) return;
    try {
      const result = onEvent(event) as unknown;
      if (result instanceof Promise) result.catch(() => undefined);
    } catch {
      // A failing callback must not end the watch.
    }
  };

  const readNode = async (index: number): Promise<{ state: TopologyState; standbys: number; reason?: string }> => {
    try {
      let client = sessions[index];
      if (client === null || client === undefined) {
        client = await openSession(nodes[index]!, Math.max(1_000, interval * 2));
        if (stopped) {
          await client.end().catch(() => undefined);
          return { state: 'down', standbys: 0, reason: 'stopped' };
        }
        sessions[index] = client;
      }
      const { rows } = await client.query<{ recovery: boolean; standbys: number }>({
        text: "SELECT pg_is_in_recovery() AS recovery, (SELECT count(*)::int FROM pg_stat_replication WHERE state IS DISTINCT FROM 'backup') AS standbys",
        query_timeout: Math.max(1_000, interval * 2),
      } as pg.QueryConfig);
      const row = rows[0]!;
      return { state: row.recovery ? 'hot standby' : row.standbys > 0 ? 'master' : 'standalone', standbys: row.standbys };
    } catch (error) {
      const client = sessions[index];
      sessions[index] = null;
      await client?.end().catch(() => undefined);
      return { state: 'down', standbys: 0, reason: (error as Error).message };
    }
  };

  const poll = async () => {
    const seen = await Promise.all(nodes.map((_, index) => readNode(index)));
    if (stopped) return;
    seen.forEach((now, index) => {
      if (states[index] === now.state) return;
      const previous = states[index]!;
      states[index] = now.state;
      emit({ type: 'state_changed', node: nodes[index]!, index, previous: previous ?? null, state: now.state, ...(now.reason !== undefined ? { reason: now.reason } : {}) });
    });
    const writable = seen.map((now, index) => ({ now, index })).filter(({ now }) => now.state === 'master' || now.state === 'standalone');
    const chosen = writable.find(({ now }) => now.standbys > 0) ?? writable[0];
    const nextMaster = chosen === undefined ? null : nodes[chosen.index]!;
    if (nextMaster !== master) {
      const previous = master;
      master = nextMaster;
      emit({ type: 'master_changed', master: nextMaster, previous });
    }
    const nextStandbys = nodes.filter((_, index) => seen[index]!.state === 'hot standby');
    if (nextStandbys.length !== standbys.length || nextStandbys.some((node, index) => node !== standbys[index])) {
      const previous = standbys;
      standbys = nextStandbys;
      emit({ type: 'standby_changed', standbys: nextStandbys, previous });
    }
  };

  const schedule = (delay: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = null;
      polling = poll().finally(() => {
        polling = null;
        schedule(interval);
      });
    }, delay);
    timer.unref();
  };

  const stop: StopWatching = async () => {
    if (!stopped) {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      signal?.removeEventListener('abort', onAbort);
    }
    await polling?.catch(() => undefined);
    await Promise.all(sessions.map(async (client, index) => {
      sessions[index] = null;
      await client?.end().catch(() => undefined);
    }));
  };
  const onAbort = () => void stop();
  if (signal?.aborted) {
    stopped = true;
    return stop;
  }
  signal?.addEventListener('abort', onAbort, { once: true });
  schedule(0);
  return stop;
}

/** A session on `node` (a Cluster's superuser, or the credentials given), closed by the caller. */
async function openSession(node: WatchedNode, timeout: number): Promise<pg.Client> {
  const config = node instanceof Cluster ? await node.connection({ application_name: APPLICATION_NAME }) : { ...ConnectionInfo.from(node as ConnectionParameters).clientConfig(), application_name: APPLICATION_NAME };
  const client = new pg.Client({ connectionTimeoutMillis: timeout, ...config });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return client;
}
