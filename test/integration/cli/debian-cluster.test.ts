// The commands on a Debian cluster that postgresql-common made (pg_createcluster), driven as
// <major>/<name>: clusters (against pg_lsclusters), status, start (detached), conf, hba, reload,
// stop, drop refusing it; pg_dropcluster removes it. Root only: pg_createcluster makes
// /etc/postgresql/<major>/<name> and /var/lib/postgresql/<major>/<name>.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isProcessAlive } from '../../../src/control/index.js';
import { findFreePort } from '../../../src/throwaway/index.js';
import { useCompiledCli } from '../throwaway/compile-throwaway.js';

const run = promisify(execFile);
const mainJs = useCompiledCli();
const name = 'pgcclitest';
const spec = `15/${name}`;
const canRun = process.getuid?.() === 0 && existsSync('/usr/bin/pg_createcluster');
let port = 0;

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [mainJs(), ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe.skipIf(!canRun)('pg-cluster on a Debian cluster (root only: pg_createcluster needs root)', () => {
  beforeAll(async () => {
    await run('pg_dropcluster', ['--stop', '15', name]).catch(() => undefined);
    port = await findFreePort();
    await run('pg_createcluster', ['15', name, '-p', String(port), '--', '--no-sync']);
  }, 60_000);
  afterAll(async () => {
    await run('pg_dropcluster', ['--stop', '15', name]).catch(() => undefined);
  }, 60_000);

  it('clusters lists it as pg_lsclusters does', async () => {
    const { stdout } = await run('pg_lsclusters', ['-h']);
    const row = stdout.split('\n').find((line) => line.split(/\s+/)[1] === name)!.split(/\s+/);
    const listed = await cli(['clusters', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const found = (JSON.parse(listed.stdout) as Array<{ name: string; major: number; port: number; status: string; owner: string; dataDirectory: string; logFile: string; source: string }>).find((cluster) => cluster.name === name)!;
    expect([String(found.major), found.name, String(found.port), found.status, found.owner, found.dataDirectory, found.logFile]).toEqual(row.slice(0, 7));
    const table = await cli(['clusters']);
    expect(table.stdout).toMatch(new RegExp(`^15 +${name} +${port} +down +postgres +/var/lib/postgresql/15/${name} +/var/log/postgresql/postgresql-15-${name}\\.log +debian$`, 'm'));
  });

  it('status, start (left running), conf, hba, reload, stop', async () => {
    const down = await cli(['status', spec, '--json']);
    expect(JSON.parse(down.stdout)).toEqual({
      status: 'down',
      pid: null,
      port,
      socketDirectory: '/var/run/postgresql',
      dataDirectory: `/var/lib/postgresql/15/${name}`,
      configDirectory: `/etc/postgresql/15/${name}`,
      logFile: `/var/log/postgresql/postgresql-15-${name}.log`,
      version: '15',
    });
    const started = await cli(['start', spec]);
    expect(started.code, started.stderr).toBe(0);
    const { stdout: lsOnline } = await run('pg_lsclusters', ['-h']);
    expect(lsOnline).toMatch(new RegExp(`^15 +${name} +${port} +online `, 'm'));
    const online = JSON.parse((await cli(['status', spec, '--json'])).stdout) as { status: string; pid: number };
    expect(online.status).toBe('online');
    expect(isProcessAlive(online.pid)).toBe(true);
    // The server runs as the owner, as pg_ctlcluster runs it.
    expect((await run('ps', ['-o', 'user=', '-p', String(online.pid)])).stdout.trim()).toBe('postgres');

    const set = await cli(['conf', spec, 'set', 'work_mem', '12MB']);
    expect(set.stdout).toBe(`set work_mem in /etc/postgresql/15/${name}/postgresql.conf\n  a reload applies: work_mem (pg-cluster reload ${spec})\n`);
    const { stdout: conftool } = await run('pg_conftool', ['15', name, 'show', 'work_mem']);
    expect(conftool.trim()).toBe('work_mem = 12MB');
    const reloaded = await cli(['reload', spec, '--json']);
    expect(reloaded.code, reloaded.stderr).toBe(0);
    // The reload's SQL check connects as this process's OS user (root), whom Debian's
    // `local all postgres peer` lets in as nobody: the report says it was not checked, and why.
    expect(JSON.parse(reloaded.stdout)).toMatchObject({ checked: false, errors: [], reason: expect.stringMatching(/Peer authentication failed for user "postgres"/) });
    expect((await cli(['reload', spec])).stdout).toMatch(/^15\/pgcclitest: reloaded \(pid \d+\)\n  not checked: could not connect: Peer authentication failed for user "postgres"\n$/);
    const { stdout: shown } = await run('su', ['postgres', '-c', `psql -XAtc 'SHOW work_mem' -p ${port}`]);
    expect(shown.trim()).toBe('12MB');

    const rules = JSON.parse((await cli(['hba', spec, 'list', '--json'])).stdout) as Array<{ rule: string }>;
    expect(rules[0]!.rule).toMatch(/^local\s+all\s+postgres\s+peer$/);
    const match = await cli(['hba', spec, 'match', '--type', 'local', '--database', 'postgres', '--user', 'postgres']);
    expect(match.stdout).toMatch(/^line \d+: local\s+all\s+postgres\s+peer\n$/);

    const stopped = await cli(['stop', spec]);
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(isProcessAlive(online.pid)).toBe(false);
    const { stdout: lsDown } = await run('pg_lsclusters', ['-h']);
    expect(lsDown).toMatch(new RegExp(`^15 +${name} +${port} +down `, 'm'));
  });

  it('drop refuses a cluster pg-cluster did not make; a missing one is status 3', async () => {
    const refused = await cli(['drop', spec]);
    expect(refused.code).toBe(1);
    expect(existsSync(`/var/lib/postgresql/15/${name}/PG_VERSION`)).toBe(true);
    expect((await cli(['status', '15/pgcclinosuch'])).code).toBe(3);
  });
});
