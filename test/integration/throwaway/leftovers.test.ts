import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { childPids, isProcessAlive, mappedDsmSegments, readPostmasterPid, waitForExit } from '../../../src/control/index.js';
import { Cluster } from '../../../src/cluster/index.js';
import { Installation } from '../../../src/installation/index.js';
import { sweepLeftovers } from '../../../src/throwaway/index.js';
import { makeTempDir, startScratchServer, systemBindir } from '../../helpers/scratch-server.js';

function segment(id: number): string | undefined {
  return readFileSync('/proc/sysvipc/shm', 'utf8').split('\n').find((line) => line.trim().split(/\s+/)[1] === String(id));
}

describe('sweepLeftovers with a server still running', () => {
  it('stops a server whose owner is gone (its parent-death signal never came) and removes the folder', async () => {
    const server = await startScratchServer();
    const folder = dirname(server.dataDir);
    try {
      const pid = (await readPostmasterPid(server.dataDir))!.pid;
      writeFileSync(join(folder, 'owner.json'), JSON.stringify({ pid: spawnSync('true').pid, startTicks: null, createdAt: '' }));
      const result = await sweepLeftovers(dirname(folder), { only: (name) => name === basename(folder) });
      expect(result).toMatchObject({ removed: [folder], stoppedServers: [pid] });
      expect(isProcessAlive(pid)).toBe(false);
      expect(existsSync(folder)).toBe(false);
    } finally {
      await server.stop();
    }
  });
});

describe('sweepLeftovers and shared memory', () => {
  it('removes the System V segment a SIGKILLed postmaster left in a leftover folder', async () => {
    const installation = await Installation.fromPgConfig(join(systemBindir(), 'pg_config'));
    const folder = makeTempDir();
    const cluster = new Cluster(installation, join(folder, 'data'));
    await cluster.init({ user: 'postgres', authLocal: 'trust', noSync: true });
    await cluster.start({ settings: { listen_addresses: '', unix_socket_directories: folder } });
    const lock = (await readPostmasterPid(cluster.dataDirectory))!;
    const id = Number(lock.shmemKey!.trim().split(/\s+/)[1]);
    expect(segment(id)).toBeDefined();
    // The postmaster and its children killed outright (the OOM killer, a container stopped):
    // no shutdown ran, the segments outlive the server.
    const processes = [lock.pid, ...childPids(lock.pid)];
    const dsm = mappedDsmSegments(processes);
    expect(dsm.length).toBeGreaterThan(0);
    for (const pid of processes) process.kill(pid, 'SIGKILL');
    for (const pid of processes) expect((await waitForExit(pid, null, { timeout: 5_000 })).outcome).toBe('stopped');
    expect(segment(id)).toBeDefined();
    writeFileSync(join(folder, 'owner.json'), JSON.stringify({ pid: spawnSync('true').pid, startTicks: null, createdAt: '' }));
    const result = await sweepLeftovers(dirname(folder), { only: (name) => name === basename(folder) });
    expect(result).toMatchObject({ removed: [folder], stoppedServers: [], removedSegments: [lock.shmemKey!.trim()] });
    expect(segment(id)).toBeUndefined();
    expect(result.removedDsmSegments).toEqual(expect.arrayContaining(dsm));
    expect(dsm.filter((path) => existsSync(path))).toEqual([]);
  });
});
