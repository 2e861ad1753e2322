// A persistent Cluster for the provisioning tests: init()'s default authentication (peer on the
// socket, reject over TCP: host rules only through allowClient), listening on 127.0.0.1 and a
// private socket, every statement logged (log_statement = all) so tests can read the log for
// passwords; and a credentials file in a folder of the test's own.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { ClusterInstallation } from '../../../src/cluster/index.js';
import { FileCredentialsStore } from '../../../src/provision/index.js';
import { freePort, systemInstallation, workspace, type Workspace } from '../cluster/fixtures.js';

export interface ProvisionServer {
  w: Workspace;
  port: number;
  store: FileCredentialsStore;
  stateDir: string;
  /** The server log so far. */
  log(): string;
  /** A superuser query in `database` (default postgres). */
  query<T extends Record<string, unknown> = Record<string, unknown>>(sql: string, params?: unknown[], database?: string): Promise<T[]>;
  cleanup(): Promise<void>;
}

export async function startProvisionServer(installation: ClusterInstallation = systemInstallation()): Promise<ProvisionServer> {
  const w = workspace(installation);
  const stateDir = mkdtempSync(join(tmpdir(), 'pgct-state-'));
  try {
    await w.cluster.init({ user: 'postgres', locale: 'C', encoding: 'UTF8', noSync: true });
    const port = await freePort();
    await w.cluster.start({ settings: { ...w.settings, listen_addresses: '127.0.0.1', port, log_statement: 'all' } });
    const logPath = w.cluster.logPath;
    return {
      w,
      port,
      stateDir,
      store: new FileCredentialsStore(join(stateDir, 'pg-cluster', 'credentials.json')),
      log: () => readFileSync(logPath, 'utf8'),
      async query(sql, params, database = 'postgres') {
        const client = await w.cluster.connect({ database });
        try {
          return (await client.query(sql, params)).rows;
        } finally {
          await client.end();
        }
      },
      async cleanup() {
        await w.cleanup();
        rmSync(stateDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await w.cleanup();
    rmSync(stateDir, { recursive: true, force: true });
    throw error;
  }
}

/** Connects with `config` and runs `sql`; the error's code when the server refuses. */
export async function tryQuery(config: pg.ClientConfig | string, sql = 'SELECT current_user AS user, current_database() AS database'): Promise<{ ok: true; rows: Record<string, unknown>[] } | { ok: false; code: string; message: string }> {
  const client = new pg.Client(typeof config === 'string' ? { connectionString: config } : config);
  client.on('error', () => undefined);
  try {
    await client.connect();
    return { ok: true, rows: (await client.query(sql)).rows };
  } catch (error) {
    return { ok: false, code: String((error as { code?: string }).code), message: (error as Error).message };
  } finally {
    await client.end().catch(() => undefined);
  }
}
