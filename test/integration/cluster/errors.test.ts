import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  Cluster,
  ClusterDropError,
  ClusterInitializationError,
  ClusterNotRunningError,
  ClusterStartupError,
  ClusterTimeoutError,
  InitDBError,
} from '../../../src/cluster/index.js';
import { isProcessAlive, RunAsError } from '../../../src/control/index.js';
import { runAsServerUser } from '../../helpers/server-user.js';
import { fakeDataDirectory, fakeServerInstallation, freePort, isRoot, npmInstallation, quickInit, systemInstallation, rejection, useWorkspaces, type Workspace, workspace } from './fixtures.js';

const ws = useWorkspaces();


describe('init errors', () => {
  it('InitDBError carries the command, exit code and stderr; the password is in neither argv nor the message, and its file is gone', async () => {
    const { cluster, dataDirectory } = ws();
    const before = new Set(readdirSync(tmpdir()).filter((name) => name.startsWith('pg-cluster-pw-')));
    const error = await rejection(cluster.init({ ...quickInit, encoding: 'NO_SUCH_ENCODING', password: 'very-secret-pw' }));
    expect(error).toBeInstanceOf(InitDBError);
    expect(error).toBeInstanceOf(ClusterInitializationError);
    expect(error).toMatchObject({ code: 'INITDB_FAILED', dataDirectory, exitCode: 1, signal: null, timedOut: false });
    expect(error.command).toMatch(/\/initdb$/);
    expect(error.args).toEqual(expect.arrayContaining(['-D', dataDirectory, '-E', 'NO_SUCH_ENCODING']));
    expect(error.args.some((arg: string) => arg.startsWith('--pwfile='))).toBe(true);
    expect(error.stderrTail).toMatch(/NO_SUCH_ENCODING/);
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain('very-secret-pw');
    const after = readdirSync(tmpdir()).filter((name) => name.startsWith('pg-cluster-pw-') && !before.has(name));
    expect(after).toEqual([]);
    expect(await cluster.initialized()).toBe(false);
  });

  it('an initdb that runs out of time is an InitDBError with timedOut, and leaves no data directory', async () => {
    const { cluster, dataDirectory } = ws();
    const error = await rejection(cluster.init({ ...quickInit, timeout: 50 }));
    expect(error).toBeInstanceOf(InitDBError);
    expect(error).toMatchObject({ code: 'INITDB_FAILED', timedOut: true });
    expect(await cluster.initialized()).toBe(false);
    expect(existsSync(join(dataDirectory, 'PG_VERSION'))).toBe(false);
  });

  it('creates missing parent folders traversable for the server user, the data directory private', async () => {
    const { root, cluster } = ws();
    const nested = new Cluster(systemInstallation(), join(root, 'a', 'b', 'data'));
    await nested.init(quickInit);
    expect(await nested.initialized()).toBe(true);
    const { statSync } = await import('node:fs');
    expect(statSync(join(root, 'a', 'b', 'data')).mode & 0o777).toBe(0o700);
    expect(cluster).toBeDefined();
  });

  it('ClusterInitializationError when the installation has no initdb', async () => {
    const installation = systemInstallation();
    const { cluster } = ws({ ...installation, paths: { ...installation.paths, initdb: null } });
    expect(await rejection(cluster.init())).toMatchObject({ name: 'ClusterInitializationError', code: 'INITDB_MISSING', path: null });
    const elsewhere = new Cluster({ ...installation, paths: { ...installation.paths, initdb: '/nonexistent/bin/initdb' } }, cluster.dataDirectory);
    expect(await rejection(elsewhere.init())).toMatchObject({ code: 'INITDB_MISSING', path: '/nonexistent/bin/initdb' });
  });

  it('refuses a non-empty directory, an existing cluster of another major, and a path inside a cluster', async () => {
    const first = ws();
    mkdirSync(first.dataDirectory);
    writeFileSync(join(first.dataDirectory, 'notes.txt'), 'mine');
    expect(await rejection(first.cluster.init(quickInit))).toMatchObject({ code: 'DATA_DIRECTORY_NOT_EMPTY', path: first.dataDirectory });

    const old = ws(npmInstallation(13));
    await old.cluster.init(quickInit);
    const newer = new Cluster(systemInstallation(), old.dataDirectory);
    const again = await rejection(newer.init(quickInit));
    expect(again).toMatchObject({ code: 'ALREADY_INITIALIZED', dataDirectory: old.dataDirectory });
    expect(again.message).toContain('PostgreSQL 13 cluster (this installation is 15)');

    const nested = new Cluster(systemInstallation(), join(old.dataDirectory, 'base', 'nested'));
    expect(await rejection(nested.init(quickInit))).toMatchObject({ code: 'INSIDE_ANOTHER_CLUSTER', path: old.dataDirectory });
  });
});

describe('PG_VERSION put in place by the server user', () => {
  // Issue 10, principle 8: root read PG_VERSION by path, through a link the server's user planted
  // in its data directory, and quoted what it found in ALREADY_INITIALIZED's message.
  it('a link to a file only we may read: ALREADY_INITIALIZED, and nothing of the file in the error', async () => {
    const { cluster, dataDirectory } = ws();
    mkdirSync(dataDirectory);
    const secret = join(dirname(dataDirectory), 'secret.txt');
    writeFileSync(secret, 'TOP-SECRET-42\n', { mode: 0o600 });
    if (isRoot) chownSync(dataDirectory, Number(runAsServerUser('id', ['-u'])), Number(runAsServerUser('id', ['-g'])));
    runAsServerUser('ln', ['-s', secret, join(dataDirectory, 'PG_VERSION')]);
    const error = await rejection(cluster.init(quickInit));
    expect(error).toMatchObject({ code: 'ALREADY_INITIALIZED', dataDirectory });
    expect(error.message).not.toContain('TOP-SECRET');
    expect(error.message).toContain('already holds a PostgreSQL ? cluster');
  });
});

describe('a directory the server user cannot reach', () => {
  it.runIf(isRoot)('as root: RunAsError naming the folder `postgres` cannot traverse, before running anything', async () => {
    const { root } = ws();
    const locked = join(root, 'root-only');
    mkdirSync(locked, { mode: 0o700 }); // owned by root: `postgres` cannot enter it
    const cluster = new Cluster(systemInstallation(), join(locked, 'data'));
    const error = await rejection(cluster.init(quickInit));
    expect(error).toBeInstanceOf(RunAsError);
    expect(error).toMatchObject({ code: 'PATH_NOT_ACCESSIBLE', path: locked, user: 'postgres' });
    expect(error.message).toContain(`chmod o+x ${locked}`);
  });

  it.runIf(isRoot)('as root: binaries under a folder `postgres` cannot traverse (a tree under /root, say) are refused by name', async () => {
    const { root } = ws();
    const hidden = join(root, 'root-only-bin');
    mkdirSync(hidden, { mode: 0o700 });
    const { symlinkSync } = await import('node:fs');
    const real = systemInstallation();
    for (const program of ['initdb', 'postgres']) symlinkSync(real.paths[program]!, join(hidden, program));
    const installation = { ...real, paths: { ...real.paths, initdb: join(hidden, 'initdb'), postgres: join(hidden, 'postgres') } };
    const cluster = new Cluster(installation, join(root, 'data'));
    const error = await rejection(cluster.init(quickInit));
    expect(error).toMatchObject({ name: 'RunAsError', code: 'PATH_NOT_ACCESSIBLE', path: hidden, user: 'postgres' });
  });

  it.runIf(isRoot)('as root: start() refuses a data directory whose parent became unreachable', async () => {
    const w = ws();
    await w.cluster.init(quickInit);
    chmodSync(w.root, 0o700);
    const { chownSync } = await import('node:fs');
    chownSync(w.root, 0, 0);
    expect(await rejection(w.cluster.start({ settings: w.settings }))).toMatchObject({ code: 'PATH_NOT_ACCESSIBLE', path: w.root });
  });

  it.runIf(!isRoot)('not root: initdb cannot create the folder, an InitDBError with its reason', async () => {
    const { root } = ws();
    const locked = join(root, 'locked');
    mkdirSync(locked, { mode: 0o500 });
    const cluster = new Cluster(systemInstallation(), join(locked, 'data'));
    const error = await rejection(cluster.init(quickInit));
    chmodSync(locked, 0o700);
    expect(error).toBeInstanceOf(InitDBError);
    expect(error.stderrTail).toMatch(/Permission denied/);
  });
});

describe('runAs', () => {
  it.runIf(isRoot)('as root: an unknown user, and null (run as root), are errors that say what to do', async () => {
    const unknown = new Cluster(systemInstallation(), '/tmp/pgct-none/data', { runAs: 'no_such_user_pgct' });
    expect(await rejection(unknown.init())).toMatchObject({ name: 'RunAsError', code: 'RUN_AS_USER_NOT_FOUND', user: 'no_such_user_pgct' });
    const asRoot = new Cluster(systemInstallation(), '/tmp/pgct-none/data', { runAs: null });
    expect(await rejection(asRoot.init())).toMatchObject({ code: 'RUN_AS_REQUIRED' });
  });

  it.runIf(!isRoot)('not root: another user is an error', async () => {
    const other = new Cluster(systemInstallation(), '/tmp/pgct-none/data', { runAs: 'root' });
    expect(await rejection(other.init())).toMatchObject({ name: 'RunAsError', code: 'RUN_AS_NOT_PERMITTED', user: 'root' });
  });
});

describe('start errors', () => {
  it('a data directory that is not one: NOT_INITIALIZED, nothing spawned', async () => {
    const w = ws();
    mkdirSync(w.dataDirectory);
    writeFileSync(join(w.dataDirectory, 'something'), '');
    const error = await rejection(w.cluster.start({ settings: w.settings }));
    expect(error).toBeInstanceOf(ClusterStartupError);
    expect(error).toMatchObject({ code: 'NOT_INITIALIZED', dataDirectory: w.dataDirectory });
    expect(w.cluster.daemonProcess).toBeNull();
  });

  it('a missing server binary: PROGRAM_MISSING', async () => {
    const installation = systemInstallation();
    const missing = ws({ ...installation, paths: { ...installation.paths, postgres: null } });
    await fakeDataDirectory(missing.dataDirectory);
    expect(await rejection(missing.cluster.start())).toMatchObject({ code: 'PROGRAM_MISSING' });
    const gone = ws({ ...installation, paths: { ...installation.paths, postgres: '/nonexistent/bin/postgres' } });
    await fakeDataDirectory(gone.dataDirectory);
    const error = await rejection(gone.cluster.start({ settings: gone.settings }));
    expect(error).toBeInstanceOf(ClusterStartupError);
    expect(error).toMatchObject({ code: 'PROGRAM_MISSING', message: expect.stringContaining('no executable postgres at /nonexistent/bin/postgres') });
    expect(gone.cluster.daemonProcess).toBeNull();
  });

  it('a bad setting name is refused before anything runs; an unwritable log file is a typed error', async () => {
    const w = ws();
    await fakeDataDirectory(w.dataDirectory);
    expect(await rejection(w.cluster.start({ settings: { 'bad name': 1 } }))).toMatchObject({ name: 'InvalidArgumentError', argument: 'settings.bad name' });
    const error = await rejection(w.cluster.start({ logfile: '/nonexistent/dir/server.log' }));
    expect(error).toMatchObject({ name: 'ClusterStartupError', code: 'PERMISSIONS', logfile: '/nonexistent/dir/server.log' });
    expect(w.cluster.daemonProcess).toBeNull();
  });

  it('a server that fails at once: the code from its stderr, exit code and tail attached', async () => {
    const w = ws(fakeServerInstallation('failing-postgres'));
    await fakeDataDirectory(w.dataDirectory);
    const error = await rejection(w.cluster.start());
    expect(error).toMatchObject({ code: 'SHARED_MEMORY', exitCode: 1, logfile: `${w.dataDirectory}.log` });
    expect(error.logTail).toContain('could not create shared memory segment');
  });

  it('the same with the output piped to a stream: the tail comes from the pipe', async () => {
    const w = ws(fakeServerInstallation('failing-postgres'));
    await fakeDataDirectory(w.dataDirectory);
    const { PassThrough } = await import('node:stream');
    const sink = new PassThrough();
    let seen = '';
    sink.on('data', (chunk: Buffer) => (seen += chunk.toString()));
    const error = await rejection(w.cluster.start({ logfile: sink }));
    expect(error).toMatchObject({ code: 'SHARED_MEMORY', exitCode: 1, logfile: null });
    expect(error.logTail).toContain('could not create shared memory segment');
    expect(seen).toContain('could not create shared memory segment');
  });

  it('a server that never gets ready: ClusterTimeoutError, and the process is gone afterwards', async () => {
    const w = ws(fakeServerInstallation('never-ready-postgres'));
    await fakeDataDirectory(w.dataDirectory);
    const error = await rejection(w.cluster.start({ timeout: 300 }));
    expect(error).toBeInstanceOf(ClusterTimeoutError);
    expect(error).toMatchObject({ code: 'CLUSTER_TIMEOUT', operation: 'start', timeout: 300, status: 'starting' });
    expect(error.logTail).toContain('never ready');
    expect(isProcessAlive(error.pid)).toBe(false);
  });

  it('start({ wait: false }) returns at once; meanwhile running() is true and readyForConnections() false', async () => {
    const w = ws(fakeServerInstallation('never-ready-postgres'));
    await fakeDataDirectory(w.dataDirectory);
    const { pid, alreadyRunning } = await w.cluster.start({ wait: false });
    expect(alreadyRunning).toBe(false);
    expect(await w.cluster.running()).toBe(true);
    await expect.poll(() => w.cluster.readyForConnections()).toBe(false);
    expect(await w.cluster.pid()).toBe(pid);
    expect(await w.cluster.stop({ mode: 'immediate' })).toMatchObject({ wasRunning: true, stopped: true });
  });

  it('start() honours an AbortSignal: rejects with its reason and leaves nothing running', async () => {
    const w = ws(fakeServerInstallation('never-ready-postgres'));
    await fakeDataDirectory(w.dataDirectory);
    const controller = new AbortController();
    const starting = w.cluster.start({ signal: controller.signal, timeout: 30_000 });
    setTimeout(() => controller.abort(new Error('changed my mind')), 100);
    expect(await rejection(starting)).toMatchObject({ message: 'changed my mind' });
    expect(isProcessAlive(w.cluster.daemonProcess!.pid)).toBe(false);
  });

  it('a server from another major on this data directory: VERSION_MISMATCH', async () => {
    const w = ws(npmInstallation(13));
    await w.cluster.init(quickInit);
    const newer = new Cluster(systemInstallation(), w.dataDirectory);
    const error = await rejection(newer.start({ settings: w.settings }));
    expect(error).toMatchObject({ code: 'VERSION_MISMATCH' });
    expect(error.logTail).toContain('incompatible with server');
  });
});

describe('startup failures of a real server', () => {
  let w: Workspace;
  beforeAll(async () => {
    w = workspace();
    await w.cluster.init(quickInit);
  });
  afterAll(async () => w.cleanup());
  afterEach(async () => {
    expect(await w.cluster.running()).toBe(false);
  });

  async function startFailure(settings: Record<string, string | number | boolean>): Promise<any> {
    const error = await rejection(w.cluster.start({ settings: { ...w.settings, ...settings } }));
    expect(error).toBeInstanceOf(ClusterStartupError);
    expect(error.exitCode).toBe(1);
    expect(error.logfile).toBe(`${w.dataDirectory}.log`);
    expect(error.args).toEqual(expect.arrayContaining(['-D', w.dataDirectory]));
    return error;
  }

  it('an unknown setting and an invalid value: INVALID_SETTING', async () => {
    expect((await startFailure({ no_such_setting: 1 })).logTail).toContain('unrecognized configuration parameter "no_such_setting"');
    expect((await startFailure({ shared_buffers: 'lots' })).code).toBe('INVALID_SETTING');
  });

  it('a message locale that is not installed: LOCALE_MISSING', async () => {
    expect((await startFailure({ lc_messages: 'xx_YY.UTF-8' })).code).toBe('LOCALE_MISSING');
  });

  it('a socket path longer than the system allows: SOCKET_PATH_TOO_LONG', async () => {
    const long = join(w.root, 'x'.repeat(120));
    mkdirSync(long, { recursive: true });
    const { chownTree, resolveRunAs } = await import('../../../src/control/index.js');
    await chownTree(long, await resolveRunAs());
    expect((await startFailure({ unix_socket_directories: long })).code).toBe('SOCKET_PATH_TOO_LONG');
  });

  it('a port already in use: PORT_IN_USE', async () => {
    const port = await freePort();
    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    try {
      const error = await startFailure({ listen_addresses: '127.0.0.1', port });
      expect(error.code).toBe('PORT_IN_USE');
      expect(error.logTail).toContain('Address already in use');
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it('a data directory with loose permissions: PERMISSIONS', async () => {
    chmodSync(w.dataDirectory, 0o777);
    try {
      const error = await startFailure({});
      expect(error.code).toBe('PERMISSIONS');
      expect(error.logTail).toContain('invalid permissions');
    } finally {
      chmodSync(w.dataDirectory, 0o700);
    }
  });

  it('shared memory the system cannot give: SHARED_MEMORY', async () => {
    expect((await startFailure({ shared_buffers: '2000GB', huge_pages: 'off' })).code).toBe('SHARED_MEMORY');
  });

  it('after all that, the cluster still starts', async () => {
    await w.cluster.start({ settings: w.settings });
    await w.cluster.stop({ mode: 'fast' });
  });
});

describe('not running', () => {
  it('waitUntilStarted, reload and connectionOptions raise ClusterNotRunningError; stop and waitUntilStopped return', async () => {
    const w = ws();
    await w.cluster.init(quickInit);
    for (const call of [() => w.cluster.waitUntilStarted(), () => w.cluster.reload(), () => w.cluster.connectionOptions()]) {
      const error = await rejection(call());
      expect(error).toBeInstanceOf(ClusterNotRunningError);
      expect(error).toMatchObject({ code: 'CLUSTER_NOT_RUNNING', dataDirectory: w.dataDirectory });
    }
    expect(await w.cluster.stop()).toMatchObject({ wasRunning: false });
    await w.cluster.waitUntilStopped();
    expect(existsSync(w.dataDirectory)).toBe(true);
  });
});

describe('drop', () => {
  it('refuses a folder that holds files but is not a data directory, and removes nothing', async () => {
    const w = ws();
    mkdirSync(w.dataDirectory, { recursive: true });
    writeFileSync(join(w.dataDirectory, 'precious.txt'), 'keep me');
    const error = await rejection(w.cluster.drop());
    expect(error).toBeInstanceOf(ClusterDropError);
    expect(error).toMatchObject({ code: 'DROP_NOT_A_CLUSTER', dataDirectory: w.dataDirectory, path: join(w.dataDirectory, 'PG_VERSION') });
    expect(error.message).toContain('Refusing to drop');
    expect(readdirSync(w.dataDirectory)).toEqual(['precious.txt']);
  });

  it('accepts a missing or empty folder', async () => {
    const w = ws();
    await w.cluster.drop();
    mkdirSync(w.dataDirectory, { recursive: true });
    await w.cluster.drop();
    expect(existsSync(w.dataDirectory)).toBe(false);
  });
});

describe('stopping', () => {
  it('smart waits for clients; on timeout it escalates to fast and says so', async () => {
    const w = ws();
    await w.cluster.init(quickInit);
    await w.cluster.start({ settings: w.settings });
    const pg = (await import('pg')).default;
    const client = new pg.Client(await w.cluster.connectionOptions());
    client.on('error', () => undefined);
    await client.connect();
    try {
      const refused = await rejection(w.cluster.stop({ timeout: 300, escalate: false }));
      expect(refused).toMatchObject({ name: 'ClusterTimeoutError', operation: 'stop', timeout: 300 });
      expect(await w.cluster.running()).toBe(true);
      const result = await w.cluster.stop({ timeout: 300 });
      expect(result).toMatchObject({ wasRunning: true, mode: 'smart', finalMode: 'fast', escalations: ['fast'], stopped: true });
      expect(await w.cluster.running()).toBe(false);
    } finally {
      await client.end().catch(() => undefined);
    }
  });

  it('a server that ignores every request is killed in the end: nothing hangs', async () => {
    const w = ws(fakeServerInstallation('stubborn-postgres'));
    await fakeDataDirectory(w.dataDirectory);
    const { pid } = await w.cluster.start();
    const result = await w.cluster.stop({ timeout: 100, escalationTimeout: 100 });
    expect(result).toMatchObject({ finalMode: 'kill', escalations: ['fast', 'immediate', 'kill'], exit: { signal: 'SIGKILL' } });
    expect(isProcessAlive(pid)).toBe(false);
  });

  it('a server that crashed: running() is false, stop() ends what it left behind, the next start recovers', async () => {
    const w = ws();
    await w.cluster.init(quickInit);
    const { pid } = await w.cluster.start({ settings: w.settings });
    process.kill(pid, 'SIGKILL');
    await w.cluster.daemonProcess!.exited;
    expect(await w.cluster.running()).toBe(false);
    expect(await w.cluster.pid()).toBeNull();
    expect(await w.cluster.readyForConnections()).toBeNull();
    // Backends may outlive their postmaster for a moment: stop() ends them and its shared memory.
    expect(await w.cluster.stop()).toMatchObject({ stopped: true, remains: { processes: [], sharedMemory: [] } });
    // It had been ready: waiting for it now says "not running", not "failed to start".
    expect(await rejection(w.cluster.waitUntilStarted())).toBeInstanceOf(ClusterNotRunningError);
    const restarted = await w.cluster.start({ settings: w.settings });
    expect(restarted.alreadyRunning).toBe(false);
    expect(await w.cluster.readyForConnections()).toBe(true);
  });

  it('controls a server it did not start, through postmaster.pid', async () => {
    const w = ws();
    await w.cluster.init(quickInit);
    const { pid } = await w.cluster.start({ settings: w.settings });
    const other = new Cluster(systemInstallation(), w.dataDirectory);
    expect(other.daemonProcess).toBeNull();
    expect(await other.pid()).toBe(pid);
    expect(await other.running()).toBe(true);
    expect(await other.readyForConnections()).toBe(true);
    expect(await other.start()).toMatchObject({ pid, alreadyRunning: true });
    expect((await other.reload()).pid).toBe(pid);
    expect(await other.shutdown()).toMatchObject({ wasRunning: true, pid, finalMode: 'fast', exit: null });
    expect(isProcessAlive(pid)).toBe(false);
    expect(await w.cluster.running()).toBe(false);
  });
});
