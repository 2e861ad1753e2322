// Every supported major, 13 to 18, through the whole Cluster lifecycle on its real binaries (the
// system 15 and the npm server packages of the others, each through Installation.fromBinDir), and
// through createTemporaryCluster + createDatabase. One cluster per major, the majors one after the
// other. The other Cluster tests go deeper on fewer majors; this one proves the breadth.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MissingProgramError, isProcessAlive, readPostmasterPid } from '../../../src/control/index.js';
import { Installation } from '../../../src/installation/index.js';
import { createTemporaryCluster, waitForCleanup, type TemporaryCluster, type TemporaryDatabase } from '../../../src/throwaway/index.js';
import type { Cluster } from '../../../src/cluster/index.js';
import { useWorkspaces } from './fixtures.js';

const SYSTEM_15 = '/usr/lib/postgresql/15/bin';
const npmBin = (major: number) => join(process.cwd(), 'node_modules', `pg-bin-${major}`, 'native', 'bin');

const majors = [
  { major: 13, bindir: npmBin(13) },
  { major: 14, bindir: npmBin(14) },
  { major: 15, bindir: SYSTEM_15 },
  { major: 16, bindir: npmBin(16) },
  { major: 17, bindir: npmBin(17) },
  { major: 18, bindir: npmBin(18) },
];

// Throwaway clusters and their templates live under a storage root of this file's own.
const scratch = mkdtempSync('/tmp/pgct-every-major-');
chmodSync(scratch, 0o755); // as root the server runs as `postgres`, which must traverse it
const storage = join(scratch, 'root');
afterAll(async () => {
  await waitForCleanup();
  rmSync(scratch, { recursive: true, force: true });
});

const newWorkspace = useWorkspaces();

async function query(cluster: Cluster, sql: string, params?: unknown[]): Promise<Record<string, unknown>[]> {
  const client = new pg.Client(await cluster.connectionOptions());
  await client.connect();
  try {
    return (await client.query(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** How many times the server log says a start began with crash recovery. */
function recoveries(logPath: string): number {
  return readFileSync(logPath, 'utf8').split('\n').filter((line) => line.includes('was not properly shut down; automatic recovery in progress')).length;
}

/** Bytes of WAL the server writes while `work` runs. */
async function walWritten(cluster: TemporaryCluster, work: () => Promise<unknown>): Promise<number> {
  const lsn = async () => String((await cluster.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn'))[0]?.lsn);
  const before = await lsn();
  await work();
  const [row] = await cluster.query<{ bytes: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1)::bigint::text AS bytes', [before]);
  return Number(row?.bytes);
}

describe.each(majors)('PostgreSQL $major', ({ major, bindir }) => {
  let installation: Installation;
  beforeAll(async () => {
    installation = await Installation.fromBinDir(bindir);
  });

  it('runs the lifecycle: init with a password and scram, start, settings + reload, restart, stop modes, kill, controlData, drop', async () => {
    expect(installation.versionInfo.major).toBe(major);
    const ws = newWorkspace(installation);
    const { cluster } = ws;
    const password = `pw-${major}`;
    await cluster.init({ user: 'admin', password, authLocal: 'scram-sha-256', authHost: 'scram-sha-256', encoding: 'UTF8', locale: 'C', noSync: true });
    expect(await cluster.initialized()).toBe(true);
    expect(readFileSync(join(ws.dataDirectory, 'PG_VERSION'), 'utf8')).toBe(`${major}\n`);
    expect(await cluster.readyForConnections()).toBeNull();

    const started = await cluster.start({ settings: ws.settings });
    expect(started).toEqual({ pid: started.pid, alreadyRunning: false, logfile: cluster.logPath, detached: false });
    expect(await cluster.running()).toBe(true);
    expect(await cluster.readyForConnections()).toBe(true);
    expect(await cluster.pid()).toBe(started.pid);
    expect(await cluster.connectionOptions()).toEqual({ host: ws.socketDir, socketDirectory: ws.socketDir, port: 5432, user: 'admin', database: 'postgres', password });

    // The server is the binary's: same major, same version string.
    const [version] = await query(cluster, "SELECT current_setting('server_version_num')::int / 10000 AS major, current_setting('server_version') AS version, current_user AS who");
    expect(version).toEqual({ major, version: installation.version.replace(/^PostgreSQL /, ''), who: 'admin' });
    // installation.ssl, read off the binary (no pg_config here), agrees with the server's own ssl_library.
    const [{ ssl_library: sslLibrary } = {}] = await query(cluster, 'SHOW ssl_library');
    expect({ ssl: installation.ssl, library: installation.info.ssl_library }).toEqual({ ssl: sslLibrary === 'OpenSSL', library: sslLibrary });
    // Not trust: initdb set scram-sha-256 for local connections, stored a SCRAM verifier, and a wrong password is refused.
    expect(await query(cluster, "SELECT DISTINCT auth_method FROM pg_hba_file_rules WHERE type = 'local'")).toEqual([{ auth_method: 'scram-sha-256' }]);
    expect(await query(cluster, "SELECT rolpassword LIKE 'SCRAM-SHA-256$%' AS scram FROM pg_authid WHERE rolname = 'admin'")).toEqual([{ scram: true }]);
    const intruder = new pg.Client({ ...(await cluster.connectionOptions()), password: 'wrong' });
    await expect(intruder.connect()).rejects.toMatchObject({ code: '28P01' });
    await intruder.end().catch(() => undefined);

    // settings.set writes postgresql.conf; reload() reports what the server made of it.
    await cluster.settings.set('work_mem', '8MB');
    await cluster.settings.set('max_connections', 42);
    await cluster.settings.set('maintenance_work_mem', 'lots', { allowInvalid: true });
    const reloaded = await cluster.reload();
    // The server marks both lines it did not apply: the invalid value and the one that waits for a restart.
    const confPath = join(ws.dataDirectory, 'postgresql.conf');
    const lineOf = (name: string) => readFileSync(confPath, 'utf8').split('\n').findIndex((text) => text.startsWith(`${name} = `)) + 1;
    const notApplied = (name: string) => ({ sourcefile: confPath, sourceline: lineOf(name), name, error: 'setting could not be applied' });
    expect(reloaded).toEqual({
      pid: started.pid,
      checked: true,
      errors: [notApplied('max_connections'), notApplied('maintenance_work_mem')],
      pendingRestart: ['max_connections'],
      invalid: [
        {
          sourcefile: confPath,
          sourceline: lineOf('maintenance_work_mem'),
          name: 'maintenance_work_mem',
          value: 'lots',
          reason: 'invalid value for parameter "maintenance_work_mem": "lots"',
          allowed: expect.objectContaining({ type: 'integer', unit: 'kB' }),
        },
      ],
    });
    expect(await query(cluster, 'SHOW work_mem')).toEqual([{ work_mem: '8MB' }]);

    // restart with settings: a new postmaster, the file's max_connections, the command line's work_mem.
    await cluster.settings.delete('maintenance_work_mem');
    const restarted = await cluster.restart({ mode: 'fast', settings: { ...ws.settings, work_mem: '16MB' } });
    expect(restarted.pid).not.toBe(started.pid);
    expect(isProcessAlive(started.pid)).toBe(false);
    expect(await query(cluster, "SELECT name, setting, source FROM pg_settings WHERE name IN ('max_connections', 'work_mem') ORDER BY name")).toEqual([
      { name: 'max_connections', setting: '42', source: 'configuration file' },
      { name: 'work_mem', setting: '16384', source: 'command line' },
    ]);
    expect(recoveries(cluster.logPath)).toBe(0);

    // Each stop mode stops the server; only an immediate stop leaves work for crash recovery.
    for (const mode of ['smart', 'fast', 'immediate'] as const) {
      const { pid } = await cluster.start({ settings: ws.settings });
      const stopped = await cluster.stop({ mode });
      expect(stopped).toMatchObject({ wasRunning: true, pid, mode, finalMode: mode, escalations: [], stopped: true, exit: { exitCode: 0, signal: null } });
      expect(isProcessAlive(pid)).toBe(false);
      expect(await cluster.running()).toBe(false);
      expect(await cluster.readyForConnections()).toBeNull();
    }
    expect(recoveries(cluster.logPath)).toBe(0);
    await cluster.start({ settings: ws.settings });
    expect(recoveries(cluster.logPath)).toBe(1);

    // kill(): SIGKILL and no shutdown; the next start recovers what was committed.
    await query(cluster, 'CREATE TABLE kept AS SELECT generate_series(1, 100) AS n');
    const beforeKill = await cluster.pid();
    const killed = await cluster.kill();
    expect(killed).toMatchObject({ wasRunning: true, pid: beforeKill, finalMode: 'kill', exit: { exitCode: null, signal: 'SIGKILL' } });
    expect(await cluster.running()).toBe(false);
    expect((await readPostmasterPid(ws.dataDirectory))?.pid).toBe(beforeKill); // the stale lock file stays
    const recovered = await cluster.start({ settings: ws.settings });
    expect(recovered.pid).not.toBe(beforeKill);
    expect(recoveries(cluster.logPath)).toBe(2);
    expect(await query(cluster, 'SELECT count(*)::int AS n FROM kept')).toEqual([{ n: 100 }]);

    if (major === 15) {
      // pg_controldata agrees with the server's view of its control file, and sees the clean shutdown.
      const [server] = await query(cluster, 'SELECT system_identifier::text AS id, catalog_version_no AS catalog FROM pg_control_system()');
      expect(await cluster.controlData()).toMatchObject({ state: 'in production', systemIdentifier: server?.['id'], catalogVersion: server?.['catalog'] });
      await cluster.shutdown();
      expect((await cluster.controlData()).state).toBe('shut down');
    } else {
      // The npm packages ship no pg_controldata: the typed error says so and where it looked.
      expect(existsSync(join(bindir, 'pg_controldata'))).toBe(false);
      await cluster.shutdown();
      const error = await cluster.controlData().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MissingProgramError);
      expect(error).toMatchObject({ code: 'PROGRAM_MISSING', program: 'pg_controldata', bindir });
    }
    expect(isProcessAlive(recovered.pid)).toBe(false);

    await cluster.drop();
    expect(await cluster.initialized()).toBe(false);
    expect(existsSync(ws.dataDirectory)).toBe(false);
    expect(existsSync(cluster.logPath)).toBe(false);
  });

  it(`createTemporaryCluster and createDatabase (${major >= 15 ? 'STRATEGY FILE_COPY' : 'no STRATEGY before 15'}${major >= 18 ? ', file_copy_method' : ''})`, async () => {
    // By major where discovery finds it without npm aliases (the system 15, the npm optional dependency's 18).
    const byMajor = major === 15 || major === 18;
    const cluster = await createTemporaryCluster(byMajor ? { major, storage } : { installation, storage });
    try {
      expect(cluster.installation.versionInfo.major).toBe(major);
      expect(await cluster.query("SELECT current_setting('server_version_num')::int / 10000 AS major")).toEqual([{ major }]);
      await cluster.query('CREATE TABLE t AS SELECT 1 AS x');
      const [{ size } = { size: 0 }] = await cluster.query<{ size: number }>("SELECT pg_database_size('template1')::int AS size");

      // FILE_COPY (the default) copies the files and WAL-logs a few records; WAL_LOG writes every
      // page of the template into the WAL. Before 15 copying files is the only way.
      let copy: TemporaryDatabase | undefined;
      const fileCopyWal = await walWritten(cluster, async () => {
        copy = await cluster.cloneDatabase();
      });
      expect(fileCopyWal).toBeLessThan(size / 10);
      let walLogged: TemporaryDatabase | undefined;
      const walLogWal = await walWritten(cluster, async () => {
        walLogged = await cluster.createDatabase({ strategy: 'wal_log' });
      });
      if (major >= 15) expect(walLogWal).toBeGreaterThan(size / 2);
      else expect(walLogWal).toBeLessThan(size / 10);
      expect(await copy!.query('SELECT x FROM t')).toEqual([{ x: 1 }]);
      expect(await walLogged!.query("SELECT count(*)::int AS n FROM pg_class WHERE relname = 't'")).toEqual([{ n: 0 }]);

      // file_copy_method exists from 18 on; before, the server refuses the name.
      const method = cluster.createDatabase({ fileCopyMethod: 'copy' });
      if (major >= 18) {
        const copied = await method;
        expect(await copied.query('SELECT current_database() AS db')).toEqual([{ db: copied.name }]);
      } else {
        await expect(method).rejects.toMatchObject({ code: '42704' }); // undefined_object: unrecognized configuration parameter
      }

      await copy!.dispose();
      expect(await cluster.query('SELECT count(*)::int AS n FROM pg_database WHERE datname = $1', [copy!.name])).toEqual([{ n: 0 }]);
    } finally {
      await cluster.dispose();
    }
    const pid = cluster.daemonProcess?.pid;
    expect(pid).toBeTypeOf('number');
    expect(isProcessAlive(pid!)).toBe(false);
  });
});
