import pg from 'pg';
import type { ConnectionOptions, ReloadResult } from './cluster.js';

/**
 * Sends the reload signal and, through a connection, reports what the server made of it: lines
 * of the configuration files it could not apply (`pg_file_settings.error`) and settings that
 * wait for a restart (`pg_settings.pending_restart`). It waits until its own session has
 * reloaded (`pg_conf_load_time()` moves) so the report is about this reload.
 */
export async function reloadAndReport(
  connection: ConnectionOptions | null,
  pid: number,
  sendSignal: () => void,
  options: { timeout?: number } = {},
): Promise<ReloadResult> {
  const { timeout = 5_000 } = options;
  if (connection === null) {
    sendSignal();
    return { pid, checked: false, errors: [], pendingRestart: [], reason: 'no connection options (the server listens nowhere we can reach)' };
  }
  const client = new pg.Client({ ...connection, connectionTimeoutMillis: Math.min(timeout, 5_000), application_name: 'pg-cluster reload' });
  try {
    await client.connect();
  } catch (error) {
    sendSignal();
    await client.end().catch(() => undefined);
    return { pid, checked: false, errors: [], pendingRestart: [], reason: `could not connect: ${(error as Error).message}` };
  }
  try {
    const loadTime = async () => String((await client.query<{ t: string }>('select pg_conf_load_time()::text as t')).rows[0]?.t);
    const before = await loadTime();
    sendSignal();
    const deadline = Date.now() + timeout;
    let pause = 1;
    while ((await loadTime()) === before && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, 50);
    }
    const errors = await client.query<{ sourcefile: string | null; sourceline: number | null; name: string | null; error: string }>(
      'select sourcefile, sourceline, name, error from pg_file_settings where error is not null order by seqno',
    );
    const pending = await client.query<{ name: string }>('select name from pg_settings where pending_restart order by name');
    return { pid, checked: true, errors: errors.rows, pendingRestart: pending.rows.map((row) => row.name) };
  } catch (error) {
    return { pid, checked: false, errors: [], pendingRestart: [], reason: `could not read the reload's outcome: ${(error as Error).message}` };
  } finally {
    await client.end().catch(() => undefined);
  }
}
