import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Cluster, ClusterNotInitializedError, ClusterNotRunningError, resolveClusterAddress, splitServerList } from '../../../src/cluster/index.js';

const defaults = { port: 5432, listenAddresses: 'localhost', socketDirectories: '/var/run/postgresql' };

describe('resolveClusterAddress', () => {
  it("uses the server's defaults for what nothing sets", () => {
    expect(resolveClusterAddress({}, defaults, '/data')).toEqual({
      host: '/var/run/postgresql',
      port: 5432,
      socketDirectory: '/var/run/postgresql',
      socketDirectories: ['/var/run/postgresql'],
      listenAddresses: ['localhost'],
    });
  });

  it('takes the TCP address when there is no socket, a wildcard as this machine', () => {
    expect(resolveClusterAddress({ unix_socket_directories: '', listen_addresses: '*', port: '6543' }, defaults, '/data')).toEqual({
      host: 'localhost', port: 6543, socketDirectories: [], listenAddresses: ['*'],
    });
    expect(resolveClusterAddress({ unix_socket_directories: '', listen_addresses: '::' }, defaults, '/d').host).toBe('::1');
    expect(resolveClusterAddress({ unix_socket_directories: '', listen_addresses: '0.0.0.0' }, defaults, '/d').host).toBe('localhost');
    expect(resolveClusterAddress({ unix_socket_directories: '', listen_addresses: '127.0.0.1, ::1' }, defaults, '/d').host).toBe('127.0.0.1');
    expect(resolveClusterAddress({ unix_socket_directories: '', listen_addresses: '' }, defaults, '/d').host).toBeNull();
  });

  it('splits lists as the server does: commas, spaces, double quotes; relative folders against the data directory', () => {
    expect(resolveClusterAddress({ unix_socket_directories: ' "/tmp/a, b" , sock,@abstract' }, defaults, '/data')).toMatchObject({
      host: '/tmp/a, b',
      socketDirectories: ['/tmp/a, b', '/data/sock', '@abstract'],
    });
    expect(splitServerList('a,,b , "c""d" ,')).toEqual(['a', 'b', 'c"d']);
    expect(splitServerList('  ')).toEqual([]);
  });
});

describe('cluster.address() without a server', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pgct-address-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  // No postgres to ask: the socket default is PostgreSQL's own, /tmp.
  const faux = { versionInfo: { major: 15 }, paths: {} };

  it('reads postgresql.conf, its includes and postgresql.auto.conf; start settings win', async () => {
    const data = join(dir, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'postgresql.conf'), "port = 6000\ninclude 'more.conf'\n");
    writeFileSync(join(data, 'more.conf'), "listen_addresses = '127.0.0.1'\n");
    writeFileSync(join(data, 'postgresql.auto.conf'), "port = '6001'\n");
    const cluster = new Cluster(faux, data);
    expect(await cluster.address()).toEqual({ host: '/tmp', port: 6001, socketDirectory: '/tmp', socketDirectories: ['/tmp'], listenAddresses: ['127.0.0.1'] });
    expect(await cluster.address({ settings: { port: 7000, unix_socket_directories: '' } })).toMatchObject({ host: '127.0.0.1', port: 7000 });
    await expect(cluster.connectionOptions()).rejects.toThrow(ClusterNotRunningError); // that one needs a running server
    await expect(cluster.address({ settings: 'port=1' as never })).rejects.toThrow('Expected `settings` to be an object');
  });

  it('ClusterNotInitializedError where there is no postgresql.conf', async () => {
    await expect(new Cluster(faux, join(dir, 'none')).address()).rejects.toThrow(ClusterNotInitializedError);
  });

  it('connectionOptions({ database }) checks the name', async () => {
    await expect(new Cluster(faux, dir).connectionOptions({ database: '' })).rejects.toThrow('Expected `database` to be a non-empty string');
  });
});
