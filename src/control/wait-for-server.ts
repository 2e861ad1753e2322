import { watch, type FSWatcher } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { isPostmasterOf, isProcessAlive } from './process-state.js';
import { readPostmasterPid, type PostmasterPid } from './postmaster-pid.js';
import type { ServerExit, ServerProcess } from './server-process.js';

export type WaitForReadyOutcome =
  | { outcome: 'ready'; postmaster: PostmasterPid }
  | { outcome: 'exited'; exit: ServerExit | null }
  | { outcome: 'not-running' }
  | { outcome: 'timeout'; postmaster: PostmasterPid | null }
  | { outcome: 'aborted'; reason: unknown };

export interface WaitOptions {
  /** Milliseconds; default 10,000. */
  timeout?: number;
  /** The longest pause between two looks, in milliseconds; default 50. Early looks are quicker. */
  delay?: number;
  signal?: AbortSignal;
}

/**
 * Waits until the server of `dataDirectory` has started, as the status line of `postmaster.pid`
 * says: `ready` (accepting connections: a primary, or a hot standby) or `standby` (a standby with
 * hot_standby off: up for good, never accepting; pg_ctl counts it as started too). Never reads
 * log text. When
 * `server` is the process we started, the wait also ends as soon as it exits, and the lock
 * file must be its own (a stale one from a crash does not count); the data directory is then
 * watched (fs.watch), so a change of `postmaster.pid` is looked at at once, with the poll as the
 * fallback where watching is not possible or misses a change. Returns an outcome; never throws.
 */
export async function waitForReady(dataDirectory: string, server: ServerProcess | null, options: WaitOptions = {}): Promise<WaitForReadyOutcome> {
  const { timeout = 10_000, delay = 50, signal } = options;
  const deadline = Date.now() + timeout;
  let pause = 1;
  let last: PostmasterPid | null = null;
  const changes = server === null ? null : watchForChanges(dataDirectory);
  try {
    for (;;) {
      changes?.clear();
      if (signal?.aborted) return { outcome: 'aborted', reason: signal.reason };
      if (server !== null && server.exit !== null) return { outcome: 'exited', exit: server.exit };
      last = await readPostmasterPid(dataDirectory);
      if (server !== null) {
        if (last !== null && last.pid !== server.pid) last = null;
        if (server.hasExited) {
          const exit = await server.exitWithin(1_000);
          return { outcome: 'exited', exit };
        }
      } else if (last === null || !isPostmasterOf(last.pid, dataDirectory)) {
        return { outcome: 'not-running' };
      }
      if (last !== null && (last.status === 'ready' || last.status === 'standby')) return { outcome: 'ready', postmaster: last };
      const left = deadline - Date.now();
      if (left <= 0) return { outcome: 'timeout', postmaster: last };
      await pauseOrExit(Math.min(pause, delay, left), server, signal, changes?.next());
      pause *= 2;
    }
  } finally {
    changes?.close();
  }
}

interface FolderChanges {
  /** Resolves at the next change, at once when one came since the last clear(). */
  next(): Promise<void>;
  clear(): void;
  close(): void;
}

/** Changes in `folder` as fs.watch reports them; null where it cannot watch (the poll then does it all). */
function watchForChanges(folder: string): FolderChanges | null {
  let changed = false;
  let wake: (() => void) | null = null;
  let watcher: FSWatcher;
  try {
    watcher = watch(folder, { persistent: false }, () => {
      changed = true;
      wake?.();
      wake = null;
    });
  } catch {
    return null;
  }
  watcher.on('error', () => watcher.close());
  return {
    next: () => (changed ? Promise.resolve() : new Promise<void>((resolve) => (wake = resolve))),
    clear: () => {
      changed = false;
    },
    close: () => watcher.close(),
  };
}

export type WaitForStopOutcome = { outcome: 'stopped' } | { outcome: 'timeout'; pid: number } | { outcome: 'aborted'; reason: unknown };

/**
 * Waits until process `pid` is gone (a zombie counts as gone), racing our child's exit event
 * when it is ours. Returns an outcome; never throws.
 */
export async function waitForExit(pid: number, server: ServerProcess | null, options: WaitOptions = {}): Promise<WaitForStopOutcome> {
  const { timeout = 10_000, delay = 50, signal } = options;
  const deadline = Date.now() + timeout;
  let pause = 1;
  for (;;) {
    if (signal?.aborted) return { outcome: 'aborted', reason: signal.reason };
    if (server !== null && server.pid === pid ? server.hasExited : !isProcessAlive(pid)) return { outcome: 'stopped' };
    const left = deadline - Date.now();
    if (left <= 0) return { outcome: 'timeout', pid };
    await pauseOrExit(Math.min(pause, delay, left), server, signal);
    pause *= 2;
  }
}

async function pauseOrExit(ms: number, server: ServerProcess | null, signal: AbortSignal | undefined, change?: Promise<void>): Promise<void> {
  const controller = new AbortController();
  const waits: Promise<unknown>[] = [sleep(ms, undefined, { signal: controller.signal }).catch(() => undefined)];
  if (change !== undefined) waits.push(change);
  if (server !== null) waits.push(server.exited);
  if (signal !== undefined) {
    waits.push(
      new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        signal.addEventListener('abort', () => resolve(), { once: true, signal: controller.signal });
      }),
    );
  }
  try {
    await Promise.race(waits);
  } finally {
    controller.abort();
  }
}
