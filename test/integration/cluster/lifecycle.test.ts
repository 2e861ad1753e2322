import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { MissingProgramError, childPids, isProcessAlive, readPostmasterPid } from '../../../src/control/index.js';
import type { ClusterEvent, ClusterInstallation } from '../../../src/cluster/index.js';
import { npmInstallation, quickInit, systemInstallation, workspace, type Workspace } from './fixtures.js';

async function query(ws: Workspace, sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client(await ws.cluster.connectionOptions());
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

const installations: Array<[string, () => ClusterInstallation, number]> = [
  ['system 15', systemInstallation, 15],
  ['npm 13', () => npmInstallation(13), 13],
  ['npm 17', () => npmInstallation(17), 17],
  ['npm 18', () => npmInstallation(18), 18],
];

describe.each(installations)('lifecycle on PostgreSQL %s', (_name, installation, major) => {
  let ws: Workspace;
  afterEach(async () => ws?.cleanup());

  it('init, start, query, reload, restart, stop, start after a kill (crash recovery), drop', async () => {
    const events: ClusterEvent[] = [];
    ws = workspace(installation(), { log: (event) => events.push(event), serverLog: true });
    const { cluster } = ws;
    expect(await cluster.initialized()).toBe(false);
    await cluster.init(quickInit);
    expect(await cluster.initialized()).toBe(true);

    const started = await cluster.start({ settings: ws.settings });
    expect(started).toMatchObject({ alreadyRunning: false, logfile: `${ws.dataDirectory}.log` });
    // The log file is the server user's, as the data directory is (as root: not root's).
    expect(statSync(`${ws.dataDirectory}.log`).uid).toBe(statSync(ws.dataDirectory).uid);
    expect(await cluster.running()).toBe(true);
    expect(await cluster.readyForConnections()).toBe(true);
    expect(await cluster.pid()).toBe(started.pid);
    expect(cluster.daemonProcess?.pid).toBe(started.pid);
    expect((await readPostmasterPid(ws.dataDirectory))?.status).toBe('ready');
    expect(await cluster.connectionOptions()).toEqual({
      host: ws.socketDir,
      socketDirectory: ws.socketDir,
      port: 5432,
      user: 'postgres',
      database: 'postgres',
    });
    const [row] = await query(ws, "select current_setting('server_version_num')::int / 10000 as major, current_setting('lc_messages') as lc");
    expect(row).toEqual({ major, lc: 'C' });

    // A second start is a no-op that says so.
    expect(await cluster.start({ settings: ws.settings })).toEqual({ pid: started.pid, alreadyRunning: true, logfile: `${ws.dataDirectory}.log`, detached: false });

    // reload reports a setting that needs a restart, and an invalid line.
    const confPath = join(ws.dataDirectory, 'postgresql.conf');
    appendFileSync(confPath, "\nmax_connections = 42\nwork_mem = 'lots'\n");
    const reloaded = await cluster.reload();
    expect(reloaded.checked).toBe(true);
    expect(reloaded.pendingRestart).toContain('max_connections');
    expect(reloaded.errors).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'work_mem' })]));

    // PostgreSQL refuses to start with an invalid value in postgresql.conf: repair it first.
    writeFileSync(confPath, readFileSync(confPath, 'utf8').replace("work_mem = 'lots'", ''));
    const restarted = await cluster.restart();
    expect(restarted.pid).not.toBe(started.pid);
    expect(isProcessAlive(started.pid)).toBe(false);
    expect(await query(ws, 'show max_connections')).toEqual([{ max_connections: '42' }]);

    const stopped = await cluster.stop();
    expect(stopped).toMatchObject({ wasRunning: true, mode: 'smart', finalMode: 'smart', escalations: [], stopped: true, exit: { exitCode: 0, signal: null } });
    expect(isProcessAlive(restarted.pid)).toBe(false);
    expect(await cluster.readyForConnections()).toBeNull();
    expect(await cluster.stop()).toMatchObject({ wasRunning: false });

    // kill(): SIGKILL, no shutdown; the next start recovers.
    const again = await cluster.start({ settings: ws.settings });
    const children = childPids(again.pid);
    expect(children.length).toBeGreaterThan(0);
    const killed = await cluster.kill();
    expect(children.filter(isProcessAlive)).toEqual([]);
    expect(killed).toMatchObject({ wasRunning: true, finalMode: 'kill', exit: { signal: 'SIGKILL' } });
    expect(isProcessAlive(again.pid)).toBe(false);
    expect(await cluster.running()).toBe(false);
    expect(await readPostmasterPid(ws.dataDirectory)).not.toBeNull(); // the stale lock file stays
    const recovered = await cluster.start({ settings: ws.settings });
    expect(await query(ws, 'select 1 as ok')).toEqual([{ ok: 1 }]);
    if (major === 15) {
      // pg_controldata agrees with the server's own view of its control file.
      const [server] = await query(
        ws,
        'select s.system_identifier::text as id, s.pg_control_version as control, s.catalog_version_no as catalog, c.checkpoint_lsn::text as lsn, c.timeline_id as timeline from pg_control_system() s, pg_control_checkpoint() c',
      );
      expect(await cluster.controlData()).toMatchObject({
        state: 'in production',
        systemIdentifier: server?.['id'],
        pgControlVersion: server?.['control'],
        catalogVersion: server?.['catalog'],
        checkpointLsn: server?.['lsn'],
        timeline: server?.['timeline'],
      });
    }
    await cluster.shutdown();
    expect(isProcessAlive(recovered.pid)).toBe(false);

    if (major === 15) {
      expect((await cluster.controlData()).state).toBe('shut down');
    } else {
      // The npm binaries have no pg_controldata: a clear error naming it and where it was looked for.
      const error = await cluster.controlData().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MissingProgramError);
      expect(error).toMatchObject({ code: 'PROGRAM_MISSING', program: 'pg_controldata', bindir: cluster.installation.paths['bindir'] });
      expect((error as Error).message).toContain('has no `pg_controldata`');
    }

    await cluster.drop();
    expect(await cluster.initialized()).toBe(false);
    // With serverLog, the server's own lines arrive as events too (followed from the log file).
    expect(events.some((event) => event.type === 'server-log' && event.message.includes('database system is ready to accept connections'))).toBe(true);
    expect(events.map((event) => event.type)).toEqual(expect.arrayContaining(['init', 'initialized', 'spawn', 'ready', 'signal', 'stop', 'exit', 'reload', 'drop', 'server-log']));
  });
});
