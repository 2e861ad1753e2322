import pg from 'pg';
import { ConnectionInfo, type ConnectionParameters } from './connection-info.js';

/**
 * The connections of `cluster.query()` being closed in the background, per server: a query
 * resolves with its rows without waiting for the close (2 to 3 ms: the server's backend exits
 * first), and whatever needs the server's sessions gone (`CREATE DATABASE … TEMPLATE` from the
 * database they were on) awaits {@link ReleasedConnections.settle} first. The one place where
 * throwaway clusters and their pools run a query on a connection of its own, and warm a server up.
 */
export class ReleasedConnections {
  readonly #closing = new Set<Promise<void>>();

  /** How many connections are still closing. */
  get size(): number {
    return this.#closing.size;
  }

  /**
   * Runs one statement on a new connection to `server` and resolves with its rows; the
   * connection is closed in the background (tracked here), also after an error.
   */
  async query<Row extends Record<string, unknown> = Record<string, unknown>>(server: ConnectionParameters, sql: string, params?: unknown[]): Promise<Row[]> {
    const client = new pg.Client(ConnectionInfo.from(server).clientConfig());
    // A server that goes away while the close is under way must not become an unhandled 'error'.
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (error) {
      this.#release(client);
      throw error;
    }
    try {
      return (await client.query<Row>(sql, params)).rows;
    } finally {
      this.#release(client);
    }
  }

  /** Resolves once every connection released so far is closed (never rejects). */
  async settle(): Promise<void> {
    while (this.#closing.size > 0) await Promise.all([...this.#closing]);
  }

  #release(client: pg.Client): void {
    const closed = client.end().catch(() => undefined);
    this.#closing.add(closed);
    void closed.finally(() => this.#closing.delete(closed));
  }
}

/**
 * Makes the first connection to a new server and closes it: the first backend of a database
 * rebuilds the catalog caches and writes them to `pg_internal.init` (6 to 7 ms), which every
 * later connection then reads. A prestarted pool does this before a cluster is handed out, so
 * the handout's first query does not pay it. No session stays open (an idle one would keep
 * `CREATE DATABASE … TEMPLATE` of that database from other clients waiting and failing).
 */
export async function warmUpServer(server: ConnectionParameters): Promise<void> {
  const client = new pg.Client(ConnectionInfo.from(server).clientConfig());
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('SELECT 1');
  } finally {
    await client.end();
  }
}
