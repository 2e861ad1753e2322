import type pg from 'pg';
import { Cluster } from '../cluster/cluster.js';
import { expected } from '../errors.js';
import { quoteLiteral } from '../throwaway/sql-quote.js';
import { FailoverError } from './failover-error.js';
import { followPrimary, readPrimaryAddress, waitForStreaming, type PrimaryAddress } from './follow-primary.js';
import { ensureSlot } from './replication-slot.js';
import { compareLsn } from './lsn.js';
import { promote } from './promote.js';
import { serverAnswers } from './server-answers.js';
import { readStandbyPosition, type StandbyPosition } from './standby-position.js';
import { formatSynchronousStandbyNames, parseSynchronousStandbyNames, type SynchronousStandbys } from './synchronous-standby-names.js';

export interface FailoverOptions {
  /** Milliseconds for the whole failover: promotion, re-pointing, the followers streaming again. Default 30,000. */
  timeout?: number;
  /** Promote even though the old primary still answers at its address (you have fenced it). Default false. */
  force?: boolean;
  signal?: AbortSignal;
}

const DEFAULT_TIMEOUT = 30_000;

/**
 * The primary is gone: promotes the most advanced of `standbys` and points the others at it.
 * The winner has the highest `pg_last_wal_receive_lsn()` (WAL received and flushed), ties broken
 * by the higher `pg_last_wal_replay_lsn()`, then by being named in `synchronous_standby_names`,
 * then by the order given. Before promotion the winner gets the physical slots the followers use
 * (`primary_slot_name`) and a `synchronous_standby_names` recomputed from the followers: the old
 * list's form (`FIRST n`/`ANY n`) with only the followers it named that will stream from it now
 * (not the winner, not a follower whose replay is paused), '' when none, so the new primary never
 * waits for a standby that is not there. Each follower then gets the winner's address in its
 * `primary_conninfo` (reloaded; `recovery_target_timeline = 'latest'` follows the new timeline)
 * and is waited for until it streams, except one whose replay is paused: it reconnects when
 * resumed (`pg_wal_replay_resume()`). Resolves to the promoted Cluster once it accepts writes.
 *
 * The old primary is found from the standbys' `primary_conninfo`; while a server answers there,
 * FailoverError `PRIMARY_ALIVE` (nothing changed) unless `force`. Standbys that do not run are
 * left out; none usable: `NO_CANDIDATE`. Run again after a failure: a standby already promoted
 * (the only one not in recovery) is taken as the winner and the rest are re-pointed.
 */
export async function failover(standbys: readonly Cluster[], options: FailoverOptions = {}): Promise<Cluster> {
  if (!Array.isArray(standbys) || standbys.length === 0 || standbys.some((item) => !(item instanceof Cluster))) {
    throw expected('standbys', 'a non-empty array of Clusters', Array.isArray(standbys) ? standbys.map((item) => (item instanceof Cluster ? item.dataDirectory : item)) : standbys);
  }
  if (new Set(standbys.map((item) => item.dataDirectory)).size !== standbys.length) throw expected('standbys', 'Clusters of distinct data directories', standbys.map((item) => item.dataDirectory));
  if (options === null || typeof options !== 'object') throw expected('options', 'an object', options);
  const { timeout = DEFAULT_TIMEOUT, force = false, signal } = options;
  if (!(typeof timeout === 'number' && timeout >= 0)) throw expected('timeout', 'a non-negative number', timeout);
  if (typeof force !== 'boolean') throw expected('force', 'a boolean', force);
  signal?.throwIfAborted();
  const deadline = Date.now() + timeout;

  const sessions = new Map<Cluster, pg.Client>();
  try {
    const positions: StandbyPosition[] = [];
    for (const cluster of standbys) {
      const client = await cluster.connect({ application_name: 'pg-cluster failover', connectionTimeoutMillis: 5_000 }).catch(() => null);
      if (client === null) continue; // not running (or not reachable): left out
      client.on('error', () => undefined);
      sessions.set(cluster, client);
      positions.push(await readStandbyPosition(cluster, client));
    }
    const primaries = positions.filter((position) => !position.inRecovery);
    if (primaries.length > 1) {
      throw new FailoverError('SEVERAL_PRIMARIES', `More than one of the standbys is a primary: ${primaries.map((p) => p.cluster.dataDirectory).join(', ')}`);
    }
    const candidates = positions.filter((position) => position.inRecovery);
    if (primaries.length === 0 && candidates.length === 0) {
      throw new FailoverError('NO_CANDIDATE', `None of the standbys runs: ${standbys.map((item) => item.dataDirectory).join(', ')}`);
    }
    if (!force && primaries.length === 0) await refuseLivePrimary(candidates, positions);
    signal?.throwIfAborted();

    const oldNames = synchronousList(positions);
    const winner = primaries[0] ?? chooseWinner(candidates, oldNames);
    const followers = candidates.filter((position) => position !== winner);
    const streaming = followers.filter((position) => !position.replayPaused);
    const newNames = formatSynchronousList(recomputeSynchronous(oldNames, streaming.map((position) => position.applicationName)));
    const winnerClient = sessions.get(winner.cluster)!;

    // Made while it still replays (a standby reserves WAL from its replay point): kept by promotion.
    // A follower that already streams from the winner (cascading through it) uses its slot there.
    for (const follower of followers) if (follower.slot !== null) await ensureSlot(winnerClient, follower.slot, { allowActive: true });
    if (winner.inRecovery) {
      // Set while it still is a standby: from its first commit as a primary it waits only for these.
      await winnerClient.query(`ALTER SYSTEM SET synchronous_standby_names = ${quoteLiteral(newNames)}`);
      await winnerClient.query('SELECT pg_reload_conf()');
      await promote(winner.cluster, { timeout: Math.max(0, deadline - Date.now()) });
    } else if (winner.synchronousStandbyNames !== newNames) {
      await winnerClient.query(`ALTER SYSTEM SET synchronous_standby_names = ${quoteLiteral(newNames)}`);
      await winnerClient.query('SELECT pg_reload_conf()');
    }

    const address = await readPrimaryAddress(winner.cluster);
    for (const follower of followers) {
      const client = sessions.get(follower.cluster)!;
      // Its own copy of the list, for when it is promoted in turn (a standby ignores it).
      await client.query(`ALTER SYSTEM SET synchronous_standby_names = ${quoteLiteral(newNames)}`);
      const restarted = await followPrimary(follower, client, address, { timeout: Math.max(0, deadline - Date.now()) });
      if (restarted) {
        await client.end().catch(() => undefined);
        sessions.delete(follower.cluster);
      }
    }
    for (const follower of streaming) {
      await waitForStreaming(winnerClient, follower.applicationName, deadline, follower.cluster.dataDirectory, signal);
    }
    return winner.cluster;
  } finally {
    for (const client of sessions.values()) await client.end().catch(() => undefined);
  }
}

/** The most advanced candidate: receive LSN, then replay LSN, then synchronous, then the order given. */
export function chooseWinner(candidates: readonly StandbyPosition[], names: SynchronousStandbys | null): StandbyPosition {
  let best = candidates[0]!;
  for (const candidate of candidates.slice(1)) {
    const byReceive = compareLsn(candidate.receiveLsn ?? candidate.replayLsn, best.receiveLsn ?? best.replayLsn);
    const byReplay = compareLsn(candidate.replayLsn, best.replayLsn);
    const bySync = Number(isNamedSynchronous(names, candidate.applicationName)) - Number(isNamedSynchronous(names, best.applicationName));
    if (byReceive > 0 || (byReceive === 0 && (byReplay > 0 || (byReplay === 0 && bySync > 0)))) best = candidate;
  }
  return best;
}

/**
 * The old primary's `synchronous_standby_names`, as far as the standbys know it: each keeps the
 * copy its base backup (or an earlier failover) gave it; the first non-empty one counts.
 */
function synchronousList(positions: readonly StandbyPosition[]): SynchronousStandbys | null {
  for (const position of positions) {
    const names = parseSynchronousStandbyNames(position.synchronousStandbyNames);
    if (names !== null) return names;
  }
  return null;
}

/** The old list kept to the `followers` it names (all of them for `*`). */
export function recomputeSynchronous(old: SynchronousStandbys | null, followers: readonly string[]): SynchronousStandbys {
  if (old === null) return { method: 'FIRST', count: 1, names: [] };
  const names = old.names.includes('*') ? (followers.length > 0 ? ['*'] : []) : old.names.filter((name) => followers.some((follower) => follower.toLowerCase() === name.toLowerCase()));
  return { ...old, names };
}

/** FailoverError `PRIMARY_ALIVE` when a server answers where the standbys' primary_conninfo points (and it is none of them). */
async function refuseLivePrimary(candidates: readonly StandbyPosition[], positions: readonly StandbyPosition[]): Promise<void> {
  const own = new Set<string>();
  for (const position of positions) {
    const address: PrimaryAddress | null = await readPrimaryAddress(position.cluster).catch(() => null);
    if (address?.tcp) own.add(`${address.tcp.host}:${address.tcp.port}`);
    if (address?.socket) own.add(`${address.socket.host}:${address.socket.port}`);
  }
  const targets = new Set<string>();
  for (const position of candidates) {
    const hosts = (position.conninfo['host'] ?? position.conninfo['hostaddr'] ?? '/tmp').split(',');
    const ports = (position.conninfo['port'] ?? '5432').split(',');
    hosts.forEach((host, index) => targets.add(`${host}:${ports[index] ?? ports[0]}`));
  }
  for (const target of targets) {
    if (own.has(target)) continue;
    const colon = target.lastIndexOf(':');
    if (await serverAnswers(target.slice(0, colon), Number(target.slice(colon + 1)))) {
      throw new FailoverError(
        'PRIMARY_ALIVE',
        `A server still answers at ${target}, where the standbys' primary_conninfo points: promoting a standby now would make a second primary. Stop it, or pass \`force: true\` if it is fenced off.`,
        { target },
      );
    }
  }
}

/** The setting's text: '' (no synchronous standby) for an empty list. */
function formatSynchronousList(list: SynchronousStandbys): string {
  return list.names.length === 0 ? '' : formatSynchronousStandbyNames({ ...list, count: Math.min(list.count, list.names.length) });
}

/** Whether a standby of `applicationName` is named by the list (`*` names all; case-insensitive, as the server compares). */
function isNamedSynchronous(list: SynchronousStandbys | null, applicationName: string): boolean {
  return list !== null && list.names.some((name) => name === '*' || name.toLowerCase() === applicationName.toLowerCase());
}
