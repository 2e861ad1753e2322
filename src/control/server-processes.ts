import { existsSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { listProcessIds } from './process-list.js';
import { basename, dirname, join } from 'node:path';

/** The live processes of one data directory's server, found in /proc. */
export interface ServerProcesses {
  /** The postmaster, when one is alive. */
  postmaster: number | null;
  /** Every other server process: the postmaster's children, or the orphans of a dead postmaster. */
  backends: number[];
}

export interface FindServerProcessesOptions {
  /** Only processes of this uid count (the server's OS user: the data directory's owner). */
  uid?: number;
  /** The pid the postmaster is known by (postmaster.pid, or the process we spawned). */
  postmasterPid?: number | null;
}

interface Candidate {
  pid: number;
  ppid: number;
  cwd: string;
}

/**
 * The live `postgres` processes of the server of `dataDirectory`, from /proc: named `postgres`
 * (or `postmaster`), not zombies, of `uid`, working in that directory — also when it was removed
 * under them (the link then reads `<path> (deleted)`). Where the directory is gone, a postmaster
 * started with `-D <dataDirectory>` counts too (it was renamed), with the processes that work
 * where it works. Paths must match exactly (after resolving links in the part that exists). The
 * postmaster is the one the others descend from; when it is dead they are all orphans (their
 * parent is PID 1 or a subreaper). Backends each run in a session of their own (the postmaster
 * makes them session leaders), so the process group tells nothing. Only processes whose working
 * directory we may read (ours, or any as root) are found; where there is no /proc, none.
 */
export function findServerProcesses(dataDirectory: string, options: FindServerProcessesOptions = {}): ServerProcesses {
  const { uid, postmasterPid = null } = options;
  const target = resolveExisting(dataDirectory);
  const deleted = `${target} (deleted)`;
  const candidates = listPostgresProcesses(uid);
  let members = candidates.filter((candidate) => candidate.cwd === target || candidate.cwd === deleted);
  if (members.length === 0 && !existsSync(dataDirectory)) {
    const renamed = candidates.find((candidate) => hasDataDirectoryArgument(candidate.pid, dataDirectory));
    if (renamed !== undefined) members = candidates.filter((candidate) => candidate.cwd === renamed.cwd);
  }
  const pids = new Set(members.map((member) => member.pid));
  const roots = members.filter((member) => !pids.has(member.ppid));
  const parents = roots.filter((root) => members.some((member) => member.ppid === root.pid));
  let postmaster: number | null = null;
  if (parents.length === 1) postmaster = parents[0]!.pid;
  else if (postmasterPid !== null && roots.some((root) => root.pid === postmasterPid)) postmaster = postmasterPid;
  else if (roots.length === 1 && members.length === 1 && hasPostmasterArguments(roots[0]!.pid)) postmaster = roots[0]!.pid;
  return { postmaster, backends: members.map((member) => member.pid).filter((pid) => pid !== postmaster) };
}

/**
 * Whether `pid` is still a live `postgres` process of `uid`: checked again right before a
 * signal, so that a pid reused since it was found is never signalled.
 */
export function isServerProcess(pid: number, uid: number | undefined): boolean {
  const candidate = readCandidate(pid, uid);
  return candidate !== null;
}

function listPostgresProcesses(uid: number | undefined): Candidate[] {
  const found: Candidate[] = [];
  for (const pid of listProcessIds()) {
    const candidate = readCandidate(pid, uid);
    if (candidate !== null) found.push(candidate);
  }
  return found;
}

function readCandidate(pid: number, uid: number | undefined): Candidate | null {
  // comm first: /proc/<pid>/stat costs the kernel several times more, so only postgres gets read.
  let comm: string;
  let stat: string;
  try {
    comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    if (comm !== 'postgres' && comm !== 'postmaster') return null;
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // After the command name: state, ppid, …
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return null;
  if (uid !== undefined && processUid(pid) !== uid) return null;
  let cwd: string;
  try {
    cwd = readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return null;
  }
  return { pid, ppid: Number(fields[1]), cwd };
}

/** The effective uid of a process (from /proc/<pid>/status), or null. */
export function processUid(pid: number): number | null {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((text) => text.startsWith('Uid:'));
    const effective = line?.split(/\s+/)[2];
    return effective === undefined ? null : Number(effective);
  } catch {
    return null;
  }
}

function readArguments(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

/** `-D <dir>`, `-D<dir>` or `--pgdata=<dir>` naming exactly `dataDirectory` (only a postmaster keeps its argv). */
function hasDataDirectoryArgument(pid: number, dataDirectory: string): boolean {
  const args = readArguments(pid);
  return args.some((arg, index) => (arg === '-D' && args[index + 1] === dataDirectory) || arg === `-D${dataDirectory}` || arg === `--pgdata=${dataDirectory}`);
}

/**
 * Whether the process still shows the arguments it was started with, as a postmaster does: a
 * backend sets a title (`postgres: checkpointer`), and one that is exiting shows none at all
 * (its memory, and with it the command line, is gone before it is a zombie).
 */
function hasPostmasterArguments(pid: number): boolean {
  const first = readArguments(pid)[0];
  return first !== undefined && first !== '' && !first.startsWith('postgres: ');
}

/** `path` with links resolved in the part of it that exists (a removed directory keeps its parent's real path). */
function resolveExisting(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    const parent = dirname(path);
    return parent === path ? path : join(resolveExisting(parent), basename(path));
  }
}
