import pg from 'pg';
import type { SqlConnectionParameters } from './sql-target.js';

/**
 * Cancels the statements running in the backends `which` picks (a pid, or every backend of an
 * application_name), from a second connection with the same parameters (pg_cancel_backend: a
 * role may cancel its own sessions). Quietly does nothing when that fails: the statement may
 * have ended meanwhile, and the run stops at its next statement anyway.
 */
export async function cancelBackends(parameters: SqlConnectionParameters, which: { pid: number } | { applicationName: string }): Promise<void> {
  const { host, port, user, database, password } = parameters;
  const canceller = new pg.Client({ host, port, user, database, password });
  try {
    await canceller.connect();
    if ('pid' in which) await canceller.query('SELECT pg_cancel_backend($1)', [which.pid]);
    else await canceller.query('SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()', [which.applicationName]);
  } catch {
    // See above: nothing to do.
  } finally {
    await canceller.end().catch(() => undefined);
  }
}
