import pg from 'pg';
import type { Cluster } from '../cluster/cluster.js';
import { lstat } from 'node:fs/promises';
import { openRegularFile } from '../fs/regular-file.js';
import { findPassfilePassword, parseConninfo } from './primary-conninfo.js';
import { ReplicationError } from './replication-error.js';

/** A standby's primary, as its `primary_conninfo` names it. */
export interface CurrentPrimary {
  host: string;
  port: number;
  user: string;
  /** The standby's `application_name` toward it. */
  applicationName: string | null;
}

/** A superuser session on `cluster` (its own connection options), closed by the caller. */
export async function openSession(cluster: Cluster, applicationName: string): Promise<pg.Client> {
  const client = await cluster.connect({ application_name: applicationName });
  client.on('error', () => undefined);
  return client;
}

/**
 * Reads the standby's `primary_conninfo` (from the running server) and, through the password its
 * `passfile` (or a `password=`) gives, asks that primary for its flushed WAL position
 * (`IDENTIFY_SYSTEM` on a replication connection, as the standby's own WAL receiver connects).
 * NOT_A_STANDBY when the server is not in recovery or has no primary_conninfo.
 */
export async function readCurrentPrimary(standby: pg.Client, dataDirectory: string): Promise<{ primary: CurrentPrimary; connect: () => Promise<pg.Client> }> {
  const { rows } = await standby.query<{ recovery: boolean; conninfo: string }>("SELECT pg_is_in_recovery() AS recovery, current_setting('primary_conninfo') AS conninfo");
  const { recovery, conninfo } = rows[0]!;
  if (!recovery) throw new ReplicationError('NOT_A_STANDBY', `The server of ${dataDirectory} is not in recovery: it is no standby`, { dataDirectory });
  const values = parseConninfo(conninfo);
  const host = values['host']?.split(',')[0] ?? values['hostaddr'];
  if (conninfo.trim() === '' || host === undefined) {
    throw new ReplicationError('NOT_A_STANDBY', `The standby ${dataDirectory} has no primary_conninfo with a host: it streams from no primary`, { dataDirectory });
  }
  const port = Number(values['port']?.split(',')[0] ?? 5432);
  const user = values['user'] ?? '';
  let password = values['password'];
  if (password === undefined && values['passfile'] !== undefined) {
    const text = await readPassfile(values['passfile'], dataDirectory);
    password = findPassfilePassword(text, { host, port: String(port), database: 'replication', user });
  }
  const primary: CurrentPrimary = { host, port, user, applicationName: values['application_name'] ?? null };
  const connect = async (): Promise<pg.Client> => {
    const client = new pg.Client({
      host, port, user, ...(password !== undefined ? { password } : {}),
      replication: 'true', application_name: 'pg-cluster waitForReplay', connectionTimeoutMillis: 10_000,
    } as pg.ClientConfig);
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw new ReplicationError('PRIMARY_UNREACHABLE', `Could not reach the primary of ${dataDirectory} at ${host}:${port} as ${user}: ${(error as Error).message}`, { dataDirectory, cause: error });
    }
    client.on('error', () => undefined);
    return client;
  };
  return { primary, connect };
}

/**
 * The text of the password file `primary_conninfo` names, or '' when it cannot be read. The
 * setting is the server's (any SQL superuser can point it anywhere): as root, only a regular
 * file (no link) owned by the data directory's owner is read, so root reads nothing for the
 * server's user that this user could not read itself.
 */
export async function readPassfile(path: string, dataDirectory: string): Promise<string> {
  const owner = (await lstat(dataDirectory).catch(() => null))?.uid;
  const opened = await openRegularFile(path).catch(() => null);
  if (opened === null) return '';
  try {
    if (process.getuid?.() === 0 && opened.stats.uid !== owner) return '';
    return (await opened.handle.readFile()).toString('utf8');
  } finally {
    await opened.handle.close();
  }
}
