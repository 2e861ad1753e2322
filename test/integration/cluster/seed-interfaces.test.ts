// Issue 17: what py-postgresql and pg_boss users know, on a real cluster: address() before the
// server runs, connect()/connection(), settings.temporarily restored byte for byte (also after a
// throw), init's logfile and locale categories.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, ClusterNotRunningError, SettingsRestoreConflictError } from '../../../src/cluster/index.js';
import { runCommand, userCommand } from '../../../src/control/index.js';
import { Installation } from '../../../src/installation/index.js';
import { makeTempDir, systemBindir } from '../../helpers/scratch-server.js';
import { freePort } from './fixtures.js';

let installation: Installation;
let root: string;
let cluster: Cluster;
let port: number;
const initLog = () => join(root, 'initdb.log');

beforeAll(async () => {
  installation = await Installation.fromPgConfig(join(systemBindir(), 'pg_config'));
  root = makeTempDir();
  cluster = new Cluster(installation, join(root, 'data'));
  port = await freePort();
  await cluster.init({ user: 'postgres', authLocal: 'trust', encoding: 'UTF8', locale: 'C', lcTime: 'C.utf8', lcMonetary: 'C.utf8', noSync: true, logfile: initLog() });
}, 60_000);

afterAll(async () => {
  await cluster.stop({ mode: 'immediate', timeout: 5_000 }).catch(() => undefined);
  rmSync(root, { recursive: true, force: true });
  rmSync(`${join(root, 'data')}.log`, { force: true });
});

/** `postgres -C name -D data`, as the server's user: what the server reads from its files. */
async function serverSays(name: string): Promise<string> {
  const user = await cluster.runAsUser();
  const command = userCommand(installation.paths.postgres!, ['-C', name, '-D', cluster.dataDirectory], process.getuid?.() === 0 ? user : null);
  return (await runCommand(command.file, command.args, command.uid !== undefined ? { uid: command.uid, gid: command.gid! } : {})).stdout.trim();
}

describe('init({ logfile, lcTime, lcMonetary })', () => {
  it("writes initdb's output to the file and sets the locale categories", async () => {
    const log = readFileSync(initLog(), 'utf8');
    expect(log).toContain('The files belonging to this database system will be owned by user');
    expect(log).toMatch(/LC_TIME:\s+C\.utf8/);
    expect(await serverSays('lc_time')).toBe('C.utf8');
    expect(await serverSays('lc_monetary')).toBe('C.utf8');
    expect(await serverSays('lc_numeric')).toBe('C'); // from locale
  });

  it('takes a stream too, and gets the tail of a failed initdb', async () => {
    const chunks: string[] = [];
    const sink = new Writable({ write: (chunk, _encoding, done) => (chunks.push(String(chunk)), done()) });
    const other = new Cluster(installation, join(root, 'bad'));
    await expect(other.init({ noSync: true, lcTime: 'no_SUCH.locale', logfile: sink })).rejects.toMatchObject({ code: 'INITDB_FAILED' });
    expect(chunks.join('')).toMatch(/invalid locale name "no_SUCH\.locale"/);
  }, 30_000);
});

describe('cluster.address() before the server runs', () => {
  it("defaults to the installation's compiled socket folder, port 5432 and localhost, as postgres -C says", async () => {
    const address = await cluster.address();
    expect(address).toEqual({
      host: await serverSays('unix_socket_directories'),
      port: 5432,
      socketDirectory: await serverSays('unix_socket_directories'),
      socketDirectories: [await serverSays('unix_socket_directories')],
      listenAddresses: [await serverSays('listen_addresses')],
    });
    expect(address.socketDirectory).toBe('/var/run/postgresql'); // Debian's build
    expect(String(address.port)).toBe(await serverSays('port'));
  });

  it('reads the files, and is where the started server then listens', async () => {
    await cluster.settings.update({ listen_addresses: '', unix_socket_directories: join(root, 'sock'), port });
    const address = await cluster.address();
    expect(address).toMatchObject({ host: join(root, 'sock'), port, socketDirectories: [join(root, 'sock')], listenAddresses: [] });
    await expect(cluster.connectionOptions()).rejects.toThrow(ClusterNotRunningError);
    await cluster.start();
    const running = await cluster.connectionOptions();
    expect({ host: running.host, port: running.port }).toEqual({ host: address.host, port: address.port });
    expect(await cluster.address()).toEqual(address);
  }, 30_000);
});

describe('cluster.connect() and connection()', () => {
  it('gives a connected client with the socket, port and user; options pick the database', async () => {
    const client = await cluster.connect({ database: 'template1', application_name: 'seed-test' });
    try {
      const { rows } = await client.query('select current_user as user, current_database() as db, current_setting($1) as app', ['application_name']);
      expect(rows).toEqual([{ user: 'postgres', db: 'template1', app: 'seed-test' }]);
    } finally {
      await client.end();
    }
    const config = await cluster.connection({ database: 'postgres' });
    expect(config).toEqual({ host: join(root, 'sock'), port, user: 'postgres', database: 'postgres' });
    expect((await cluster.connectionOptions({ database: 'template1' })).database).toBe('template1');
  });

  it("rejects with the server's error for a database that is not there", async () => {
    await expect(cluster.connect({ database: 'no_such_db' })).rejects.toMatchObject({ code: '3D000' });
  });
});

describe('a cluster with a password, started with -c settings', () => {
  it('connect() carries the password init was given; address() follows the settings of the last start', async () => {
    const other = new Cluster(installation, join(root, 'secret'));
    const otherPort = await freePort();
    const settings = { listen_addresses: '', unix_socket_directories: join(root, 'sock2'), port: otherPort };
    try {
      await other.init({ user: 'app_owner', password: 's3cret pass', authLocal: 'scram-sha-256', authHost: 'scram-sha-256', noSync: true, locale: 'C' });
      expect(await other.address({ settings })).toMatchObject({ host: join(root, 'sock2'), port: otherPort });
      await other.start({ settings });
      expect(await other.address()).toMatchObject({ host: join(root, 'sock2'), port: otherPort }); // the last start's -c settings
      const client = await other.connect();
      try {
        expect((await client.query('select current_user')).rows).toEqual([{ current_user: 'app_owner' }]);
      } finally {
        await client.end();
      }
      expect(await other.connection()).toMatchObject({ user: 'app_owner', password: 's3cret pass' });
      await expect(other.connect({ password: 'wrong' })).rejects.toMatchObject({ code: '28P01' });
    } finally {
      await other.stop({ mode: 'immediate' }).catch(() => undefined);
    }
  }, 60_000);
});

describe('cluster.settings.temporarily on a running server', () => {
  const show = async (name: string): Promise<string> => {
    const client = await cluster.connect();
    try {
      return (await client.query<{ value: string }>('select current_setting($1) as value', [name])).rows[0]!.value;
    } finally {
      await client.end();
    }
  };
  const bytes = (file: string) => readFileSync(join(cluster.dataDirectory, file));

  it('applies the settings by a reload, names those needing a restart, and restores the exact bytes on dispose', async () => {
    const before = bytes('postgresql.conf');
    const autoBefore = bytes('postgresql.auto.conf');
    expect(await show('work_mem')).toBe('4MB');
    {
      await using temporary = await cluster.settings.temporarily({ work_mem: '64MB', shared_buffers: '256MB' });
      expect(await show('work_mem')).toBe('64MB');
      expect(temporary.reload?.checked).toBe(true);
      expect(temporary.pendingRestart).toEqual(['shared_buffers']);
      expect(await show('shared_buffers')).toBe('128MB'); // written, not applied
    }
    expect(bytes('postgresql.conf').equals(before)).toBe(true);
    expect(bytes('postgresql.auto.conf').equals(autoBefore)).toBe(true);
    expect(await show('work_mem')).toBe('4MB');
  }, 30_000);

  it('restores when the body throws', async () => {
    const before = bytes('postgresql.conf');
    const body = async () => {
      await using _temporary = await cluster.settings.temporarily({ work_mem: '32MB' });
      expect(await show('work_mem')).toBe('32MB');
      throw new Error('body failed');
    };
    await expect(body()).rejects.toThrow('body failed');
    expect(bytes('postgresql.conf').equals(before)).toBe(true);
    expect(await show('work_mem')).toBe('4MB');
  }, 30_000);

  it("refuses to restore over an edit made meanwhile, and keeps that edit", async () => {
    const before = bytes('postgresql.conf');
    const temporary = await cluster.settings.temporarily({ work_mem: '16MB' });
    await cluster.settings.set('maintenance_work_mem', '100MB');
    const edited = bytes('postgresql.conf');
    await expect(temporary.restore()).rejects.toThrow(SettingsRestoreConflictError);
    expect(bytes('postgresql.conf').equals(edited)).toBe(true);
    const forced = await temporary.restore({ force: true });
    expect(forced.reload?.checked).toBe(true);
    expect(bytes('postgresql.conf').equals(before)).toBe(true);
    expect(await show('work_mem')).toBe('4MB');
  }, 30_000);
});
