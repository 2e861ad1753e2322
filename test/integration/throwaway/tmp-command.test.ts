import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { isProcessAlive, readPostmasterPid } from '../../../src/control/index.js';
import { useCompiledCli } from './compile-throwaway.js';

const run = promisify(execFile);
const storage = mkdtempSync('/tmp/pgct-tmpcmd-');
chmodSync(storage, 0o755);
const env = { ...process.env, PG_CLUSTER_STORAGE: join(storage, 'root') };
const mainJs = useCompiledCli();

interface Running {
  child: ChildProcessWithoutNullStreams;
  exited: Promise<number | null>;
  out(): string;
  err(): string;
  /** Resolves once `text` has appeared on stdout (or stderr), rejects if the process exits first. */
  printed(text: string, stream?: 'stdout' | 'stderr'): Promise<void>;
}

/** `node main.js tmp …` with piped stdio. */
function startTmp(args: string[]): Running {
  return start(process.execPath, [mainJs(), 'tmp', ...args]);
}

/** `node main.js tmp -- psql -X` on a pseudo-terminal: script(1) relays our pipes to and from it. */
function startTmpOnTerminal(): Running {
  // script(1) runs the line with $SHELL -c. dash (Debian's /bin/sh, and script's choice when SHELL
  // is unset, as under CI) forks instead of exec-ing a lone command, stays in the terminal's
  // foreground group, and ends itself with SIGINT after a Ctrl-C even though its child exited 0.
  // `exec` leaves pg-cluster as the only process between script and psql, whatever the shell.
  return start('script', ['-qefc', `exec ${process.execPath} ${mainJs()} tmp -- psql -X -P pager=off`, '/dev/null'], { SHELL: '/bin/sh' });
}

function start(file: string, args: string[], extraEnv: Record<string, string> = {}): Running {
  const child = spawn(file, args, { env: { ...env, ...extraEnv }, stdio: 'pipe' });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  child.stdout.on('data', (chunk) => {
    out += chunk;
    for (const check of waiters) check();
  });
  child.stderr.on('data', (chunk) => {
    err += chunk;
    for (const check of waiters) check();
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return {
    child,
    exited,
    out: () => out,
    err: () => err,
    printed: (text, stream = 'stdout') =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if ((stream === 'stdout' ? out : err).includes(text)) {
            waiters.delete(check);
            resolve();
          }
        };
        waiters.add(check);
        check();
        void exited.then((code) => reject(new Error(`exited with ${code} before printing ${JSON.stringify(text)}; stdout: ${out}; stderr: ${err}`)));
      }),
  };
}

/** The cluster's postmaster pid as the command saw it, from a `pid=N` line it printed. */
function serverPid(output: string): number {
  return Number(/^pid=(\d+)$/m.exec(output)![1]);
}

/** Prints the server's pid; the command's first step in the tests below. */
const printPid = 'echo "pid=$(head -1 "$PGHOST/data/postmaster.pid")"';

/** No process of ours runs from the cluster folders, and no cluster folder is left. */
async function expectNothingLeft(pid: number): Promise<void> {
  expect(isProcessAlive(pid)).toBe(false);
  const { stdout } = await run('ps', ['-eo', 'pid,args']);
  expect(stdout.split('\n').filter((line) => line.includes(join(storage, 'root', 'clusters')))).toEqual([]);
  expect(readdirSync(join(storage, 'root', 'clusters'))).toEqual([]);
}

afterAll(() => {
  rmSync(storage, { recursive: true, force: true });
});

describe('pg-cluster tmp', () => {
  it('prints how to connect, and stops and removes the cluster on Ctrl-C (SIGINT)', async () => {
    const child = spawn(process.execPath, [mainJs(), 'tmp', '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const printed = await new Promise<{ connectionString: string; uri: string; directory: string }>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk) => {
        out += chunk;
        if (out.includes('\n')) resolve(JSON.parse(out));
      });
      void exited.then((code) => reject(new Error(`exited ${code}`)));
    });
    const { stdout } = await run('psql', ['-XAtc', 'SELECT current_user', printed.connectionString]);
    expect(stdout.trim()).toBe('postgres');
    expect((await run('psql', ['-XAtc', 'SELECT 1', printed.uri])).stdout.trim()).toBe('1');
    const pid = (await readPostmasterPid(join(printed.directory, 'data')))!.pid;
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(isProcessAlive(pid)).toBe(false);
    expect(existsSync(printed.directory)).toBe(false);
  });

  it.each(['SIGTERM', 'SIGHUP'] as const)('stops and removes the cluster on %s too, exiting with 0', async (signal) => {
    const running = startTmp(['--json']);
    await running.printed('\n');
    const { directory } = JSON.parse(running.out()) as { directory: string };
    const pid = (await readPostmasterPid(join(directory, 'data')))!.pid;
    running.child.kill(signal);
    expect(await running.exited).toBe(0);
    await expectNothingLeft(pid);
  });

  it('with --tcp, prints the TCP forms too, with the generated password, and they connect', async () => {
    const running = startTmp(['--tcp', '--json']);
    try {
      await running.printed('\n');
      const printed = JSON.parse(running.out()) as { port: number; password: string; tcpUri: string; tcpConnectionString: string; uri: string };
      // TCP asks for a password; none was given, so one was generated, and --json prints it.
      expect(printed.password).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(printed.tcpUri).toBe(`postgresql://postgres:${printed.password}@localhost:${printed.port}/postgres`);
      expect(printed.tcpConnectionString).toBe(`host=localhost port=${printed.port} user=postgres dbname=postgres password=${printed.password}`);
      for (const target of [printed.tcpUri, printed.tcpConnectionString, printed.uri]) {
        const { stdout } = await run('psql', ['-XAtwc', "SELECT coalesce(host(inet_server_addr()), 'socket')", target]);
        expect(stdout.trim()).toMatch(target === printed.uri ? /^socket$/ : /^(127\.0\.0\.1|::1)$/);
      }
      // Without it, TCP refuses.
      const refused = await run('psql', ['-XAtwc', 'SELECT 1', `host=localhost port=${printed.port} user=postgres dbname=postgres`]).catch((error: { stderr: string }) => error);
      expect(refused).toMatchObject({ stderr: expect.stringContaining('no password supplied') });
    } finally {
      running.child.kill('SIGINT');
    }
    expect(await running.exited).toBe(0);
    expect(readdirSync(join(storage, 'root', 'clusters'))).toEqual([]);
  });

  it('with --tcp --auth trust, trusts TCP too and prints no password; the command after -- gets PGPASSWORD with plain --tcp', async () => {
    const trusted = await run(process.execPath, [mainJs(), 'tmp', '--tcp', '--auth', 'trust', '--', 'sh', '-c', 'echo "pw=${PGPASSWORD-none}"; psql -XAtw -h localhost -c "SELECT 1"'], { env });
    expect(trusted.stdout.trim().split('\n')).toEqual(['pw=none', '1']);
    const generated = await run(process.execPath, [mainJs(), 'tmp', '--tcp', '--', 'sh', '-c', 'echo "pw=$PGPASSWORD"; psql -XAtw -h localhost -c "SELECT 2"'], { env });
    expect(generated.stdout.trim().split('\n')).toEqual([expect.stringMatching(/^pw=[A-Za-z0-9_-]{32}$/), '2']);
    expect(readdirSync(join(storage, 'root', 'clusters'))).toEqual([]);
  });

  it('prints a psql command line that works', async () => {
    const child = spawn(process.execPath, [mainJs(), 'tmp'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const text = await new Promise<string>((resolve) => {
      let out = '';
      child.stdout.on('data', (chunk) => {
        out += chunk;
        if (out.includes('Ctrl-C')) resolve(out);
      });
    });
    const psqlLine = /^ {2}psql: +(psql .*)$/m.exec(text)![1]!;
    const { stdout } = await run('sh', ['-c', `${psqlLine} -XAtc 'SELECT 40 + 2'`]);
    expect(stdout.trim()).toBe('42');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('runs a command with the libpq environment set, passes its exit status through, and cleans up', async () => {
    const script = 'psql -XAtc "SELECT current_database()" && echo "$PGHOST" && exit 7';
    const outcome = await run(process.execPath, [mainJs(), 'tmp', '--database', 'app', '--', 'sh', '-c', script], { env }).then(
      (result) => ({ code: 0, stdout: result.stdout }),
      (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
    );
    expect(outcome.code).toBe(7);
    const [database, host] = outcome.stdout.trim().split('\n');
    expect(database).toBe('app');
    expect(host).toMatch(/\/clusters\//);
    expect(existsSync(host!)).toBe(false);
    expect(readdirSync(join(storage, 'root', 'clusters'))).toEqual([]);
  });

  it('streams the command\'s output while it runs, on stdout and stderr', async () => {
    const go = join(storage, 'go-stream');
    const script = `${printPid}; echo first; echo warning >&2; while [ ! -e "${go}" ]; do sleep 0.02; done; echo second`;
    const running = startTmp(['--', 'sh', '-c', script]);
    await running.printed('first');
    await running.printed('warning', 'stderr');
    // Both arrived while the command still waits for `go`: nothing is held back until it ends.
    expect(running.out()).not.toContain('second');
    writeFileSync(go, '');
    expect(await running.exited).toBe(0);
    expect(running.out()).toMatch(/^pid=\d+\nfirst\nsecond\n$/);
    expect(running.err()).toBe('warning\n');
    await expectNothingLeft(serverPid(running.out()));
  });

  it('gives the command our stdin', async () => {
    const running = startTmp(['--', 'sh', '-c', `${printPid}; psql -XAt`]);
    running.child.stdin.end('SELECT 6 * 7;\n');
    expect(await running.exited).toBe(0);
    expect(running.out()).toMatch(/\n42\n$/);
    await expectNothingLeft(serverPid(running.out()));
  });

  it.each([
    ['exit 0', 0],
    ['exit 1', 1],
    ['exit 42', 42],
    ['kill -TERM $$', 128 + 15],
    ['kill -KILL $$', 128 + 9],
  ])('passes the command\'s status through (%s → %i) and cleans up', async (ending, status) => {
    const running = startTmp(['--', 'sh', '-c', `${printPid}; ${ending}`]);
    expect(await running.exited).toBe(status);
    await expectNothingLeft(serverPid(running.out()));
  });

  it('exits with 127 and says so when the command cannot be run, and cleans up', async () => {
    const running = startTmp(['--', join(storage, 'no-such-program'), '--flag']);
    expect(await running.exited).toBe(127);
    expect(running.err()).toBe(`pg-cluster: Command not found or not executable: ${join(storage, 'no-such-program')} --flag [COMMAND_NOT_FOUND]\n`);
    expect(readdirSync(join(storage, 'root', 'clusters'))).toEqual([]);
  });

  it.each([
    ['SIGTERM', 15],
    ['SIGINT', 2],
    ['SIGHUP', 1],
  ] as const)('passes %s on to the command, waits for it to end, then cleans up', async (signal, number) => {
    // The command traps the signal, says so, and ends with a status of its own.
    const script = `trap 'echo "got ${signal}"; exit 9' ${signal.slice(3)}; ${printPid}; echo ready; while :; do sleep 0.02; done`;
    const running = startTmp(['--', 'sh', '-c', script]);
    await running.printed('ready');
    running.child.kill(signal);
    expect(await running.exited).toBe(9);
    expect(running.out()).toContain(`got ${signal}`);
    await expectNothingLeft(serverPid(running.out()));
    // A command that does not catch it dies of it: 128 + n.
    const plain = startTmp(['--', 'sh', '-c', `${printPid}; echo ready; exec sleep 60`]);
    await plain.printed('ready');
    plain.child.kill(signal);
    expect(await plain.exited).toBe(128 + number);
    await expectNothingLeft(serverPid(plain.out()));
  });

  it('runs `npm test` of a project against the cluster (the README\'s example)', async () => {
    const project = mkdtempSync(join(storage, 'project-'));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'p', private: true, scripts: { test: 'psql -XAtc "SELECT 40 + 2 AS answer" && exit $FAIL_WITH' } }));
    const ok = spawn(process.execPath, [mainJs(), 'tmp', '--', 'npm', 'test', '--silent'], { cwd: project, env: { ...env, FAIL_WITH: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    ok.stdout.on('data', (chunk) => (out += chunk));
    expect(await new Promise((resolve) => ok.once('close', resolve))).toBe(0);
    expect(out.trim()).toBe('42');
    const failing = spawn(process.execPath, [mainJs(), 'tmp', '--', 'npm', 'test', '--silent'], { cwd: project, env: { ...env, FAIL_WITH: '1' }, stdio: 'ignore' });
    expect(await new Promise((resolve) => failing.once('close', resolve))).toBe(1);
    expect(readdirSync(join(storage, 'root', 'clusters'))).toEqual([]);
  });

  it('runs an interactive psql on a terminal', async () => {
    // psql sees a terminal: it prompts and reads line by line.
    const running = startTmpOnTerminal();
    await running.printed('postgres=#');
    running.child.stdin.write('SELECT 40 + 2 AS answer, pg_postmaster_start_time() IS NOT NULL AS up;\n');
    await running.printed('(1 row)');
    expect(running.out()).toMatch(/\b42 \| t\b/);
    running.child.stdin.write('\\q\n');
    expect(await running.exited).toBe(0);
    expect(readdirSync(join(storage, 'root', 'clusters'))).toEqual([]);
  });

  // The server runs in a session of its own, so a terminal's Ctrl-C (SIGINT to the whole
  // foreground group) cancels psql's query and does not reach the postmaster.
  it('keeps the server when Ctrl-C on the terminal cancels a query in an interactive psql', async () => {
    const running = startTmpOnTerminal();
    try {
      await running.printed('postgres=#');
      running.child.stdin.write('SELECT pg_sleep(60);\n');
      await until(async () => (await run('ps', ['-eo', 'args'])).stdout.includes('SELECT'));
      running.child.stdin.write('\x03');
      // Today the second one comes: the server itself got the SIGINT and shut down.
      await Promise.race([running.printed('canceling statement due to user request'), running.printed('server closed the connection')]);
      expect(running.out()).not.toContain('server closed the connection');
      running.child.stdin.write('SELECT 40 + 2 AS answer;\n');
      await running.printed('(1 row)');
      running.child.stdin.write('\\q\n');
      expect(await running.exited).toBe(0);
    } finally {
      running.child.stdin.end('\\q\n');
      await running.exited;
      expect(readdirSync(join(storage, 'root', 'clusters'))).toEqual([]);
    }
  });

  it('takes the password from the first line of --password-file, and the server requires it', async () => {
    const file = join(storage, 'password');
    writeFileSync(file, 'se cr\'et\r\nsecond line\n', { mode: 0o600 });
    // With the right password (PGPASSWORD, set for the command) and a wrong one, over the socket.
    const script = 'echo "pw=$PGPASSWORD"; psql -XAtc "SELECT 1"; PGPASSWORD=wrong psql -XAtc "SELECT 2" 2>&1; true';
    const { stdout } = await run(process.execPath, [mainJs(), 'tmp', '--password-file', file, '--', 'sh', '-c', script], { env });
    const [password, answer, refusal] = stdout.trim().split('\n');
    expect(password).toBe("pw=se cr'et");
    expect(answer).toBe('1');
    expect(refusal).toMatch(/password authentication failed for user "postgres"/);
    expect(readdirSync(join(storage, 'root', 'clusters'))).toEqual([]);
  });

  it.each([
    [['--password', 'a', '--password-file', '/dev/null'], /--password and --password-file exclude each other/],
    [['--password-file', '/nonexistent/pgct-password'], /--password-file cannot read \/nonexistent\/pgct-password \(ENOENT\)/],
    [['--password-file', '/dev/null'], /--password-file \/dev\/null has an empty first line/],
    [['--password='], /--password expects a non-empty password/],
    [['--auth', 'md5'], /--auth expects trust or scram-sha-256, got `md5`/],
  ])('refuses %j with a usage error (exit status 2) and starts nothing', async (args, message) => {
    const outcome = await run(process.execPath, [mainJs(), 'tmp', ...args, '--', 'true'], { env }).catch((error: { code: number; stderr: string }) => error);
    expect(outcome).toMatchObject({ code: 2 });
    expect((outcome as { stderr: string }).stderr).toMatch(message);
    expect(readdirSync(join(storage, 'root', 'clusters'))).toEqual([]);
  });

  // As root the server runs as another OS user: `postgres` by default, else --run-as or PG_CLUSTER_RUN_AS.
  it.skipIf(process.getuid?.() !== 0)('as root: runs the server as --run-as or $PG_CLUSTER_RUN_AS, and says so when that user does not exist (125: the command never ran)', async () => {
    const script = 'psql -XAtc "SELECT 1"; ps -o user= -p "$(head -1 "$PGHOST/data/postmaster.pid")"; stat -c %U "$PGHOST/data"';
    const byOption = await run(process.execPath, [mainJs(), 'tmp', '--run-as', 'nobody', '--', 'sh', '-c', script], { env });
    expect(byOption.stdout.trim().split('\n')).toEqual(['1', 'nobody', 'nobody']);
    // The next cluster copies the same template (built as nobody) for the default user.
    const byDefault = await run(process.execPath, [mainJs(), 'tmp', '--', 'sh', '-c', script], { env: { ...env, PG_CLUSTER_RUN_AS: '' } });
    expect(byDefault.stdout.trim().split('\n')).toEqual(['1', 'postgres', 'postgres']);
    const byEnv = await run(process.execPath, [mainJs(), 'tmp', '--', 'sh', '-c', script], { env: { ...env, PG_CLUSTER_RUN_AS: 'nobody' } });
    expect(byEnv.stdout.trim().split('\n')).toEqual(['1', 'nobody', 'nobody']);
    const missing = await run(process.execPath, [mainJs(), 'tmp', '--', 'true'], { env: { ...env, PG_CLUSTER_RUN_AS: 'pgct-no-such-user' } }).catch((error: { code: number; stderr: string }) => error);
    expect(missing).toMatchObject({ code: 125 });
    expect((missing as { stderr: string }).stderr).toBe(
      'pg-cluster: There is no OS user `pgct-no-such-user` (from PG_CLUSTER_RUN_AS) to run PostgreSQL as. Create it (pg-cluster never creates users) or name another one. [RUN_AS_USER_NOT_FOUND]\n',
    );
    expect(readdirSync(join(storage, 'root', 'clusters'))).toEqual([]);
  });

  it.skipIf(process.getuid?.() === 0)('not root: --run-as another user is refused, since only root can switch users (125: the command never ran)', async () => {
    const outcome = await run(process.execPath, [mainJs(), 'tmp', '--run-as', 'root', '--', 'true'], { env }).catch((error: { code: number; stderr: string }) => error);
    expect(outcome).toMatchObject({ code: 125 });
    expect((outcome as { stderr: string }).stderr).toMatch(/Cannot run PostgreSQL as `root`.*\[RUN_AS_NOT_PERMITTED\]/);
  });

  it('refuses a bad --port with a usage error (exit status 2)', async () => {
    const outcome = await run(process.execPath, [mainJs(), 'tmp', '--port', 'x'], { env }).catch((error: { code: number; stderr: string }) => error);
    expect(outcome).toMatchObject({ code: 2 });
    expect((outcome as { stderr: string }).stderr).toMatch(/--port expects a positive integer/);
  });
});

async function until(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 20));
}
