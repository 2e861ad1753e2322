import { constants as fsConstants } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isProcessAlive, processStartTicks } from '../control/index.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { readFileNoFollow } from '../fs/regular-file.js';

/** The file in each throwaway folder that names the Node process owning it. */
export const OWNER_FILE = 'owner.json';

export interface OwnerMarker {
  pid: number;
  /** The owner's start time in clock ticks since boot (`/proc/<pid>/stat` field 22), null where unknown: tells a reused pid apart. */
  startTicks: number | null;
  createdAt: string;
  /** Set by `keep: true` on dispose: the folder stays until someone removes it. */
  keep?: boolean;
}

/**
 * Writes the marker of the current process into `folder` (`keep`: the sweep must leave it).
 * `isNewFolder`: `folder` was just made by this process (mkdtemp, mode 0700, nobody else can
 * write in it yet): the marker is created there with one exclusive write, without the fsyncs of
 * an atomic replace (a sweep that reads it half-written sees no marker and leaves a young folder
 * alone). Otherwise it replaces the marker atomically, never through a link.
 */
export async function writeOwnerMarker(folder: string, { keep = false, isNewFolder = false }: { keep?: boolean; isNewFolder?: boolean } = {}): Promise<void> {
  const marker: OwnerMarker = { pid: process.pid, startTicks: processStartTicks(process.pid), createdAt: new Date().toISOString(), ...(keep ? { keep } : {}) };
  const text = `${JSON.stringify(marker)}\n`;
  if (isNewFolder) {
    await writeFile(join(folder, OWNER_FILE), text, { flag: fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY | fsConstants.O_NOFOLLOW, mode: 0o644 });
    return;
  }
  await writeFileAtomic(join(folder, OWNER_FILE), text, { mode: 0o644 });
}

/**
 * The marker in `folder`, or null when there is none (or it is unreadable). As root the folder is
 * the server's user's: only a regular file is read, never a link or a FIFO put in its place.
 */
export async function readOwnerMarker(folder: string): Promise<OwnerMarker | null> {
  try {
    const marker = JSON.parse((await readFileNoFollow(join(folder, OWNER_FILE))).toString('utf8')) as OwnerMarker;
    return Number.isInteger(marker.pid) ? marker : null;
  } catch {
    return null;
  }
}

/** Whether the process that wrote `marker` still runs (the same process, not a reuse of its pid). */
export function isOwnerAlive(marker: OwnerMarker): boolean {
  if (!isProcessAlive(marker.pid)) return false;
  if (marker.startTicks === null) return true;
  const ticks = processStartTicks(marker.pid);
  return ticks === null || ticks === marker.startTicks;
}

