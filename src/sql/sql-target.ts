import pg from 'pg';
import { describeValue, expected } from '../errors.js';
import { SqlFileError } from './sql-file-error.js';

/**
 * Where SQL runs: a node-postgres client (connected; it is used as it is and left open), a
 * `pg.Pool` (one client is taken and given back), or what to connect with: a client config
 * object, a connection string or URI, or anything with a `clientConfig()` method
 * (`ConnectionInfo`, `TemporaryCluster`, `TemporaryDatabase`); that connection is closed at the end.
 */
export type SqlTarget = pg.ClientBase | pg.Pool | pg.ClientConfig | string | { clientConfig(): pg.ClientConfig };

/** A connection to run on, and how to let go of it. */
export interface SqlConnection {
  client: pg.ClientBase;
  /** Whether this call opened the connection (so a failure can simply close it). */
  isOwned: boolean;
  release(): Promise<void>;
}

/** What libpq needs to reach the same server (psql's environment). */
export interface SqlConnectionParameters {
  host: string | undefined;
  port: number | undefined;
  user: string | undefined;
  database: string | undefined;
  password: string | undefined;
}

function isClient(target: unknown): target is pg.ClientBase {
  if (target instanceof pg.Client) return true;
  const candidate = target as { query?: unknown; on?: unknown; connection?: unknown } | null;
  return typeof candidate === 'object' && candidate !== null && typeof candidate.query === 'function' && typeof candidate.on === 'function' && 'connection' in candidate;
}

function isPool(target: unknown): target is pg.Pool {
  if (target instanceof pg.Pool) return true;
  const candidate = target as { connect?: unknown; totalCount?: unknown } | null;
  return typeof candidate === 'object' && candidate !== null && typeof candidate.connect === 'function' && typeof candidate.totalCount === 'number';
}

/** The client config (or connection string) a non-client target stands for. */
function configOf(target: unknown): pg.ClientConfig | string {
  if (typeof target === 'string') {
    if (target === '') throw expected('target', 'a client, a pool, a client config or a connection string', target);
    return target;
  }
  if (typeof target === 'object' && target !== null) {
    const withConfig = target as { clientConfig?: unknown };
    if (typeof withConfig.clientConfig === 'function') return (withConfig.clientConfig as () => pg.ClientConfig).call(target);
    return target as pg.ClientConfig;
  }
  throw new SqlTargetError(target);
}

class SqlTargetError extends Error {
  constructor(readonly target: unknown) {
    super('not a target');
  }
}

/** Connects to (or takes) what `target` names; a failure to connect is a {@link SqlFileError} `SQL_CONNECTION_FAILED`. */
export async function openSqlConnection(target: SqlTarget): Promise<SqlConnection> {
  if (isClient(target)) return { client: target, isOwned: false, release: async () => undefined };
  try {
    if (isPool(target)) {
      const client = await target.connect();
      return { client, isOwned: false, release: async () => client.release() };
    }
    const client = new pg.Client(configOf(target));
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    return { client, isOwned: true, release: () => client.end().catch(() => undefined) };
  } catch (error) {
    if (error instanceof SqlTargetError) throw invalidTarget(target);
    throw new SqlFileError('SQL_CONNECTION_FAILED', {
      file: null,
      line: null,
      column: null,
      sqlstate: typeof (error as { code?: unknown }).code === 'string' && /^[0-9A-Z]{5}$/.test((error as { code: string }).code) ? (error as { code: string }).code : null,
      statement: null,
      serverMessage: `Could not connect: ${(error as Error).message}`,
      cause: error,
    });
  }
}

/** The host, port, user, database and password `target` reaches, as node-postgres reads them (no connection is made). */
export function connectionParametersOf(target: SqlTarget): SqlConnectionParameters {
  let source: { host?: unknown; port?: unknown; user?: unknown; database?: unknown; password?: unknown };
  if (isClient(target)) source = target as unknown as typeof source;
  else if (isPool(target)) source = new pg.Client((target as unknown as { options: pg.ClientConfig }).options) as unknown as typeof source;
  else {
    try {
      source = new pg.Client(configOf(target)) as unknown as typeof source;
    } catch (error) {
      if (error instanceof SqlTargetError) throw invalidTarget(target);
      throw error;
    }
  }
  const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
  return {
    host: text(source.host),
    port: typeof source.port === 'number' ? source.port : undefined,
    user: text(source.user),
    database: text(source.database),
    // A password function (node-postgres allows one) cannot be handed to psql.
    password: text(source.password),
  };
}

function invalidTarget(target: unknown): Error {
  const shown = typeof target === 'object' && target !== null ? `an object of type ${target.constructor?.name ?? 'Object'}` : describeValue(target);
  return expected('target', 'a node-postgres client or pool, a client config, a connection string, or an object with clientConfig()', shown);
}
