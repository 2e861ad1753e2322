import type { PostmasterPid } from './postmaster-pid.js';
import { isProcessAlive, processStartTicks } from './process-state.js';
import { findServerProcesses, isServerProcess } from './server-processes.js';
import {
  allMappedDsmSegments,
  describeSysvSegment,
  findDeadControlSegments,
  hasDsmSegment,
  mappedDsmSegments,
  parseShmemKey,
  readDsmControlSegment,
  readSysvSegments,
  removeDsmSegment,
  removeLeakedSegment,
} from './shared-memory.js';
import { waitForExit } from './wait-for-server.js';

/** What a dead server left that is still there. */
export interface ServerRemains {
  /** Processes of the server still alive (they would not end, or another user's). */
  processes: number[];
  /** Shared memory still there: `/dev/shm/PostgreSQL.<n>` files and System V segments as `SysV <key> <id>`. */
  sharedMemory: string[];
}

export interface ClearedServerRemains {
  /** Processes of the dead postmaster (its orphaned children) that were ended: SIGQUIT, then SIGKILL. */
  endedProcesses: number[];
  /** Shared memory removed, named as in {@link ServerRemains}. */
  removedSharedMemory: string[];
  remains: ServerRemains;
}

export interface ClearServerRemainsOptions {
  dataDirectory: string;
  /** The server's OS user: only its processes and shared memory are touched. */
  uid?: number;
  /** The lock file the server left (read before it stopped): its shared memory key and start time. */
  lock: PostmasterPid | null;
  /** Server processes known from before (the children of a postmaster about to be SIGKILLed). */
  processes?: readonly number[];
  /** `/dev/shm` segments known from before (those the postmaster had mapped). */
  segments?: readonly string[];
  /** Milliseconds the orphans get after SIGQUIT before SIGKILL; default 5,000. */
  timeout?: number;
}

/** How long after the postmaster's start (postmaster.pid, in whole seconds) it creates its control segment. */
const CONTROL_SEGMENT_WINDOW_MS = 10_000;

/**
 * Ends what a dead postmaster of `dataDirectory` left and removes its shared memory. Its
 * children do not all notice its death (a backend busy with a query runs on for seconds), and
 * while they live they hold the data directory's shared memory. They are found in /proc (see
 * findServerProcesses), their `/dev/shm` mappings read, then they are asked to quit as the
 * postmaster would (SIGQUIT), and SIGKILLed after `timeout`. Then, with nobody attached: the
 * System V segment postmaster.pid names is removed (`ipcrm`), and the dynamic shared memory
 * files — the control segment (found mapped by the orphans or the postmaster, or, failing that,
 * as the one control segment of that user created just after the server started that no process
 * maps) and every segment it lists. What could not be ended or removed is in `remains`.
 * Does nothing while a postmaster of the directory is alive.
 */
export async function clearServerRemains(options: ClearServerRemainsOptions): Promise<ClearedServerRemains> {
  const { dataDirectory, uid, lock, processes = [], segments = [], timeout = 5_000 } = options;
  const result: ClearedServerRemains = { endedProcesses: [], removedSharedMemory: [], remains: { processes: [], sharedMemory: [] } };
  const found = findServerProcesses(dataDirectory, uid === undefined ? {} : { uid });
  if (found.postmaster !== null) return result;
  const pids = [...new Set([...processes.filter((pid) => isServerProcess(pid, uid)), ...found.backends])];
  const known = new Set([...segments, ...mappedDsmSegments(pids)]);
  const alive = await endProcesses(pids, uid, timeout);
  result.endedProcesses = pids.filter((pid) => !alive.includes(pid));
  result.remains.processes = alive;

  const sysv = parseShmemKey(lock?.shmemKey ?? null);
  const segment = sysv === null ? undefined : (await readSysvSegments()).find((row) => row.id === sysv.id && row.key === sysv.key);
  if (alive.length > 0) {
    // Still attached: nothing can go yet.
    if (segment !== undefined) result.remains.sharedMemory.push(describeSysvSegment(segment));
    for (const path of known) if (await hasDsmSegment(path)) result.remains.sharedMemory.push(path);
    return result;
  }

  const controls: string[] = [];
  for (const path of known) if ((await readDsmControlSegment(path, uid)) !== null) controls.push(path);
  if (controls.length === 0 && segment !== undefined && lock !== null && Number.isFinite(lock.startTime)) {
    // The segment leaked, so the control segment did too, and nobody maps it any more.
    const from = lock.startTime * 1000;
    for (const path of await findDeadControlSegments(uid, from, from + CONTROL_SEGMENT_WINDOW_MS)) {
      known.add(path);
      controls.push(path);
    }
  }
  for (const control of controls) for (const listed of (await readDsmControlSegment(control, uid)) ?? []) known.add(listed);
  const existing: string[] = [];
  for (const path of known) if (await hasDsmSegment(path)) existing.push(path);
  const mapped = existing.length === 0 ? new Set<string>() : allMappedDsmSegments();
  for (const path of existing) {
    if (mapped.has(path)) {
      result.remains.sharedMemory.push(path);
      continue;
    }
    const removed = await removeDsmSegment(path, uid).catch(() => null);
    if (removed === true) result.removedSharedMemory.push(path);
    else if (removed === null) result.remains.sharedMemory.push(path);
  }
  if (segment !== undefined) {
    if (await removeLeakedSegment(lock!.shmemKey, uid === undefined ? {} : { uid })) result.removedSharedMemory.push(describeSysvSegment(segment));
    else result.remains.sharedMemory.push(describeSysvSegment(segment));
  }
  return result;
}

/**
 * SIGQUIT to each, SIGKILL to those still alive after `timeout`; resolves to those that outlived
 * both. Each pid is followed by its start time, taken while it was known to be a server process:
 * an exiting process soon stops answering for its working directory (so it no longer reads as a
 * server process) and must still be waited for, while a pid reused meanwhile is never signalled.
 */
async function endProcesses(pids: readonly number[], uid: number | undefined, timeout: number): Promise<number[]> {
  const started = new Map(pids.filter((pid) => isServerProcess(pid, uid)).map((pid) => [pid, processStartTicks(pid)]));
  const isStillThere = (pid: number): boolean => {
    const ticks = started.get(pid);
    return ticks !== undefined && ticks !== null && isProcessAlive(pid) && processStartTicks(pid) === ticks;
  };
  for (const signal of ['SIGQUIT', 'SIGKILL'] as const) {
    for (const pid of started.keys()) {
      if (!isStillThere(pid)) continue;
      try {
        process.kill(pid, signal);
      } catch {
        // gone meanwhile, or not ours to signal (reported below)
      }
    }
    const budget = signal === 'SIGQUIT' ? timeout : 1_000;
    await Promise.all([...started.keys()].map((pid) => waitForExit(pid, null, { timeout: budget })));
    if ([...started.keys()].every((pid) => !isStillThere(pid))) return [];
  }
  return [...started.keys()].filter(isStillThere);
}
