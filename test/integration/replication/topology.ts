// A primary with standbys for the failover, switchover, rejoin and watchTopology tests: a
// persistent Cluster listening on 127.0.0.1 and a socket of its own, in a standbyRoot() folder;
// helpers to query, to write rows one commit at a time and to kill a postmaster outright.
import pg from 'pg';
import { Cluster, type ClusterInstallation } from '../../../src/cluster/index.js';
import { isProcessAlive } from '../../../src/control/index.js';
import { freePort, quickInit } from '../cluster/fixtures.js';
import { standbyRoot } from './fixtures.js';

export type Space = ReturnType<typeof standbyRoot>;

/** A primary `a` in `space`, running, with table `t (id int primary key)`. */
export async function startPrimary(space: Space, installation: ClusterInstallation, name = 'a'): Promise<Cluster> {
  const cluster = space.track(new Cluster(installation, space.path(name)));
  await cluster.init({ ...quickInit, timeout: 60_000 }); // initdb on a loaded 2-core machine can take over 10 s
  await cluster.start({ settings: { listen_addresses: '127.0.0.1', port: await freePort(), unix_socket_directories: space.root, fsync: false } });
  await query(cluster, 'CREATE TABLE t (id int PRIMARY KEY)');
  return cluster;
}

export async function query<T = any>(cluster: Cluster, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = await cluster.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** The ids of `t` on `cluster`, as a set. */
export async function ids(cluster: Cluster): Promise<Set<number>> {
  return new Set((await query<{ id: number }>(cluster, 'SELECT id FROM t')).map((row) => row.id));
}

/**
 * Inserts `from`, `from + 1`, … into `t` on `cluster`, one autocommit statement each, until `count`
 * rows or the first error; `onAcknowledged(n)` after each acknowledged commit (n acknowledged so
 * far). Resolves to the ids whose commit the server acknowledged.
 */
export async function writeRows(cluster: Cluster, from: number, count: number, onAcknowledged: (n: number) => void = () => undefined): Promise<number[]> {
  const client = new pg.Client(await cluster.connection());
  client.on('error', () => undefined);
  await client.connect();
  const acknowledged: number[] = [];
  try {
    for (let id = from; id < from + count; id++) {
      await client.query('INSERT INTO t VALUES ($1)', [id]);
      acknowledged.push(id);
      onAcknowledged(acknowledged.length);
    }
  } catch {
    // The server went away: what was acknowledged is counted.
  } finally {
    await client.end().catch(() => undefined);
  }
  return acknowledged;
}

/** SIGKILL to the postmaster only, as the OOM killer would; its children are left to notice. */
export async function killPostmaster(cluster: Cluster): Promise<number> {
  const pid = (await cluster.pid())!;
  process.kill(pid, 'SIGKILL');
  await until(() => !isProcessAlive(pid), 10_000, `postmaster ${pid} to die`);
  return pid;
}

/** Resolves when `check` returns true (polled every few ms), or rejects after `timeout`. */
export async function until(check: () => Promise<boolean> | boolean, timeout = 20_000, what = 'the condition'): Promise<void> {
  const deadline = Date.now() + timeout;
  for (let pause = 2; !(await check()); pause = Math.min(pause * 2, 50)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}
