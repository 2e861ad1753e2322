import pg from 'pg';
import { Cluster } from '../cluster/cluster.js';
import { clientHostFor } from '../cluster/cluster-address.js';
import { expected } from '../errors.js';
import { ConnectionInfo, REDACTED, type ConnectionParameters } from '../throwaway/connection-info.js';
import { ProvisionError } from './provision-error.js';

/** What the provisioning calls take: a `Cluster` (or `TemporaryCluster`) that runs, or superuser credentials of any server. */
export type ProvisionTarget = Cluster | ConnectionInfo | ConnectionParameters;

/** A target resolved: how to connect as the superuser, and where clients reach the server. */
export interface ResolvedTarget {
  /** The Cluster, when the target is one (pg_hba.conf is then on this machine). */
  cluster: Cluster | null;
  /** A superuser session in `database` (default: the target's own database, `postgres` for a Cluster). */
  connect(database?: string): Promise<pg.Client>;
  /** Where a client connects: the TCP address when the server listens on one, else the socket. */
  clientAddress: { host: string; port: number };
  /** The Unix socket form, when known. */
  socketAddress: { host: string; port: number } | null;
}

/** Resolves `target` (it must be running); ProvisionError `TARGET_UNREACHABLE` when a Cluster runs no server. */
export async function resolveTarget(target: ProvisionTarget): Promise<ResolvedTarget> {
  if (target instanceof Cluster) return resolveCluster(target);
  if (target !== null && typeof target === 'object' && typeof (target as ConnectionParameters).host === 'string') {
    const info = ConnectionInfo.from(target as ConnectionParameters);
    const connect = (database: string = info.database) => openClient(info.withDatabase(database).clientConfig());
    const address = { host: info.host, port: info.port };
    return { cluster: null, connect, clientAddress: address, socketAddress: info.isUnixSocket ? address : null };
  }
  throw expected('target', 'a Cluster, a TemporaryCluster or a ConnectionInfo', redactTarget(target));
}

/** What a message may show of a target that is none: its password never. */
function redactTarget(target: unknown): unknown {
  if (target === null || typeof target !== 'object' || !('password' in target)) return target;
  return { ...target, password: REDACTED };
}

async function resolveCluster(cluster: Cluster): Promise<ResolvedTarget> {
  const lock = await cluster.postmaster();
  if (lock === null) throw new ProvisionError('TARGET_UNREACHABLE', `No server runs in ${cluster.dataDirectory}: start it before provisioning`);
  const tcp = lock.listenAddresses === null || lock.listenAddresses === '' ? null : clientHostFor(lock.listenAddresses);
  const socketAddress = lock.socketDirectory === null ? null : { host: lock.socketDirectory, port: lock.port };
  const clientAddress = tcp !== null ? { host: tcp, port: lock.port } : socketAddress;
  if (clientAddress === null) throw new ProvisionError('TARGET_UNREACHABLE', `The server in ${cluster.dataDirectory} listens on neither a socket nor TCP`);
  const connect = async (database = 'postgres') => openClient(await cluster.connection({ database, application_name: 'pg-cluster provision' }));
  return { cluster, connect, clientAddress, socketAddress };
}

async function openClient(config: pg.ClientConfig): Promise<pg.Client> {
  const client = new pg.Client({ application_name: 'pg-cluster provision', connectionTimeoutMillis: 10_000, ...config });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    const reason = (error as Error).message;
    throw new ProvisionError('TARGET_UNREACHABLE', `Could not connect to the server at ${String(config.host)}:${String(config.port)} as ${String(config.user)}: ${reason}`, { cause: error });
  }
  // An idle session's error event (the server went away) must not crash the process: the next query reports it.
  client.on('error', () => undefined);
  return client;
}
