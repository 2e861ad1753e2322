// What a postmaster that died outright leaves (issue 10, items 9 and 10): backends that run on
// (a busy one for seconds), its System V segment and its /dev/shm files; and a server whose data
// directory was removed or renamed under it, which a second Cluster object must still find and stop.
// As root the server runs as `postgres`; as a normal user, as that user.
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { Cluster } from '../../../src/cluster/index.js';
import { childPids, findServerProcesses, isProcessAlive, mappedDsmSegments, parseShmemKey, readPostmasterPid, readSysvSegments, waitForExit } from '../../../src/control/index.js';
import { quickInit, systemInstallation, useWorkspaces, type Workspace } from './fixtures.js';

const ws = useWorkspaces();

/** A client busy with a query that takes many seconds of CPU, and its backend's pid. */
async function busyBackend(w: Workspace): Promise<{ pid: number; client: pg.Client; done: Promise<unknown> }> {
  const client = new pg.Client(await w.cluster.connectionOptions());
  client.on('error', () => undefined);
  await client.connect();
  const pid = Number((await client.query('select pg_backend_pid() as pid')).rows[0].pid);
  const done = client.query('select count(*) from generate_series(1, 1e9)').catch((error: unknown) => error);
  // Until the backend is executing it (pg_stat_activity says so from another connection).
  const watcher = new pg.Client(await w.cluster.connectionOptions());
  await watcher.connect();
  try {
    await expect.poll(async () => (await watcher.query('select state from pg_stat_activity where pid = $1', [pid])).rows[0]?.state, { timeout: 5_000 }).toBe('active');
  } finally {
    await watcher.end();
  }
  return { pid, client, done };
}

/** Everything a server of `dataDirectory` holds: its processes, its System V segment, its /dev/shm files. */
async function serverFootprint(dataDirectory: string) {
  const lock = (await readPostmasterPid(dataDirectory))!;
  const processes = [lock.pid, ...childPids(lock.pid)];
  return { lock, processes, sysv: parseShmemKey(lock.shmemKey)!, dsm: mappedDsmSegments(processes) };
}

async function sysvExists(segment: { key: number; id: number }): Promise<boolean> {
  return (await readSysvSegments()).some((row) => row.id === segment.id && row.key === segment.key);
}

async function killPostmaster(pid: number): Promise<void> {
  process.kill(pid, 'SIGKILL');
  expect((await waitForExit(pid, null, { timeout: 5_000 })).outcome).toBe('stopped');
}

describe('stop() after kill -9 of the postmaster', () => {
  for (const who of ['the object that started it', 'another Cluster object'] as const) {
    it(`by ${who}: ends the orphaned backend busy with a query, removes the SysV segment and the /dev/shm files`, async () => {
      const w = ws();
      await w.cluster.init({ ...quickInit, timeout: 30_000 });
      await w.cluster.start({ settings: w.settings });
      const busy = await busyBackend(w);
      try {
        const before = await serverFootprint(w.dataDirectory);
        expect(before.dsm.length).toBeGreaterThan(0); // the DSM control segment, mapped by all
        await killPostmaster(before.lock.pid);
        // The fault as reported: the busy backend runs on without its postmaster.
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(isProcessAlive(busy.pid)).toBe(true);

        const cluster = who === 'the object that started it' ? w.cluster : new Cluster(systemInstallation(), w.dataDirectory);
        const result = await cluster.stop();
        expect(result).toMatchObject({ wasRunning: true, crashed: true, stopped: true, pid: before.lock.pid, remains: { processes: [], sharedMemory: [] } });
        expect(result.orphans).toContain(busy.pid);
        expect(isProcessAlive(busy.pid)).toBe(false);
        expect(before.processes.filter(isProcessAlive)).toEqual([]);
        expect(findServerProcesses(w.dataDirectory)).toEqual({ postmaster: null, backends: [] });
        expect(await sysvExists(before.sysv)).toBe(false);
        expect(before.dsm.filter((path) => existsSync(path))).toEqual([]);
        expect(result.removedSharedMemory).toEqual(expect.arrayContaining([`SysV ${before.sysv.key} ${before.sysv.id}`, ...before.dsm]));
        // Nothing left to do the second time; and the directory starts again.
        expect(await cluster.stop()).toMatchObject({ wasRunning: false, crashed: false, orphans: [], removedSharedMemory: [] });
        await w.cluster.start({ settings: w.settings });
        expect(await w.cluster.readyForConnections()).toBe(true);
      } finally {
        await busy.client.end().catch(() => undefined);
      }
    });
  }

  it('with every server process killed too (no orphan to read from): another object still removes the SysV segment and the DSM control segment', async () => {
    const w = ws();
    await w.cluster.init({ ...quickInit, timeout: 30_000 });
    await w.cluster.start({ settings: w.settings });
    const before = await serverFootprint(w.dataDirectory);
    for (const pid of before.processes) process.kill(pid, 'SIGKILL');
    for (const pid of before.processes) expect((await waitForExit(pid, null, { timeout: 5_000 })).outcome).toBe('stopped');
    expect(await sysvExists(before.sysv)).toBe(true);
    expect(before.dsm.filter((path) => existsSync(path))).toEqual(before.dsm);

    const result = await new Cluster(systemInstallation(), w.dataDirectory).stop();
    expect(result).toMatchObject({ wasRunning: false, crashed: true, stopped: true, orphans: [], remains: { processes: [], sharedMemory: [] } });
    expect(await sysvExists(before.sysv)).toBe(false);
    expect(before.dsm.filter((path) => existsSync(path))).toEqual([]);
  });

  it('kill() leaves no process, no SysV segment and no /dev/shm file of the server', async () => {
    const w = ws();
    await w.cluster.init({ ...quickInit, timeout: 30_000 });
    await w.cluster.start({ settings: w.settings });
    const before = await serverFootprint(w.dataDirectory);
    const result = await w.cluster.kill();
    expect(before.processes.filter(isProcessAlive)).toEqual([]);
    expect(before.dsm.filter((path) => existsSync(path))).toEqual([]);
    expect(await sysvExists(before.sysv)).toBe(false);
    expect(result).toMatchObject({ wasRunning: true, crashed: true, finalMode: 'kill', stopped: true, remains: { processes: [], sharedMemory: [] } });
  });
});

describe('a data directory removed or renamed under a running server', () => {
  for (const how of ['removed', 'renamed'] as const) {
    it(`${how}: a second Cluster object finds the server in /proc and stop() ends all its processes`, async () => {
      const w = ws();
      await w.cluster.init({ ...quickInit, timeout: 30_000 });
      await w.cluster.start({ settings: w.settings });
      const before = await serverFootprint(w.dataDirectory);
      expect(before.processes.length).toBeGreaterThan(1);
      if (how === 'removed') rmSync(w.dataDirectory, { recursive: true, force: true });
      else renameSync(w.dataDirectory, join(w.root, 'moved'));

      const second = new Cluster(systemInstallation(), w.dataDirectory);
      expect(await second.pid()).toBe(before.lock.pid);
      const result = await second.stop({ mode: 'fast' });
      expect(result).toMatchObject({ wasRunning: true, pid: before.lock.pid, stopped: true, remains: { processes: [], sharedMemory: [] } });
      expect(before.processes.filter(isProcessAlive)).toEqual([]);
      expect(await sysvExists(before.sysv)).toBe(false);
      expect(before.dsm.filter((path) => existsSync(path))).toEqual([]);
      expect(await second.running()).toBe(false);
    });
  }

  it('removed: drop() by a second object stops the server too', async () => {
    const w = ws();
    await w.cluster.init({ ...quickInit, timeout: 30_000 });
    await w.cluster.start({ settings: w.settings });
    const before = await serverFootprint(w.dataDirectory);
    rmSync(w.dataDirectory, { recursive: true, force: true });
    await new Cluster(systemInstallation(), w.dataDirectory).drop();
    expect(before.processes.filter(isProcessAlive)).toEqual([]);
  });

  it('renamed: the server at the new path is not mistaken for one of a new cluster at the old path', async () => {
    const w = ws();
    await w.cluster.init({ ...quickInit, timeout: 30_000 });
    await w.cluster.start({ settings: w.settings });
    const moved = await serverFootprint(w.dataDirectory);
    renameSync(w.dataDirectory, join(w.root, 'moved'));
    // A new cluster at the old path: only its own server is its target.
    const fresh = new Cluster(systemInstallation(), w.dataDirectory);
    await fresh.init({ ...quickInit, timeout: 30_000 });
    expect(await fresh.pid()).toBeNull();
    expect(await fresh.stop()).toMatchObject({ wasRunning: false, crashed: false });
    expect(moved.processes.filter(isProcessAlive)).toEqual(moved.processes);
    // The old server is stopped by a Cluster on where it now is.
    expect(readFileSync(join(w.root, 'moved', 'postmaster.pid'), 'utf8').split('\n')[0]).toBe(String(moved.lock.pid));
    await new Cluster(systemInstallation(), join(w.root, 'moved')).stop({ mode: 'fast' });
    expect(moved.processes.filter(isProcessAlive)).toEqual([]);
  });
});
