// A real Debian cluster, made with postgresql-common's own tools: `pg_createcluster 15 pgctest-<pid>`
// (on a free port), driven through findClusters() and Cluster.fromDebian() (settings, hba, start,
// reload, stop), with pg_lsclusters, pg_conftool and pg_ctlcluster as the oracles, and dropped
// with `pg_dropcluster --stop` afterwards, also when a test fails.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, DebianClusterError, findClusters, isSystemdUnitActive, type FoundCluster } from '../../../src/index.js';
import { processUid } from '../../../src/control/index.js';
import { freePort, isRoot, rejection } from './fixtures.js';

const hasPostgresqlCommon = existsSync('/usr/bin/pg_createcluster') && existsSync('/usr/lib/postgresql/15/bin/postgres');
const name = `pgctest-${process.pid}`;
const confDir = `/etc/postgresql/15/${name}`;
const dataDir = `/var/lib/postgresql/15/${name}`;
const logFile = `/var/log/postgresql/postgresql-15-${name}.log`;
let port = 0;

function run(file: string, args: string[]): string {
  return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** pg_lsclusters' row for our cluster, as its table prints it. */
function lsclusters(): { ver: string; cluster: string; port: string; status: string; owner: string; data: string; log: string } {
  const [ver, cluster, portText, status, owner, data, log] = run('pg_lsclusters', ['-h', '15', name]).trim().split(/\s+/);
  return { ver: ver!, cluster: cluster!, port: portText!, status: status!, owner: owner!, data: data!, log: log! };
}

/** SQL as the cluster's owner, through its socket: Debian's pg_hba lets `postgres` in by peer only. */
function psqlAsOwner(sql: string): string {
  return run('runuser', ['-u', 'postgres', '--', '/usr/lib/postgresql/15/bin/psql', '-h', '/var/run/postgresql', '-p', String(port), '-XAtc', sql, 'postgres']).trim();
}

async function ours(): Promise<FoundCluster> {
  const found = (await findClusters({ sources: ['debian'] })).find((cluster) => cluster.name === name);
  if (found === undefined) throw new Error(`findClusters() did not list ${name}`);
  return found;
}

describe.skipIf(!isRoot || !hasPostgresqlCommon)('a Debian cluster made by pg_createcluster (root only: pg_createcluster writes /etc/postgresql and /var/lib/postgresql)', () => {
  beforeAll(async () => {
    port = await freePort();
    run('pg_createcluster', ['15', name, '-p', String(port)]);
  }, 60_000);
  afterAll(() => {
    // pg_dropcluster --stop stops it (pg_ctlcluster), whoever started it, and removes both folders and the log.
    try {
      run('pg_dropcluster', ['--stop', '15', name]);
    } catch {
      // left for the checks below to report
    }
    expect(existsSync(confDir)).toBe(false);
    expect(existsSync(dataDir)).toBe(false);
  }, 60_000);

  it('findClusters() lists it as pg_lsclusters does', async () => {
    const found = await ours();
    expect(found).toMatchObject({
      source: 'debian',
      name,
      major: 15,
      dataDirectory: dataDir,
      configDirectory: confDir,
      configFile: join(confDir, 'postgresql.conf'),
      port,
      socketDirectory: '/var/run/postgresql',
      owner: 'postgres',
      status: 'down',
      pid: null,
      logFile,
      recovery: false,
      problems: [],
      debian: { version: '15', name, start: 'auto', environment: {}, pgCtlOptions: { settings: {}, timeout: null }, unit: `postgresql@15-${name}`, logFile, externalPidFile: `/var/run/postgresql/15-${name}.pid` },
    });
    expect(found.installation?.paths['bindir']).toBe('/usr/lib/postgresql/15/bin');
    const row = lsclusters();
    expect({ ver: String(found.major), cluster: found.name, port: String(found.port), status: found.status, owner: found.owner, data: found.dataDirectory, log: found.logFile }).toEqual(row);
  });

  it('no systemd here: the default probe says inactive (the refusal itself is tested through the probe seam below)', async () => {
    expect(existsSync('/run/systemd/system')).toBe(false);
    expect(await isSystemdUnitActive(`postgresql@15-${name}`)).toBe(false);
  });

  it('settings, hba, start, reload and stop through Cluster.fromDebian, as pg_ctlcluster would run it', async () => {
    const environmentBefore = readFileSync(join(confDir, 'environment'), 'utf8');
    const pgCtlBefore = readFileSync(join(confDir, 'pg_ctl.conf'), 'utf8');
    writeFileSync(join(confDir, 'environment'), `${environmentBefore}PGCTEST_MARK = 'hello world'\n`);
    writeFileSync(join(confDir, 'pg_ctl.conf'), `pg_ctl_options = '-o -cstatement_timeout=4321'\n`);
    const cluster = await Cluster.fromDebian('15', name);
    expect([cluster.configDirectory, cluster.configFile, cluster.logPath, await cluster.hbaFile(), await cluster.identFile()]).toEqual([
      confDir,
      join(confDir, 'postgresql.conf'),
      logFile,
      join(confDir, 'pg_hba.conf'),
      join(confDir, 'pg_ident.conf'),
    ]);
    expect((await cluster.runAsUser())?.user).toBe('postgres');
    expect(await cluster.initialized()).toBe(true);
    // Settings go into /etc/postgresql/15/<name>/postgresql.conf, as pg_conftool reads it.
    await cluster.settings.update({ work_mem: '5MB' });
    expect(run('pg_conftool', ['15', name, 'show', 'work_mem']).trim()).toBe('work_mem = 5MB');
    const hba = await cluster.hba();
    hba.insert(0, { type: 'local', database: ['pgctestdb'], user: ['all'], method: 'reject' });
    await hba.save();
    expect(readFileSync(join(confDir, 'pg_hba.conf'), 'utf8')).toMatch(/^local\s+pgctestdb\s+all\s+reject$/m);

    try {
      const started = await cluster.start();
      expect(started.alreadyRunning).toBe(false);
      expect(lsclusters().status).toBe('online');
      expect(await ours()).toMatchObject({ status: 'online', pid: started.pid });
      expect(processUid(started.pid)).toBe(Number(run('id', ['-u', 'postgres']).trim()));
      // pg_ctlcluster's environment: the environment file, LANG from lc_messages, the OOM file; not ours.
      const environ = readFileSync(`/proc/${started.pid}/environ`, 'utf8').split('\0');
      // lc_messages is what pg_createcluster took from its own locale (C.UTF-8 in a shell here, C under `env -i`).
      const lcMessages = /^\s*lc_messages\s*=\s*'([^']*)'/m.exec(readFileSync(join(confDir, 'postgresql.conf'), 'utf8'))?.[1];
      expect(lcMessages).toBeDefined();
      expect(environ).toEqual(expect.arrayContaining(['PGCTEST_MARK=hello world', `LANG=${lcMessages}`, 'PG_OOM_ADJUST_FILE=/proc/self/oom_score_adj']));
      expect(environ.some((entry) => entry.startsWith('HOME=') || entry.startsWith('PG_CLUSTER_TEST_RUN='))).toBe(false);
      expect(readFileSync(`/var/run/postgresql/15-${name}.pid`, 'utf8').split('\n')[0]).toBe(String(started.pid));
      // The server read the files in /etc/postgresql, and pg_ctl.conf's -o setting.
      expect(psqlAsOwner("SELECT current_setting('config_file') || ' ' || current_setting('work_mem') || ' ' || current_setting('statement_timeout')")).toBe(`${join(confDir, 'postgresql.conf')} 5MB 4321ms`);
      expect(psqlAsOwner("SELECT count(*) FROM pg_hba_file_rules WHERE 'pgctestdb' = ANY(database)")).toBe('1');
      expect(readFileSync(logFile, 'utf8')).toMatch(/database system is ready to accept connections/);

      // reload(): signalled; its SQL check connects as root, whom `local all postgres peer` does not let in.
      await cluster.settings.update({ work_mem: '6MB' });
      const reload = await cluster.reload();
      expect(reload).toMatchObject({ pid: started.pid, checked: false });
      expect(reload.reason).toMatch(/authentication failed|no pg_hba.conf entry|role "root" does not exist/);
      expect(psqlAsOwner('SHOW work_mem')).toBe('6MB');

      const stopped = await cluster.stop({ mode: 'fast' });
      expect(stopped).toMatchObject({ wasRunning: true, stopped: true, crashed: false });
      expect(lsclusters().status).toBe('down');
    } finally {
      await cluster.stop({ mode: 'immediate' }).catch(() => undefined);
      writeFileSync(join(confDir, 'environment'), environmentBefore);
      writeFileSync(join(confDir, 'pg_ctl.conf'), pgCtlBefore);
    }
  });

  it('stop() stops a server pg_ctlcluster started (a running cluster it did not start); pg_ctl.conf means the same to both', async () => {
    const pgCtlBefore = readFileSync(join(confDir, 'pg_ctl.conf'), 'utf8');
    writeFileSync(join(confDir, 'pg_ctl.conf'), `pg_ctl_options = '-o -cstatement_timeout=4321'\n`);
    run('pg_ctlcluster', ['15', name, 'start']);
    try {
      expect(lsclusters().status).toBe('online');
      expect(psqlAsOwner('SHOW statement_timeout')).toBe('4321ms');
      const cluster = await Cluster.fromDebian('15', name);
      expect(await cluster.running()).toBe(true);
      expect(await cluster.stop({ mode: 'fast' })).toMatchObject({ wasRunning: true, stopped: true });
      expect(lsclusters().status).toBe('down');
    } finally {
      if (lsclusters().status !== 'down') run('pg_ctlcluster', ['15', name, 'stop', '-m', 'immediate']);
      writeFileSync(join(confDir, 'pg_ctl.conf'), pgCtlBefore);
    }
  });

  it('while its systemd unit is active (the probe seam): start and stop refused with SYSTEMD_UNIT_ACTIVE, done with force', async () => {
    const asked: string[] = [];
    const isUnitActive = async (unit: string) => {
      asked.push(unit);
      return true;
    };
    const cluster = await Cluster.fromDebian('15', name, { isUnitActive });
    const error = await rejection(cluster.start());
    expect(error).toBeInstanceOf(DebianClusterError);
    expect(error.code).toBe('SYSTEMD_UNIT_ACTIVE');
    expect(error.message).toContain(`systemctl start postgresql@15-${name}`);
    expect(asked).toEqual([`postgresql@15-${name}`]);
    expect(await cluster.running()).toBe(false);
    const forced = await Cluster.fromDebian('15', name, { isUnitActive, force: true });
    try {
      await forced.start();
      expect(lsclusters().status).toBe('online');
      expect((await rejection(cluster.stop())).code).toBe('SYSTEMD_UNIT_ACTIVE');
      expect(lsclusters().status).toBe('online');
    } finally {
      await forced.stop({ mode: 'fast' });
    }
    expect(lsclusters().status).toBe('down');
  });

  it('a missing run folder is made before the start, owner postgres, mode 2775, as pg_ctlcluster makes /var/run/postgresql (at another path: the real one is in use)', async () => {
    const { mkdtempSync, rmSync, statSync } = await import('node:fs');
    const scratch = mkdtempSync('/tmp/pgct-run-');
    const runDirectory = join(scratch, 'postgresql');
    const cluster = await Cluster.fromDebian('15', name, { runDirectory });
    try {
      await cluster.start();
      const stats = statSync(runDirectory);
      expect({ uid: stats.uid, mode: (stats.mode & 0o7777).toString(8) }).toEqual({ uid: Number(run('id', ['-u', 'postgres']).trim()), mode: '2775' });
    } finally {
      await cluster.stop({ mode: 'fast' });
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('a `log` link the cluster owner planted in /etc/postgresql/<v>/<name> (a folder postgres owns) never makes root write or create a file of root: UNSAFE_LOG_FILE, nothing touched', async () => {
    const { chmodSync, lstatSync, mkdtempSync, rmSync, statSync } = await import('node:fs');
    const scratch = mkdtempSync('/tmp/pgct-victim-'); // root's, 0700: postgres can neither write nor create there
    const victim = join(scratch, 'passwd');
    writeFileSync(victim, 'root:x:0:0::/root:/bin/bash\n');
    chmodSync(victim, 0o644);
    chmodSync(scratch, 0o755);
    const link = join(confDir, 'log');
    const before = statSync(victim);
    try {
      for (const target of [victim, join(scratch, 'ld.so.preload')]) {
        rmSync(link, { force: true });
        run('runuser', ['-u', 'postgres', '--', 'ln', '-s', target, link]); // what the owner can do in its own folder
        const cluster = await Cluster.fromDebian('15', name);
        expect(cluster.logPath).toBe(target);
        const error = await rejection(cluster.start()).finally(() => cluster.stop({ mode: 'fast' }).catch(() => undefined));
        expect(error).toBeInstanceOf(DebianClusterError);
        expect(error.code).toBe('UNSAFE_LOG_FILE');
        expect(await cluster.running()).toBe(false);
      }
      expect(readFileSync(victim, 'utf8')).toBe('root:x:0:0::/root:/bin/bash\n');
      expect(statSync(victim)).toMatchObject({ uid: 0, size: before.size, mode: before.mode });
      expect(existsSync(join(scratch, 'ld.so.preload'))).toBe(false);
      // A link to a file the owner has (its own log elsewhere) is honoured: the server writes there.
      const own = join(dataDir, 'own.log');
      rmSync(link, { force: true });
      run('runuser', ['-u', 'postgres', '--', 'ln', '-s', own, link]);
      const cluster = await Cluster.fromDebian('15', name);
      try {
        await cluster.start();
        expect(lstatSync(own).uid).toBe(Number(run('id', ['-u', 'postgres']).trim()));
      } finally {
        await cluster.stop({ mode: 'fast' });
        rmSync(own, { force: true });
      }
    } finally {
      rmSync(link, { force: true });
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('an `environment` file (the owner\'s) naming a dynamic-loader variable such as LD_PRELOAD: UNSAFE_ENVIRONMENT as root, and nothing loaded into a process of root (setpriv runs as root with that environment)', async () => {
    const { chmodSync, mkdtempSync, rmSync } = await import('node:fs');
    const scratch = mkdtempSync('/tmp/pgct-preload-');
    chmodSync(scratch, 0o1777);
    const library = join(scratch, 'mark.so');
    // A library that leaves `uid-<uid>` behind in every process that loads it (when a C compiler is there to build it).
    const source = join(scratch, 'mark.c');
    writeFileSync(source, `#include <stdio.h>\n#include <unistd.h>\n__attribute__((constructor)) static void mark(void) { char p[256]; snprintf(p, sizeof p, "${scratch}/uid-%d", (int)getuid()); FILE *f = fopen(p, "a"); if (f) fclose(f); }\n`);
    const hasCompiler = (() => {
      try {
        run('cc', ['-shared', '-fPIC', '-o', library, source]);
        return true;
      } catch {
        writeFileSync(library, '');
        return false;
      }
    })();
    chmodSync(library, 0o755);
    const environment = join(confDir, 'environment');
    const before = readFileSync(environment, 'utf8');
    writeFileSync(environment, `${before}LD_PRELOAD = '${library}'\n`);
    try {
      const cluster = await Cluster.fromDebian('15', name);
      const error = await rejection(cluster.start()).finally(() => cluster.stop({ mode: 'fast' }).catch(() => undefined));
      expect(error).toBeInstanceOf(DebianClusterError);
      expect(error.code).toBe('UNSAFE_ENVIRONMENT');
      expect(error.message).toContain('LD_PRELOAD');
      expect(await cluster.running()).toBe(false);
      if (hasCompiler) expect(existsSync(join(scratch, 'uid-0'))).toBe(false);
    } finally {
      writeFileSync(environment, before);
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('start.conf `disabled`: CLUSTER_DISABLED, as pg_ctlcluster refuses', async () => {
    const startConf = join(confDir, 'start.conf');
    const before = readFileSync(startConf, 'utf8');
    writeFileSync(startConf, before.replace(/^auto$/m, 'disabled'));
    try {
      const cluster = await Cluster.fromDebian('15', name);
      expect((await rejection(cluster.start())).code).toBe('CLUSTER_DISABLED');
      expect(await cluster.running()).toBe(false);
    } finally {
      writeFileSync(startConf, before);
    }
  });

  it('drop() refuses a cluster pg-cluster did not create (DROP_NOT_OURS): pg_dropcluster is its tool', async () => {
    const cluster = await Cluster.fromDebian('15', name);
    expect((await rejection(cluster.drop())).code).toBe('DROP_NOT_OURS');
    expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true);
  });

  it('Cluster.fromDebian of a cluster that does not exist: CLUSTER_NOT_FOUND', async () => {
    expect((await rejection(Cluster.fromDebian('15', 'no-such-cluster'))).code).toBe('CLUSTER_NOT_FOUND');
  });
});
