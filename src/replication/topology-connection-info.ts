import { inspect, type InspectOptionsStylized } from 'node:util';
import pg from 'pg';
import { expected } from '../errors.js';
import { ConnectionInfo, encodeDatabasePath, quoteConnectionValue, REDACTED, type ClientConfig, type ConnectionParameters } from '../throwaway/connection-info.js';
import { ReplicationError } from './replication-error.js';

/** libpq's `target_session_attrs` (14+): which server of the list a client settles on. */
export type TargetSessionAttrs = 'any' | 'read-write' | 'read-only' | 'primary' | 'standby' | 'prefer-standby';

const TARGET_SESSION_ATTRS: readonly TargetSessionAttrs[] = ['any', 'read-write', 'read-only', 'primary', 'standby', 'prefer-standby'];

/**
 * A server of a topology: connection info, its plain parameters (what a Cluster's
 * `connectionOptions()` gives fits; `database` defaults to `postgres`), or anything that has a
 * `connectionInfo` (a TemporaryCluster).
 */
export type TopologyNode = ConnectionInfo | (Omit<ConnectionParameters, 'database'> & { database?: string }) | { readonly connectionInfo: ConnectionInfo };

export interface TopologyOptions {
  /** Default `read-write` (the primary, where writes go). */
  targetSessionAttrs?: TargetSessionAttrs;
}

export interface TopologyClientConfigOptions extends TopologyOptions {
  /** Milliseconds each server gets to answer; default 5,000. */
  timeout?: number;
}

/** libpq's environment for the whole list: comma-separated `PGHOST`/`PGPORT` and `PGTARGETSESSIONATTRS`. */
export type TopologyEnv = {
  PGHOST: string;
  PGPORT: string;
  PGUSER: string;
  PGDATABASE: string;
  PGPASSWORD?: string;
  PGTARGETSESSIONATTRS: TargetSessionAttrs;
};

/**
 * The servers of a primary and its standbys as one connection, in the forms libpq reads (a
 * multi-host URI or keyword/value string, environment variables: libpq then tries the hosts in
 * order and keeps the first that fits `target_session_attrs`, so a libpq client finds the
 * primary after a failover by itself), and for node-postgres, which reads neither multi-host
 * URIs nor `target_session_attrs`, {@link clientConfig}: the single server that fits now.
 * Every node has the same user, database and password (a URI carries one of each).
 */
export class TopologyConnectionInfo {
  readonly nodes: readonly ConnectionInfo[];
  readonly user: string;
  readonly database: string;
  readonly password?: string;

  constructor(nodes: readonly TopologyNode[]) {
    if (!Array.isArray(nodes) || nodes.length === 0) throw expected('nodes', 'a non-empty array of servers', nodes);
    this.nodes = Object.freeze(nodes.map((node, i) => toConnectionInfo(node, i)));
    const first = this.nodes[0]!;
    for (const node of this.nodes) {
      if (node.user !== first.user || node.database !== first.database || node.password !== first.password) {
        throw expected('nodes', 'servers with one user, database and password (one connection carries one of each)', this.nodes.map((item) => item.toJSON()));
      }
    }
    this.user = first.user;
    this.database = first.database;
    if (first.password !== undefined) this.password = first.password;
  }

  /**
   * The multi-host URI: `postgresql://user:password@h1:p1,h2:p2/db?target_session_attrs=…` over
   * TCP; when a node is a Unix socket, every host goes in the query instead
   * (`postgresql:///db?host=%2Fs1,%2Fs2&port=p1,p2&user=…&target_session_attrs=…`).
   */
  uri(options: TopologyOptions = {}): string {
    const attrs = checkAttrs(options);
    const database = encodeDatabasePath(this.database);
    if (this.nodes.some((node) => node.isUnixSocket)) {
      const parameters: Array<[string, string]> = [
        ['host', this.nodes.map((node) => encodeURIComponent(node.host)).join(',')],
        ['port', this.nodes.map((node) => String(node.port)).join(',')],
        ['user', encodeURIComponent(this.user)],
      ];
      if (this.password !== undefined) parameters.push(['password', encodeURIComponent(this.password)]);
      parameters.push(['target_session_attrs', attrs]);
      return `postgresql:///${database}?${parameters.map(([key, value]) => `${key}=${value}`).join('&')}`;
    }
    const credentials = encodeURIComponent(this.user) + (this.password === undefined ? '' : `:${encodeURIComponent(this.password)}`);
    const hosts = this.nodes.map((node) => `${node.host.includes(':') ? `[${node.host}]` : encodeURIComponent(node.host)}:${node.port}`).join(',');
    return `postgresql://${credentials}@${hosts}/${database}?target_session_attrs=${attrs}`;
  }

  /** libpq keyword/value form: `host=a,b port=p1,p2 user=… dbname=… target_session_attrs=…`. */
  connectionString(options: TopologyOptions = {}): string {
    const attrs = checkAttrs(options);
    const pairs: Array<[string, string]> = [
      ['host', this.nodes.map((node) => node.host).join(',')],
      ['port', this.nodes.map((node) => String(node.port)).join(',')],
      ['user', this.user],
      ['dbname', this.database],
    ];
    if (this.password !== undefined) pairs.push(['password', this.password]);
    pairs.push(['target_session_attrs', attrs]);
    return pairs.map(([key, value]) => `${key}=${quoteConnectionValue(value)}`).join(' ');
  }

  /** `PGHOST=a,b PGPORT=p1,p2 PGUSER PGDATABASE [PGPASSWORD] PGTARGETSESSIONATTRS`, for psql and every libpq tool. */
  env(options: TopologyOptions = {}): TopologyEnv {
    const attrs = checkAttrs(options);
    const env: TopologyEnv = {
      PGHOST: this.nodes.map((node) => node.host).join(','),
      PGPORT: this.nodes.map((node) => String(node.port)).join(','),
      PGUSER: this.user,
      PGDATABASE: this.database,
      PGTARGETSESSIONATTRS: attrs,
    };
    if (this.password !== undefined) env.PGPASSWORD = this.password;
    return env;
  }

  /**
   * A single-server node-postgres config for the node that fits `targetSessionAttrs` now, found
   * as libpq finds it: each node in order is asked `pg_is_in_recovery()` and
   * `transaction_read_only` (an unreachable one is skipped; `prefer-standby` takes the first
   * standby, else the first that answers). Asynchronous because it asks. After a connection
   * error (a failover), ask again. ReplicationError `NO_MATCHING_SERVER` when none fits.
   */
  async clientConfig(options: TopologyClientConfigOptions = {}): Promise<ClientConfig> {
    const attrs = checkAttrs(options);
    const { timeout = 5_000 } = options;
    if (!(typeof timeout === 'number' && timeout > 0 && Number.isFinite(timeout))) throw expected('timeout', 'a positive number', timeout);
    const answers: Array<{ node: ConnectionInfo; recovery: boolean; readOnly: boolean } | { node: ConnectionInfo; error: string }> = [];
    for (const node of this.nodes) {
      const answer = await askNode(node, timeout);
      answers.push(answer);
      if ('error' in answer) continue;
      if (fits(attrs, answer)) return node.clientConfig();
    }
    if (attrs === 'prefer-standby') {
      const reachable = answers.find((answer) => !('error' in answer));
      if (reachable !== undefined) return reachable.node.clientConfig();
    }
    const seen = answers.map((answer) => `${answer.node.host}:${answer.node.port} ${'error' in answer ? `unreachable (${answer.error})` : answer.recovery ? 'standby' : answer.readOnly ? 'read-only' : 'read-write'}`);
    throw new ReplicationError('NO_MATCHING_SERVER', `No server fits target_session_attrs=${attrs}: ${seen.join('; ')}`);
  }

  /** The nodes with their passwords redacted. */
  toJSON(): { nodes: ConnectionParameters[] } {
    return { nodes: this.nodes.map((node) => node.toJSON()) };
  }

  [inspect.custom](_depth: number, options: InspectOptionsStylized, show: typeof inspect): string {
    return `TopologyConnectionInfo ${show(this.toJSON(), options)}`;
  }
}

/** {@link TopologyConnectionInfo} of `nodes`, in the order clients try them. */
export function topologyConnectionInfo(nodes: readonly TopologyNode[]): TopologyConnectionInfo {
  return new TopologyConnectionInfo(nodes);
}

function toConnectionInfo(node: TopologyNode, index: number): ConnectionInfo {
  if (node instanceof ConnectionInfo) return node;
  if (node !== null && typeof node === 'object' && 'connectionInfo' in node && node.connectionInfo instanceof ConnectionInfo) return node.connectionInfo;
  if (node !== null && typeof node === 'object' && typeof (node as ConnectionParameters).host === 'string') {
    const { host, port, user, database = 'postgres', password } = node as ConnectionParameters;
    return new ConnectionInfo({ host, port, user, database, ...(password !== undefined ? { password } : {}) });
  }
  const shown = node !== null && typeof node === 'object' && 'password' in node ? { ...node, password: REDACTED } : node;
  throw expected(`nodes[${index}]`, 'a ConnectionInfo, its parameters, or a TemporaryCluster (for a Cluster: `await cluster.connectionOptions()`)', shown === null || typeof shown !== 'object' || Object.getPrototypeOf(shown) === Object.prototype ? shown : shown.constructor.name);
}

function checkAttrs(options: TopologyOptions): TargetSessionAttrs {
  if (options === null || typeof options !== 'object') throw expected('options', 'an object', options);
  const { targetSessionAttrs = 'read-write' } = options;
  if (!TARGET_SESSION_ATTRS.includes(targetSessionAttrs)) throw expected('targetSessionAttrs', `one of ${TARGET_SESSION_ATTRS.join(', ')}`, targetSessionAttrs);
  return targetSessionAttrs;
}

function fits(attrs: TargetSessionAttrs, answer: { recovery: boolean; readOnly: boolean }): boolean {
  switch (attrs) {
    case 'any':
      return true;
    case 'read-write':
      return !answer.readOnly;
    case 'read-only':
      return answer.readOnly;
    case 'primary':
      return !answer.recovery;
    case 'standby':
    case 'prefer-standby':
      return answer.recovery;
  }
}

async function askNode(node: ConnectionInfo, timeout: number): Promise<{ node: ConnectionInfo; recovery: boolean; readOnly: boolean } | { node: ConnectionInfo; error: string }> {
  const client = new pg.Client({ ...node.clientConfig(), connectionTimeoutMillis: timeout, application_name: 'pg-cluster topology' });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ recovery: boolean; readonly: string }>("SELECT pg_is_in_recovery() AS recovery, current_setting('transaction_read_only') AS readonly");
    return { node, recovery: rows[0]!.recovery, readOnly: rows[0]!.readonly === 'on' };
  } catch (error) {
    return { node, error: (error as Error).message };
  } finally {
    await client.end().catch(() => undefined);
  }
}
