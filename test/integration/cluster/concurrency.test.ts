import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { Cluster, ClusterStartupError } from '../../../src/cluster/index.js';
import { isProcessAlive, readPostmasterPid } from '../../../src/control/index.js';
import { freePort, npmInstallation, quickInit, systemInstallation, workspace, type Workspace } from './fixtures.js';

const made: Workspace[] = [];
afterEach(async () => {
  for (const w of made.splice(0)) await w.cleanup();
});

describe('concurrent clusters', () => {
  it('side by side: own socket directories, own TCP ports, started and stopped at the same time', async () => {
    const spaces = [workspace(systemInstallation()), workspace(npmInstallation(13)), workspace(npmInstallation(18))];
    made.push(...spaces);
    // TCP is rejected by default: these clusters trust it, so that a client without a password tells the servers apart.
    await Promise.all(spaces.map((w) => w.cluster.init({ ...quickInit, authHost: 'trust' })));
    const ports = [await freePort(), await freePort(), await freePort()];
    expect(new Set(ports).size).toBe(3);
    const started = await Promise.all(spaces.map((w, i) => w.cluster.start({ settings: { ...w.settings, listen_addresses: '127.0.0.1', port: ports[i]! } })));
    expect(new Set(started.map((s) => s.pid)).size).toBe(3);

    for (const [i, w] of spaces.entries()) {
      // Over TCP on its own port, and over its own socket: the same server, its own data directory.
      for (const host of ['127.0.0.1', w.socketDir]) {
        const client = new pg.Client({ host, port: ports[i], user: 'postgres', database: 'postgres' });
        await client.connect();
        const { rows } = await client.query("select current_setting('data_directory') as dir");
        await client.end();
        expect(rows).toEqual([{ dir: w.dataDirectory }]);
      }
      expect(await w.cluster.connectionOptions()).toMatchObject({ host: w.socketDir, port: ports[i] });
    }

    const stopped = await Promise.all(spaces.map((w) => w.cluster.stop({ mode: 'fast' })));
    expect(stopped.every((result) => result.wasRunning && result.stopped)).toBe(true);
    expect(started.filter((s) => isProcessAlive(s.pid))).toEqual([]);
  });

  it('one data directory, two Cluster objects starting at once: never a second server', async () => {
    const w = workspace();
    made.push(w);
    await w.cluster.init(quickInit);
    const other = new Cluster(systemInstallation(), w.dataDirectory);
    const results = await Promise.allSettled([w.cluster.start({ settings: w.settings }), other.start({ settings: w.settings })]);
    const lock = await readPostmasterPid(w.dataDirectory);
    expect(lock).not.toBeNull();
    for (const result of results) {
      if (result.status === 'fulfilled') {
        expect(result.value.pid).toBe(lock!.pid);
      } else {
        expect(result.reason).toBeInstanceOf(ClusterStartupError);
        expect({ code: result.reason.code, message: result.reason.message }).toMatchObject({ code: 'LOCK_FILE_EXISTS' });
      }
    }
    expect(results.some((result) => result.status === 'fulfilled')).toBe(true);
    // Only the winner's postmaster is alive; the loser's (if it spawned one) is gone.
    const spawned = [w.cluster.daemonProcess, other.daemonProcess].filter((p) => p !== null).map((p) => p!.pid);
    expect(spawned.filter(isProcessAlive)).toEqual([lock!.pid]);
    await other.stop({ mode: 'fast' });
  });

  it('connectionOptions() gives the TCP host when Unix sockets are off', async () => {
    const w = workspace();
    made.push(w);
    // No socket, so the client comes over TCP, which is rejected by default: trusted here.
    await w.cluster.init({ ...quickInit, authHost: 'trust' });
    const port = await freePort();
    await w.cluster.start({ settings: { listen_addresses: '127.0.0.1', unix_socket_directories: '', port } });
    const options = await w.cluster.connectionOptions();
    expect(options).toEqual({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
    const client = new pg.Client(options);
    await client.connect();
    expect((await client.query('select 1 as ok')).rows).toEqual([{ ok: 1 }]);
    await client.end();
    await w.cluster.stop();
  });

  it('one Cluster object, start() twice at once: the same start', async () => {
    const w = workspace();
    made.push(w);
    await w.cluster.init(quickInit);
    const [first, second] = await Promise.all([w.cluster.start({ settings: w.settings }), w.cluster.start({ settings: w.settings })]);
    expect(second).toEqual(first);
    await w.cluster.stop();
  });
});
