import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sweepLeftovers } from '../../../src/throwaway/leftovers.js';
import { processStartTicks } from '../../../src/control/index.js';
import { isOwnerAlive, readOwnerMarker, writeOwnerMarker } from '../../../src/throwaway/owner-marker.js';

const scratch = mkdtempSync('/tmp/pgct-sweep-');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The pid of a process that has exited. */
function deadPid(): number {
  return spawnSync('true').pid!;
}

function folder(name: string, marker?: object, ageMs = 0): string {
  const path = join(scratch, name);
  mkdirSync(path);
  if (marker !== undefined) writeFileSync(join(path, 'owner.json'), JSON.stringify(marker));
  if (ageMs > 0) utimesSync(path, new Date(Date.now() - ageMs), new Date(Date.now() - ageMs));
  return path;
}

describe('owner markers', () => {
  it('names this process, alive, and tells a reused pid apart by its start time', async () => {
    const path = folder('mine');
    await writeOwnerMarker(path);
    const marker = (await readOwnerMarker(path))!;
    expect(marker.pid).toBe(process.pid);
    expect(marker.startTicks).toBe(processStartTicks(process.pid));
    expect(isOwnerAlive(marker)).toBe(true);
    expect(isOwnerAlive({ ...marker, startTicks: marker.startTicks! + 1 })).toBe(false);
    expect(isOwnerAlive({ ...marker, pid: deadPid() })).toBe(false);
  });
});

describe('sweepLeftovers', () => {
  it('removes folders of dead owners and leaves live, kept and fresh unmarked ones', async () => {
    const dead = folder('dead', { pid: deadPid(), startTicks: null, createdAt: '' });
    const live = folder('live', { pid: process.pid, startTicks: processStartTicks(process.pid), createdAt: '' });
    const kept = folder('kept', { pid: deadPid(), startTicks: null, createdAt: '', keep: true });
    const fresh = folder('fresh');
    const stale = folder('stale', undefined, 10 * 60_000);
    const result = await sweepLeftovers(scratch);
    expect(result.removed.sort()).toEqual([dead, stale].sort());
    expect(result.stoppedServers).toEqual([]);
    for (const path of [live, kept, fresh]) expect(existsSync(path)).toBe(true);
    for (const path of [dead, stale]) expect(existsSync(path)).toBe(false);
  });

  it('only looks at the names it is told to', async () => {
    const other = folder('.build-x', { pid: deadPid(), startTicks: null, createdAt: '' });
    const ignored = folder('not-a-build', { pid: deadPid(), startTicks: null, createdAt: '' });
    const result = await sweepLeftovers(scratch, { only: (name) => name.startsWith('.build-') });
    expect(result.removed).toEqual([other]);
    expect(existsSync(ignored)).toBe(true);
  });

  it('is a no-op on a missing folder', async () => {
    expect(await sweepLeftovers(join(scratch, 'missing'))).toEqual({ removed: [], stoppedServers: [], removedSegments: [], removedDsmSegments: [] });
  });
});
