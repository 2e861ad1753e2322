import { lstat, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { clearServerRemains, isPostmasterOf, readPostmasterPid, removeTree, waitForExit } from '../control/index.js';
import { isOwnerAlive, readOwnerMarker } from './owner-marker.js';

/** A folder without a marker is someone's creation in progress unless it is older than this. */
const UNMARKED_GRACE_MS = 60_000;

export interface SweepResult {
  /** Folders removed. */
  removed: string[];
  /** Servers found running in them (their owner gone) and stopped. */
  stoppedServers: number[];
  /** System V shared memory segments (`key id`) that dead servers in them left, removed. */
  removedSegments: string[];
  /** The `/dev/shm/PostgreSQL.<n>` files (dynamic shared memory) that dead servers in them left, removed. */
  removedDsmSegments: string[];
}

/**
 * Removes what a killed process left in `folder` (a throwaway root's `clusters/`, or its
 * `templates/` for `.build-*` folders): each entry whose owner marker names a process that is
 * gone. A server still running in such a folder (its parent-death signal did not reach it) is
 * stopped first (SIGQUIT, then SIGKILL), after checking it is that data directory's postmaster.
 * Entries of live processes, kept ones (`keep: true`), and fresh entries without a marker are left alone.
 */
export async function sweepLeftovers(folder: string, options: { only?: (name: string) => boolean } = {}): Promise<SweepResult> {
  const result: SweepResult = { removed: [], stoppedServers: [], removedSegments: [], removedDsmSegments: [] };
  const names = await readdir(folder).catch(() => [] as string[]);
  for (const name of names) {
    if (options.only !== undefined && !options.only(name)) continue;
    const path = join(folder, name);
    const marker = await readOwnerMarker(path);
    if (marker === null) {
      const info = await stat(path).catch(() => null);
      if (info === null || Date.now() - info.mtimeMs < UNMARKED_GRACE_MS) continue;
    } else if (marker.keep === true || isOwnerAlive(marker)) {
      continue;
    }
    const dataDirectory = join(path, 'data');
    // The folder is the server's user's: `data` must be its own real directory, not a link to
    // another OS user's data directory, whose server (and shared memory) would then look like ours.
    const folderOwner = (await lstat(path).catch(() => null))?.uid;
    const data = await lstat(dataDirectory).catch(() => null);
    const isOwnData = data !== null && data.isDirectory() && data.uid === folderOwner;
    const lock = isOwnData ? await readPostmasterPid(dataDirectory).catch(() => null) : null;
    if (lock !== null && isPostmasterOf(lock.pid, dataDirectory)) {
      await stopOrphan(lock.pid);
      result.stoppedServers.push(lock.pid);
    }
    // A postmaster killed outright leaves its shared memory (and maybe orphans holding it): ours
    // to end and remove, the /dev/shm files while the System V segment still tells them apart.
    if (lock !== null) {
      const cleared = await clearServerRemains({ dataDirectory, lock, uid: data!.uid });
      for (const name of cleared.removedSharedMemory) {
        if (name.startsWith('SysV ')) result.removedSegments.push(lock.shmemKey!.trim());
        else result.removedDsmSegments.push(name);
      }
    }
    await removeTree(path);
    result.removed.push(path);
  }
  return result;
}

async function stopOrphan(pid: number): Promise<void> {
  for (const signal of ['SIGQUIT', 'SIGKILL'] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      return;
    }
    if ((await waitForExit(pid, null, { timeout: 5_000 })).outcome === 'stopped') return;
  }
}
