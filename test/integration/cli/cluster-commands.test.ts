// pg-cluster create, start, stop, restart, reload, status, conf, hba and drop through the
// compiled command, on real clusters: a named one in $XDG_DATA_HOME/pg-cluster/clusters and one
// given by a relative path. start leaves the server running after the command exits (detached);
// every server a test starts is stopped in afterAll, also when a test fails. The folder is not
// under /tmp/pgct-*: test/global-setup.ts of any other run that ends meanwhile SIGKILLs an orphaned
// server (parent PID 1, as a detached one is) whose working directory is there. This run's own
// guard still knows these servers by its marker in their environment.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { isProcessAlive, readPostmasterPid } from '../../../src/control/index.js';
import { findFreePort } from '../../../src/throwaway/index.js';
import { useCompiledCli } from '../throwaway/compile-throwaway.js';

const run = promisify(execFile);
const mainJs = useCompiledCli();
const work = mkdtempSync('/tmp/pgcluster-clicmd-');
chmodSync(work, 0o755);
const dataHome = join(work, 'xdg');
const named = join(dataHome, 'pg-cluster', 'clusters', 'app');
const env = { ...process.env, XDG_DATA_HOME: dataHome, PG_CONFIG: '/usr/lib/postgresql/15/bin/pg_config' };
const isRoot = process.getuid?.() === 0;

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], cwd = work): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, [mainJs(), ...args], { env, cwd });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

async function json<T>(args: string[], cwd = work): Promise<T> {
  const outcome = await cli([...args, '--json'], cwd);
  expect(outcome.code, outcome.stderr).toBe(0);
  return JSON.parse(outcome.stdout) as T;
}

afterAll(async () => {
  // Whatever a failed test left running: stop it through the lock file's pid.
  for (const data of [named, join(work, 'rel', 'data'), join(work, 'foreign')]) {
    const lock = await readPostmasterPid(data).catch(() => null);
    if (lock !== null && isProcessAlive(lock.pid)) {
      process.kill(lock.pid, 'SIGQUIT');
      while (isProcessAlive(lock.pid)) await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  rmSync(work, { recursive: true, force: true });
});

interface Status {
  status: 'online' | 'down';
  pid: number | null;
  port: number;
  socketDirectory: string | null;
  dataDirectory: string;
  configDirectory: string | null;
  logFile: string;
  version: string;
}

describe.sequential('pg-cluster cluster commands', () => {
  let port = 0;

  it('create <name> makes a persistent cluster in $XDG_DATA_HOME/pg-cluster/clusters with --port and --set written', async () => {
    port = await findFreePort();
    const created = await json<Status>(['create', 'app', '--port', String(port), '--set', 'work_mem=8MB', '-c', "log_line_prefix=%m [%p] "]);
    expect(created).toEqual({
      status: 'down',
      pid: null,
      port,
      socketDirectory: expect.any(String),
      dataDirectory: named,
      configDirectory: null,
      logFile: `${named}.log`,
      version: '15',
    });
    expect(readFileSync(join(named, 'PG_VERSION'), 'utf8').trim()).toBe('15');
    const got = await cli(['conf', 'app', 'get', 'work_mem', 'port', 'log_line_prefix']);
    expect(got).toEqual({ code: 0, stdout: `work_mem = 8MB\nport = ${port}\nlog_line_prefix = %m [%p] \n`, stderr: '' });
  });

  it('create refuses, before anything is made, a setting the server does not know or a value it refuses (exit 2), and an existing cluster (exit 1)', async () => {
    const unknown = await cli(['create', 'other', '--set', 'wrok_mem=1MB']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('pg-cluster: the server would refuse these settings, nothing was created:\n  wrok_mem: unknown setting (did you mean work_mem?)\nRun `pg-cluster create --help` for usage.\n');
    const invalid = await cli(['create', 'other', '--set', 'shared_buffers=plenty']);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('shared_buffers: invalid value for parameter "shared_buffers": "plenty"');
    expect(existsSync(join(dataHome, 'pg-cluster', 'clusters', 'other'))).toBe(false);
    const again = await cli(['create', 'app']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^pg-cluster: .*app.*\[\w+\]\n$/s);
  });

  it('status of a down cluster: `down`, exit 0; of no cluster: exit 3', async () => {
    const down = await cli(['status', 'app']);
    expect(down.code).toBe(0);
    expect(down.stdout.split('\n').slice(0, 3)).toEqual(['down', '  pid:              -', `  port:             ${port}`]);
    expect(down.stdout).toContain(`  data directory:   ${named}\n  log file:         ${named}.log\n  version:          15\n`);
    const missing = await cli(['status', 'nope']);
    expect(missing.code).toBe(3);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toBe(`pg-cluster: No cluster \`nope\`: ${join(dataHome, 'pg-cluster', 'clusters', 'nope')} is no data directory (no PG_VERSION) [NO_SUCH_CLUSTER]\n`);
    expect((await cli(['status', './no/such/dir', '--json'])).code).toBe(3);
  });

  it('start leaves the server running after the command has exited (detached); status says online with pid, port and socket', async () => {
    const started = await cli(['start', 'app']);
    expect(started.code, started.stderr).toBe(0);
    const pid = Number(/\(pid (\d+)\)/.exec(started.stdout)![1]);
    expect(started.stdout).toBe(`app: started (pid ${pid}), port ${port}, log ${named}.log\n`);
    // The command is gone; the server is not.
    expect(isProcessAlive(pid)).toBe(true);
    const status = await json<Status>(['status', 'app']);
    expect(status).toMatchObject({ status: 'online', pid, port, dataDirectory: named, logFile: `${named}.log`, version: '15' });
    expect(Object.keys(status).sort()).toEqual(['configDirectory', 'dataDirectory', 'logFile', 'pid', 'port', 'socketDirectory', 'status', 'version']);
    const { stdout } = await run('psql', ['-XAtc', 'SELECT current_setting($$work_mem$$)', '-h', status.socketDirectory!, '-p', String(port), '-U', isRoot ? 'postgres' : process.env['USER'] ?? 'pgcluster-ci', 'postgres']);
    expect(stdout.trim()).toBe('8MB');
    const again = await cli(['start', 'app']);
    expect(again).toMatchObject({ code: 0, stdout: `app: already running (pid ${pid}), port ${port}, log ${named}.log\n` });
  });

  it('conf set checks names and values, writes, and says what a reload or a restart applies; get, unset, show', async () => {
    const set = await cli(['conf', 'app', 'set', 'work_mem', '16MB', 'shared_buffers', '64MB']);
    expect(set).toEqual({
      code: 0,
      stdout: `set work_mem, shared_buffers in ${named}/postgresql.conf\n  a reload applies: work_mem (pg-cluster reload app)\n  a restart applies: shared_buffers (pg-cluster restart app)\n`,
      stderr: '',
    });
    const refused = await cli(['conf', 'app', 'set', 'work_mem', 'lots', 'wrok_mem', '1MB']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `pg-cluster: the server would refuse these settings, nothing was written to ${named}/postgresql.conf:\n  wrok_mem: unknown setting (did you mean work_mem?)\n  work_mem: invalid value for parameter "work_mem": "lots"\n`,
    );
    const both = await cli(['conf', 'app', 'get', 'work_mem', 'temp_buffers', '--json']);
    expect(both.code).toBe(1);
    expect(JSON.parse(both.stdout)).toEqual({ work_mem: '16MB', temp_buffers: null });
    const missing = await cli(['conf', 'app', 'get', 'temp_buffers']);
    expect(missing).toEqual({ code: 1, stdout: '', stderr: `pg-cluster: temp_buffers is not set in ${named}/postgresql.conf\n` });
    const shown = await json<Record<string, string>>(['conf', 'app', 'show']);
    expect(shown).toMatchObject({ work_mem: '16MB', shared_buffers: '64MB', port: String(port) });
    expect((await cli(['conf', 'app'])).stdout).toContain('work_mem = 16MB\n');
  });

  it('reload reports what needs a restart and exits 0; the reload applied work_mem', async () => {
    const reloaded = await cli(['reload', 'app']);
    expect(reloaded.code, reloaded.stderr).toBe(0);
    expect(reloaded.stdout).toMatch(/^app: reloaded \(pid \d+\)\n(  not checked: .*\n)?  needs a restart: shared_buffers\n$|^app: reloaded \(pid \d+\)\n  not checked: .*\n$/);
    const report = await json<{ checked: boolean; pendingRestart: string[] }>(['reload', 'app']);
    // As root the superuser connection goes through the server user's peer map; either way it is checked here.
    expect(report).toMatchObject({ checked: true, pendingRestart: ['shared_buffers'] });
    const unset = await cli(['conf', 'app', 'unset', 'shared_buffers']);
    expect(unset.stdout).toBe(`unset shared_buffers in ${named}/postgresql.conf\n  a restart applies: shared_buffers (pg-cluster restart app)\n`);
  });

  it('hba list, add --before/--after, match (line N: rule / no rule matches, exit 1), remove', async () => {
    const rules = await json<Array<{ line: number; rule: string; type: string }>>(['hba', 'app', 'list']);
    expect(rules.length).toBeGreaterThan(2);
    const firstHost = rules.find((rule) => rule.type === 'host')!;
    const added = await cli(['hba', 'app', 'add', 'host', 'app', 'app', '10.1.0.0/16', 'scram-sha-256', '--before', String(firstHost.line)]);
    expect(added.code, added.stderr).toBe(0);
    const addedLine = Number(/^added line (\d+): /.exec(added.stdout)![1]);
    expect(added.stdout).toBe(`added line ${addedLine}: host app app 10.1.0.0/16 scram-sha-256\n  a reload applies it (pg-cluster reload app)\n`);
    const match = await cli(['hba', 'app', 'match', '--type', 'host', '--database', 'app', '--user', 'app', '--address', '10.1.2.3']);
    expect(match).toEqual({ code: 0, stdout: `line ${addedLine}: host app app 10.1.0.0/16 scram-sha-256\n`, stderr: '' });
    expect(await json(['hba', 'app', 'match', '--type', 'host', '--database', 'app', '--user', 'app', '--address', '10.1.2.3'])).toEqual({ line: addedLine, rule: 'host app app 10.1.0.0/16 scram-sha-256' });
    const none = await cli(['hba', 'app', 'match', '--type', 'host', '--database', 'x', '--user', 'y', '--address', '192.0.2.1']);
    expect(none).toEqual({ code: 1, stdout: 'no rule matches\n', stderr: '' });
    const after = await cli(['hba', 'app', 'add', 'hostssl all all 0.0.0.0/0 reject', '--after', String(addedLine)]);
    expect(after.stdout).toMatch(new RegExp(`^added line ${addedLine + 1}: hostssl all all 0.0.0.0/0 reject\\n`));
    // The server reads it as we do: pg_hba_file_rules after a reload has no errors.
    const reloaded = await cli(['reload', 'app']);
    expect(reloaded.code, reloaded.stdout + reloaded.stderr).toBe(0);
    const removed = await cli(['hba', 'app', 'remove', String(addedLine)]);
    expect(removed.stdout).toBe(`removed line ${addedLine}: host app app 10.1.0.0/16 scram-sha-256\n  a reload applies it (pg-cluster reload app)\n`);
    expect((await json<Array<{ rule: string }>>(['hba', 'app', 'list'])).map((rule) => rule.rule)).not.toContain('host app app 10.1.0.0/16 scram-sha-256');
  });

  it('hba mistakes are usage errors (exit 2) and change nothing', async () => {
    const before = readFileSync(join(named, 'pg_hba.conf'), 'utf8');
    const cases: Array<[string[], string]> = [
      [['hba', 'app', 'add', 'host', 'all', 'all', '10.0.0.0/8', 'nosuchmethod'], 'pg-cluster: add: the server would reject `host all all 10.0.0.0/8 nosuchmethod`: invalid authentication method "nosuchmethod"'],
      [['hba', 'app', 'add', 'host all all 10.0.0.0/8 trust', '--before', '1', '--after', '1'], 'pg-cluster: --before and --after exclude each other'],
      [['hba', 'app', 'add', 'host all all 10.0.0.0/8 trust', '--before', '1'], 'pg-cluster: no rule on line 1 (pg-cluster hba <cluster> list shows the lines)'],
      [['hba', 'app', 'remove', 'x'], 'pg-cluster: remove expects a line number, got `x`'],
      [['hba', 'app', 'remove', '1'], 'pg-cluster: no rule on line 1 (pg-cluster hba <cluster> list shows the lines)'],
      [['hba', 'app', 'match', '--database', 'd', '--user', 'u'], 'pg-cluster: match expects --type local, host, hostssl or hostgssenc, got none'],
      [['hba', 'app', 'match', '--type', 'host', '--database', 'd', '--user', 'u'], "pg-cluster: match --type host expects --address (the client's IP address)"],
      [['hba', 'app', 'list', '--before', '3'], 'pg-cluster: --before does not go with list'],
      [['hba', 'app', 'frob'], 'pg-cluster: expects list, add, remove or match after the cluster, got `frob`'],
    ];
    for (const [args, message] of cases) {
      const outcome = await cli(args);
      expect(outcome, args.join(' ')).toEqual({ code: 2, stdout: '', stderr: `${message}\nRun \`pg-cluster hba --help\` for usage.\n` });
    }
    expect(readFileSync(join(named, 'pg_hba.conf'), 'utf8')).toBe(before);
  });

  it('restart starts a new server, detached; stop stops it (fast by default), and again says it was not running', async () => {
    const before = (await json<Status>(['status', 'app'])).pid!;
    const restarted = await cli(['restart', 'app']);
    expect(restarted.code, restarted.stderr).toBe(0);
    const after = (await json<Status>(['status', 'app'])).pid!;
    expect(after).not.toBe(before);
    expect(isProcessAlive(before)).toBe(false);
    expect(isProcessAlive(after)).toBe(true);
    const stopped = await cli(['stop', 'app']);
    expect(stopped.stdout).toMatch(new RegExp(`^app: stopped \\(pid ${after}, fast shutdown, \\d+ ms\\)\\n$`));
    expect(isProcessAlive(after)).toBe(false);
    expect(await cli(['stop', 'app'])).toEqual({ code: 0, stdout: 'app: was not running\n', stderr: '' });
    expect(await json<{ wasRunning: boolean }>(['stop', 'app'])).toMatchObject({ wasRunning: false });
  });

  it('a path with a / is a data directory, relative to the working directory: create --start, status, stop --mode immediate, drop', async () => {
    mkdirSync(join(work, 'rel'));
    const relPort = await findFreePort({ exclude: new Set([port]) });
    const created = await cli(['create', './data', '--port', String(relPort), '--start'], join(work, 'rel'));
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(new RegExp(`^\\./data: created ${join(work, 'rel', 'data')} \\(PostgreSQL 15[^\\n]*\\)\\n(  socket directory [^\\n]*\\n)?  started \\(pid \\d+\\), port ${relPort}, log ${join(work, 'rel', 'data')}\\.log\\n$`));
    const status = await json<Status>(['status', join(work, 'rel', 'data')]);
    expect(status).toMatchObject({ status: 'online', port: relPort, dataDirectory: join(work, 'rel', 'data') });
    const stopped = await json<{ finalMode: string; wasRunning: boolean }>(['stop', 'rel/data', '--mode', 'immediate']);
    expect(stopped).toMatchObject({ wasRunning: true, finalMode: 'immediate' });
    expect(isProcessAlive(status.pid!)).toBe(false);
    const dropped = await cli(['drop', './rel/data']);
    expect(dropped).toEqual({ code: 0, stdout: `./rel/data: dropped\n  removed ${join(work, 'rel', 'data')}\n  removed ${join(work, 'rel', 'data')}.log\n`, stderr: '' });
    expect(existsSync(join(work, 'rel', 'data'))).toBe(false);
  });

  it('drop refuses a cluster pg-cluster did not create unless --force', async () => {
    // A cluster made by initdb itself, without pg-cluster's marker.
    const foreign = join(work, 'foreign');
    const initdb = '/usr/lib/postgresql/15/bin/initdb';
    if (isRoot) {
      mkdirSync(foreign, { mode: 0o700 });
      await run('chown', ['postgres:postgres', foreign]);
      await run('setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', initdb, '-D', foreign, '--no-sync', '-A', 'trust']);
    } else {
      await run(initdb, ['-D', foreign, '--no-sync', '-A', 'trust']);
    }
    const refused = await cli(['drop', foreign]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^pg-cluster: .*--force|force.*\[\w+\]\n$/s);
    expect(existsSync(join(foreign, 'PG_VERSION'))).toBe(true);
    expect((await cli(['drop', foreign, '--force'])).code).toBe(0);
    expect(existsSync(foreign)).toBe(false);
  });

  it('drop <name> stops nothing left and removes it; then it is no cluster (drop exit 1, status exit 3)', async () => {
    const dropped = await cli(['drop', 'app']);
    expect(dropped).toEqual({ code: 0, stdout: `app: dropped\n  removed ${named}\n  removed ${named}.log\n`, stderr: '' });
    expect((await cli(['drop', 'app'])).code).toBe(1);
    expect((await cli(['status', 'app'])).code).toBe(3);
  });

  it('mistakes on the command line exit 2 with the message on stderr and nothing on stdout', async () => {
    const cases: Array<[string[], string, string]> = [
      [['start'], 'start', 'expects a <cluster> (<cluster> is <major>/<name> (a Debian cluster), a data directory path (with a /), or a name of ours)'],
      [['start', 'a', 'b'], 'start', 'takes one <cluster>, got also `b`'],
      [['stop', 'app', '--mode', 'gentle'], 'stop', '--mode expects smart, fast or immediate, got `gentle`'],
      [['stop', 'app', '--timeout', '-1'], 'stop', "Option '--timeout' argument is ambiguous"],
      [['stop', 'app', '--timeout=-1'], 'stop', '--timeout expects a positive integer, got `-1`'],
      [['restart', 'app', '--timeout', 'soon'], 'restart', '--timeout expects a positive integer, got `soon`'],
      [['status', 'a b'], 'status', '`a b` is no cluster name (letters, digits, _ . -, not starting with . or -, at most 64) and no path (a path contains a /: ./a b)'],
      [['create'], 'create', 'expects a directory (a path with a /) or a name for the new cluster'],
      [['create', 'x', '--port', '70000'], 'create', '--port expects a port from 1 to 65535, got `70000`'],
      [['create', 'x', '--set', 'novalue'], 'create', '--set expects name=value, got `novalue`'],
      [['create', 'x', '--password-file', '/nonexistent/pw'], 'create', '--password-file cannot read /nonexistent/pw (ENOENT)'],
      [['conf', 'app', 'set', 'work_mem'], 'conf', 'set expects pairs of a setting name and its value: set work_mem 64MB [name value]...'],
      [['conf', 'app', 'get'], 'conf', 'get expects one or more setting names'],
      [['conf', 'app', 'show', 'x'], 'conf', 'show takes no names (get does), got `x`'],
      [['conf', 'app', 'edit'], 'conf', 'expects show, get, set or unset after the cluster, got `edit`'],
      [['drop', 'app', '--frobnicate'], 'drop', "Unknown option '--frobnicate'"],
    ];
    for (const [args, command, message] of cases) {
      const outcome = await cli(args);
      expect(outcome, args.join(' ')).toEqual({ code: 2, stdout: '', stderr: `pg-cluster: ${message}\nRun \`pg-cluster ${command} --help\` for usage.\n` });
    }
    expect(existsSync(join(dataHome, 'pg-cluster', 'clusters', 'x'))).toBe(false);
  });

  it('--version and -V print the package version; --json too', async () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(await cli(['--version'])).toEqual({ code: 0, stdout: `pg-cluster ${version}\n`, stderr: '' });
    expect(await cli(['-V'])).toEqual({ code: 0, stdout: `pg-cluster ${version}\n`, stderr: '' });
    expect(await cli(['--version', '--json'])).toEqual({ code: 0, stdout: `${JSON.stringify({ version })}\n`, stderr: '' });
    expect((await cli(['--version', 'x'])).code).toBe(2);
  });
});

// A password file for create: the superuser's password, then scram-sha-256 everywhere.
describe('pg-cluster create --password-file', () => {
  it('sets the password from the first line and asks for it', async () => {
    const file = join(work, 'pw');
    writeFileSync(file, 'sekrit\nignored\n', { mode: 0o600 });
    const data = join(work, 'pwdata');
    const pwPort = await findFreePort();
    const created = await cli(['create', data, '--password-file', file, '--port', String(pwPort), '--encoding', 'UTF8', '--locale', 'C', '--data-checksums', '--start']);
    try {
      expect(created.code, created.stderr).toBe(0);
      const status = await json<Status>(['status', data]);
      const user = isRoot ? 'postgres' : (process.env['USER'] ?? 'pgcluster-ci');
      const sql = "SELECT current_setting('data_checksums') || ' ' || pg_encoding_to_char(encoding) || ' ' || datcollate FROM pg_database WHERE datname = 'postgres'";
      const ok = await run('psql', ['-XAtwc', sql, '-h', status.socketDirectory!, '-p', String(pwPort), '-U', user, 'postgres'], { env: { ...process.env, PGPASSWORD: 'sekrit' } });
      expect(ok.stdout.trim()).toBe('on UTF8 C');
      const refused = await run('psql', ['-XAtwc', 'SELECT 1', '-h', status.socketDirectory!, '-p', String(pwPort), '-U', user, 'postgres'], { env: { ...process.env, PGPASSWORD: 'wrong' } }).catch((error: { stderr: string }) => error);
      expect(refused).toMatchObject({ stderr: expect.stringContaining('password authentication failed') });
    } finally {
      await cli(['drop', data]);
    }
    expect(existsSync(data)).toBe(false);
  });
});
