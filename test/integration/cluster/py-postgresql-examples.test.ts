// Every example of py-postgresql's cluster documentation
// (shared/reference/py-postgresql-cluster-management.rst, "Clusters"), shown to behave the same
// here: camelCase names, Promises, milliseconds. Each `it` quotes the example it follows.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, ClusterNotRunningError, ClusterStartupError, ClusterTimeoutError, InitDBError, ClusterInitializationError } from '../../../src/cluster/index.js';
import { isProcessAlive } from '../../../src/control/index.js';
import { Installation, pgConfigDictionary } from '../../../src/installation/index.js';
import { makeTempDir } from '../../helpers/scratch-server.js';
import { freePort } from './fixtures.js';

let pgInstall: Installation;
let pgCluster: Cluster;
let root: string;
let port: number;

beforeAll(async () => {
  // pg_install = Installation(pg_config_dictionary('/usr/local/pgsql/bin/pg_config'))
  const pgConfig = execFileSync('which', ['pg_config'], { encoding: 'utf8' }).trim();
  pgInstall = new Installation(await pgConfigDictionary(pgConfig));
  root = makeTempDir();
  // pg_cluster = Cluster(pg_install, 'pg_data')   (an absolute path: "must be an absolute file system path")
  pgCluster = new Cluster(pgInstall, `${root}/pg_data`);
  port = await freePort();
});

afterAll(async () => {
  await pgCluster.drop();
  execFileSync('rm', ['-rf', root]);
});

async function connect(options: Partial<pg.ClientConfig> = {}): Promise<pg.Client> {
  const client = new pg.Client({ ...(await pgCluster.connectionOptions()), ...options });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

describe('py-postgresql cluster documentation, example by example', () => {
  it('Cluster(installation, data_directory): the directory need not exist; the path must be absolute', async () => {
    expect(pgCluster.installation).toBe(pgInstall);
    expect(pgCluster.dataDirectory).toBe(`${root}/pg_data`);
    expect(await pgCluster.initialized()).toBe(false);
    expect(() => new Cluster(pgInstall, 'pg_data')).toThrow('Expected `dataDirectory` to be an absolute path');
  });

  it("pg_cluster.init(user = 'pg', password = 'secret', encoding = 'utf-8')", async () => {
    await pgCluster.init({ user: 'pg', password: 'secret', encoding: 'utf-8', noSync: true });
    expect(await pgCluster.initialized()).toBe(true);
  });

  it('init raises InitDBError when initdb fails, ClusterInitializationError when there is no initdb', async () => {
    const broken = new Cluster(pgInstall, `${root}/other`);
    await expect(broken.init({ encoding: 'no-such-encoding' })).rejects.toBeInstanceOf(InitDBError);
    const noInitdb = new Cluster({ ...pgInstall, versionInfo: pgInstall.versionInfo, paths: { ...pgInstall.paths, initdb: null } }, `${root}/other`);
    await expect(noInitdb.init()).rejects.toBeInstanceOf(ClusterInitializationError);
  });

  it("pg_cluster.settings.update({'listen_addresses' : 'localhost', 'port' : '6543'})", async () => {
    await pgCluster.settings.update({ listen_addresses: 'localhost', port: '6543' });
    expect(readFileSync(`${root}/pg_data/postgresql.conf`, 'utf8')).toMatch(/^listen_addresses = 'localhost'/m);
  });

  it("d = pg_cluster.settings.getset(set(('listen_addresses', 'port')))  →  {'listen_addresses' : 'localhost', 'port' : '6543'}", async () => {
    expect(await pgCluster.settings.getset(new Set(['listen_addresses', 'port']))).toEqual({ listen_addresses: 'localhost', port: '6543' });
  });

  it("assert pg_cluster.settings['max_connections'].__class__ is str", async () => {
    expect(typeof (await pgCluster.settings.get('max_connections'))).toBe('string');
  });

  it('hba = open(pg_cluster.hba_file)', async () => {
    const hbaFile = await pgCluster.hbaFile();
    expect(hbaFile).toBe(`${root}/pg_data/pg_hba.conf`);
    // init() was given a password: pg-cluster's default is then scram-sha-256 (initdb's would be trust).
    expect(readFileSync(hbaFile, 'utf8')).toMatch(/^local\s+all\s+all\s+scram-sha-256/m);
  });

  it('Cluster.start([logfile[, settings]]): a writable file object gets the output; settings become options of the server', async () => {
    let output = '';
    const logfile = new Writable({
      write(chunk: Buffer, _encoding, done) {
        output += chunk.toString();
        done();
      },
    });
    // The example's port 6543 may be taken on a shared machine: a start setting overrides the file.
    await pgCluster.start({ logfile, settings: { port, unix_socket_directories: root } });
    expect(await pgCluster.running()).toBe(true);
    expect(output).toContain('database system is ready to accept connections');
    const client = await connect({ host: 'localhost', password: 'secret' });
    const { rows } = await client.query("select current_setting('port') as port, current_user as user");
    await client.end();
    expect(rows).toEqual([{ port: String(port), user: 'pg' }]);
  });

  it('daemon_path, daemon_process, pid(), running(), ready_for_connections()', async () => {
    expect(pgCluster.daemonPath).toBe(pgInstall.paths.postgres);
    expect(pgCluster.daemonProcess).not.toBeNull();
    expect(await pgCluster.pid()).toBe(pgCluster.daemonProcess!.pid);
    expect(await pgCluster.running()).toBe(true);
    expect(await pgCluster.readyForConnections()).toBe(true);
  });

  it('reload(): after manipulating settings, the server picks them up (SIGHUP)', async () => {
    await pgCluster.settings.set('work_mem', '7MB');
    const result = await pgCluster.reload();
    // The report is the server's: the file's port 6543 (the example's) differs from the port the
    // server was started with, and a port change needs a restart; work_mem applied cleanly.
    expect(result).toMatchObject({ checked: true, pendingRestart: ['port'] });
    expect(result.errors.map((error) => [error.name, error.error])).toEqual([['port', 'setting could not be applied']]);
    const client = await connect();
    expect((await client.query('show work_mem')).rows).toEqual([{ work_mem: '7MB' }]);
    await client.end();
  });

  it('stop(): the server waits for all clients to disconnect before shutting down', async () => {
    const client = await connect();
    const pid = await pgCluster.pid();
    const stopped = await pgCluster.stop({ wait: false });
    expect(stopped).toMatchObject({ wasRunning: true, stopped: false });
    await expect(pgCluster.waitUntilStopped({ timeout: 300 })).rejects.toBeInstanceOf(ClusterTimeoutError);
    expect(await pgCluster.running()).toBe(true);
    expect(await pgCluster.readyForConnections()).toBe(false); // status: stopping
    await client.end();
    await pgCluster.waitUntilStopped();
    expect(isProcessAlive(pid!)).toBe(false);
    expect(await pgCluster.pid()).toBeNull();
    expect(await pgCluster.readyForConnections()).toBeNull();
  });

  it('wait_until_started raises ClusterNotRunningError when the server is not running at all', async () => {
    await expect(pgCluster.waitUntilStarted()).rejects.toBeInstanceOf(ClusterNotRunningError);
  });

  it('shutdown(): closes open client connections and safely shuts down', async () => {
    await pgCluster.start({ settings: { port, unix_socket_directories: root } });
    const client = await connect();
    const result = await pgCluster.shutdown();
    expect(result).toMatchObject({ mode: 'fast', finalMode: 'fast', escalations: [] });
    await expect(client.query('select 1')).rejects.toThrow();
    await client.end().catch(() => undefined);
  });

  it('kill(): immediate destruction (SIGKILL); recovery upon the next start', async () => {
    await pgCluster.start({ settings: { port, unix_socket_directories: root } });
    const result = await pgCluster.kill();
    expect(result.exit).toEqual({ exitCode: null, signal: 'SIGKILL' });
    await pgCluster.start({ settings: { port, unix_socket_directories: root } });
    const log = readFileSync(`${root}/pg_data.log`, 'utf8');
    expect(log).toMatch(/database system was interrupted|was not properly shut down/);
  });

  it('restart([logfile[, settings[, timeout]]]): stop, wait until stopped, start, wait until started', async () => {
    const before = await pgCluster.pid();
    const after = await pgCluster.restart({ settings: { port, unix_socket_directories: root, work_mem: '9MB' }, timeout: 10_000 });
    expect(after.pid).not.toBe(before);
    const client = await connect();
    expect((await client.query('show work_mem')).rows).toEqual([{ work_mem: '9MB' }]);
    await client.end();
  });

  it('wait_until_started raises ClusterStartupError when the server process terminates while polling', async () => {
    await pgCluster.shutdown();
    const error = await pgCluster.start({ settings: { port, unix_socket_directories: root, shared_buffers: 'lots' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClusterStartupError);
  });

  it('drop(): shuts the server down and removes the data directory', async () => {
    await pgCluster.start({ settings: { port, unix_socket_directories: root } });
    const pid = await pgCluster.pid();
    await pgCluster.drop();
    expect(isProcessAlive(pid!)).toBe(false);
    expect(await pgCluster.initialized()).toBe(false);
  });
});
