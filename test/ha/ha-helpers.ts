// Shared by the HA tests: whether Patroni, etcd and tini are installed (CI installs them and sets
// PG_CLUSTER_REQUIRE_HA=1, so there a missing one fails instead of skipping), a scratch folder the
// server's OS user can reach, and helpers to wait on conditions and run SQL.
import { accessSync, chmodSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';

export const haPrograms = ['/usr/bin/patroni', '/usr/bin/etcd', '/usr/bin/tini'];

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export const missingHaPrograms = process.env['PG_CLUSTER_REQUIRE_HA'] === '1' ? [] : haPrograms.filter((path) => !isExecutable(path));
/** For describe.skipIf: the reason is in the describe's name (see haSuiteName). */
export const hasHaPrograms = missingHaPrograms.length === 0;

export function haSuiteName(name: string): string {
  return hasHaPrograms ? name : `${name} (skipped: ${missingHaPrograms.join(', ')} missing; apt-get install patroni etcd-server tini)`;
}

/** A folder under /tmp/pgct-* (the suite's leftover guard knows that prefix) that the server's user can traverse. */
export function makeHaDirectory(): { path: string; remove(): void } {
  const path = mkdtempSync('/tmp/pgct-ha-');
  chmodSync(path, 0o755);
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export async function until<T>(what: string, check: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeout = 60_000, interval = 100): Promise<T> {
  const deadline = Date.now() + timeout;
  let lastError: unknown = null;
  for (;;) {
    try {
      const value = await check();
      if (value !== null && value !== undefined && value !== false) return value as T;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError === null ? '' : `: ${String(lastError)}`}`);
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

export async function query<R extends pg.QueryResultRow>(config: pg.ClientConfig, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionTimeoutMillis: 5_000, ...config });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const run = promisify(execFile);

/** psql (libpq: multi-host URIs and target_session_attrs) with one query; its unaligned output. */
export async function psql(uri: string, sql: string): Promise<string> {
  const { stdout } = await run('/usr/lib/postgresql/15/bin/psql', ['-XAt', '-d', uri, '-c', sql], { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', PGCONNECT_TIMEOUT: '3' } });
  return stdout.trim();
}

