import type pg from 'pg';
import type { Cluster } from '../cluster/cluster.js';
import { resolveTarget } from '../provision/provision-target.js';
import { quoteLiteral } from '../throwaway/sql-quote.js';
import { quoteConnectionValue } from '../throwaway/connection-info.js';
import { FailoverError } from './failover-error.js';
import type { StandbyPosition } from './standby-position.js';

/** Where the standbys reach a primary: its TCP address, and its socket when it has one (same host). */
export interface PrimaryAddress {
  tcp: { host: string; port: number } | null;
  socket: { host: string; port: number } | null;
}

/** The running `primary`'s addresses, from its postmaster.pid. */
export async function readPrimaryAddress(primary: Cluster): Promise<PrimaryAddress> {
  const target = await resolveTarget(primary);
  const tcp = target.clientAddress === target.socketAddress ? null : target.clientAddress;
  return { tcp, socket: target.socketAddress };
}

/**
 * `conninfo` pointed at `primary`: the same keywords (user, passfile, application_name, …) with
 * `host` and `port` replaced (and `hostaddr` dropped). A standby that reached its primary through
 * a socket keeps doing so when the new one has one (same host); otherwise TCP.
 */
export function pointConninfo(conninfo: Readonly<Record<string, string>>, primary: PrimaryAddress): string {
  const oldHost = conninfo['host'] ?? '';
  const wantsSocket = oldHost.startsWith('/') || oldHost === '';
  const address = (wantsSocket ? (primary.socket ?? primary.tcp) : (primary.tcp ?? primary.socket))!;
  const kept = Object.entries(conninfo).filter(([key]) => key !== 'host' && key !== 'port' && key !== 'hostaddr');
  return formatConninfo([['host', address.host], ['port', String(address.port)], ...kept]);
}

/**
 * Points a running standby at another primary without a restart (`primary_conninfo` is reloadable
 * from 13): ALTER SYSTEM and a reload; `primary_slot_name` stays. `recovery_target_timeline` must
 * be `latest` to follow the new primary's timeline (the default since 12): another value is set
 * to `latest` and the standby restarted. A standby whose replay is paused keeps its old
 * connection until replay is resumed (the startup process rereads the setting only then).
 * Resolves to whether it was restarted.
 */
export async function followPrimary(standby: StandbyPosition, client: pg.Client, primary: PrimaryAddress, options: { timeout: number }): Promise<boolean> {
  if (standby.conninfo['host'] === undefined && standby.conninfo['hostaddr'] === undefined) {
    throw new FailoverError('WRONG_ROLE', `The standby ${standby.cluster.dataDirectory} has no primary_conninfo to point at the new primary`, { target: standby.cluster.dataDirectory });
  }
  await client.query(`ALTER SYSTEM SET primary_conninfo = ${quoteLiteral(pointConninfo(standby.conninfo, primary))}`);
  if (standby.recoveryTargetTimeline !== 'latest') {
    await client.query("ALTER SYSTEM SET recovery_target_timeline = 'latest'");
    await standby.cluster.restart({ mode: 'fast', timeout: options.timeout });
    return true;
  }
  await client.query('SELECT pg_reload_conf()');
  return false;
}

/**
 * Waits until `name` streams from the primary behind `client` (`pg_stat_replication.state =
 * 'streaming'`); FailoverError `TIMEOUT` when it does not by `deadline`.
 */
export async function waitForStreaming(client: pg.Client, name: string, deadline: number, what: string, signal?: AbortSignal): Promise<void> {
  for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
    signal?.throwIfAborted();
    const { rows } = await client.query("SELECT 1 FROM pg_stat_replication WHERE application_name = $1 AND state = 'streaming'", [name]);
    if (rows.length > 0) return;
    if (Date.now() > deadline) throw new FailoverError('TIMEOUT', `${what} does not stream from the new primary (application_name ${name}) in time`, { target: what });
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

/** A libpq keyword/value string of `pairs`, values quoted where libpq needs it. */
export function formatConninfo(pairs: ReadonlyArray<readonly [string, string]>): string {
  return pairs.map(([key, value]) => `${key}=${quoteConnectionValue(value)}`).join(' ');
}
