import pg from 'pg';
import type { ConnectionOptions, ReloadResult } from './cluster.js';
import type { InvalidSettingValue } from './setting-values.js';

/**
 * Sends the reload signal and, through a connection, reports what the server made of it: lines
 * of the configuration files it could not apply (`pg_file_settings.error`), those among them
 * whose value the server refuses (`checkValues`: the server's words are the same, "setting could
 * not be applied", for an invalid value and a restart-only change) and settings that wait for a
 * restart (`pg_settings.pending_restart`, less those with an invalid line: a restart would not
 * take them, it would fail). It waits until its own session has reloaded (`pg_conf_load_time()`
 * moves) so the report is about this reload.
 */
export async function reloadAndReport(
  connection: ConnectionOptions | null,
  pid: number,
  sendSignal: () => void,
  options: { timeout?: number; checkValues?: (entries: ReadonlyArray<readonly [string, string]>) => Promise<InvalidSettingValue[]> } = {},
): Promise<ReloadResult> {
  const { timeout = 5_000, checkValues } = options;
  if (connection === null) {
    sendSignal();
    return { pid, checked: false, errors: [], pendingRestart: [], invalid: [], reason: 'no connection options (the server listens nowhere we can reach)' };
  }
  const client = new pg.Client({ ...connection, connectionTimeoutMillis: Math.min(timeout, 5_000), application_name: 'pg-cluster reload' });
  try {
    await client.connect();
  } catch (error) {
    sendSignal();
    await client.end().catch(() => undefined);
    return { pid, checked: false, errors: [], pendingRestart: [], invalid: [], reason: `could not connect: ${(error as Error).message}` };
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
    const rows = await client.query<{ sourcefile: string | null; sourceline: number | null; name: string | null; setting: string | null; error: string }>(
      'select sourcefile, sourceline, name, setting, error from pg_file_settings where error is not null order by seqno',
    );
    const pending = await client.query<{ name: string }>('select name from pg_settings where pending_restart order by name');
    const errors = rows.rows.map(({ sourcefile, sourceline, name, error }) => ({ sourcefile, sourceline, name, error }));
    const invalid: ReloadResult['invalid'] = [];
    for (const row of rows.rows) {
      if (row.name === null || row.setting === null || checkValues === undefined) continue;
      const [refused] = await checkValues([[row.name, row.setting]]).catch(() => []);
      if (refused !== undefined) invalid.push({ sourcefile: row.sourcefile, sourceline: row.sourceline, name: row.name, value: row.setting, reason: refused.reason, allowed: refused.allowed });
    }
    const invalidNames = new Set(invalid.map((entry) => entry.name.toLowerCase()));
    const pendingRestart = pending.rows.map((row) => row.name).filter((name) => !invalidNames.has(name.toLowerCase()));
    return { pid, checked: true, errors, pendingRestart, invalid };
  } catch (error) {
    return { pid, checked: false, errors: [], pendingRestart: [], invalid: [], reason: `could not read the reload's outcome: ${(error as Error).message}` };
  } finally {
    await client.end().catch(() => undefined);
  }
}
