import { readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { listProcessIds } from './process-list.js';
import { findServerProcesses } from './server-processes.js';

/**
 * The one-letter state of a process from `/proc/<pid>/stat` (`R`, `S`, `D`, `Z`, …), `null`
 * when there is no such process, `undefined` when this system has no `/proc`.
 */
export function processState(pid: number): string | null | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return hasProcFs() ? null : undefined;
    throw error;
  }
  // The command name is in parentheses and may itself hold spaces or parentheses: the state
  // is the first field after the last `)`.
  const close = text.lastIndexOf(')');
  return text.slice(close + 2, close + 3) || null;
}

/** The command name (`comm`, at most 15 characters) of a process, or null. */
export function processName(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return null;
  }
}

/**
 * The working directory of a process (the data directory, for a postmaster), or null when
 * it cannot be read (no such process, no `/proc`, or another user's process when not root).
 */
export function processWorkingDirectory(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return null;
  }
}

/**
 * Whether a process is alive. A zombie (`Z`: exited, not yet reaped) counts as gone: PID 1 in
 * containers often does not reap orphans, so `kill(pid, 0)` alone would call a dead server alive.
 * Where there is no `/proc` (macOS), falls back to `kill(pid, 0)`.
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const state = processState(pid);
  if (state === null) return false;
  if (state !== undefined) return state !== 'Z' && state !== 'X';
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether `pid` looks like the postmaster of `dataDirectory`: alive, named `postgres` or
 * `postmaster`, and (where its working directory can be read) working in that directory.
 * Guards against signalling an unrelated process that reused the pid of a stale lock file.
 */
export function isPostmasterOf(pid: number, dataDirectory: string): boolean {
  if (!isProcessAlive(pid)) return false;
  const name = processName(pid);
  if (name !== null && name !== 'postgres' && name !== 'postmaster') return false;
  const cwd = processWorkingDirectory(pid);
  if (cwd === null) return true;
  return samePath(cwd, dataDirectory);
}

function samePath(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

let procFs: boolean | undefined;
function hasProcFs(): boolean {
  if (procFs === undefined) {
    try {
      readFileSync('/proc/self/stat');
      procFs = true;
    } catch {
      procFs = false;
    }
  }
  return procFs;
}

/** The pids of the live children of `pid` (from /proc; empty where there is none). */
export function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const entry of listProcessIds()) {
    let text: string;
    try {
      text = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // After the command name: state, ppid, …
    if (fields[1] === String(pid) && fields[0] !== 'Z') children.push(Number(entry));
  }
  return children;
}

/**
 * Server processes left over from a crashed postmaster of `dataDirectory`: named postgres,
 * working in that directory, with no live postmaster of it above them (their parent is now PID 1
 * or a subreaper: see findServerProcesses). While they live they hold the shared memory the next
 * start needs ("pre-existing shared memory block is still in use"). Only processes whose working
 * directory we may read (ours, or any as root) are found.
 */
export function findServerOrphans(dataDirectory: string): number[] {
  const found = findServerProcesses(dataDirectory);
  return found.postmaster === null ? found.backends : [];
}

/** Field 22 of `/proc/<pid>/stat` (start time in clock ticks since boot: tells a reused pid apart), or null where there is no /proc. */
export function processStartTicks(pid: number): number | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? ticks : null;
  } catch {
    return null;
  }
}
