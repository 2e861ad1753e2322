import { readdirSync, readFileSync } from 'node:fs';
import { openRegularFile } from '../fs/regular-file.js';
import { listProcessIds } from './process-list.js';
import { lstat, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from './run-command.js';

/** Where POSIX shared memory lives on Linux, and the prefix PostgreSQL names its segments with. */
const SHM_FOLDER = '/dev/shm';
const DSM_PREFIX = 'PostgreSQL.';
/** PG_DYNSHMEM_CONTROL_MAGIC: the first word of a dynamic shared memory control segment. */
const CONTROL_MAGIC = 0x9a503d32;
/** offsetof(dsm_control_header, item): magic, nitems, maxitems, then items aligned to 8. */
const CONTROL_HEADER_BYTES = 16;
/** sizeof(dsm_control_item) on 64-bit Linux: 24 up to PostgreSQL 13, 40 from 14 (first_page, npages). */
const CONTROL_ITEM_BYTES = new Set([24, 40]);

/** A row of /proc/sysvipc/shm. */
export interface SysvSegment {
  key: number;
  id: number;
  size: number;
  /** The pid that created it (for PostgreSQL: the postmaster). */
  creatorPid: number;
  /** How many processes have it attached. */
  attached: number;
  uid: number;
}

/** The System V shared memory segments the kernel holds (Linux; empty elsewhere). */
export async function readSysvSegments(): Promise<SysvSegment[]> {
  let table: string;
  try {
    table = await readFile('/proc/sysvipc/shm', 'utf8');
  } catch {
    return [];
  }
  // Columns: key shmid perms size cpid lpid nattch uid gid …
  return table
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/).map(Number))
    .filter((fields) => fields.length >= 8 && fields.every((field) => Number.isFinite(field)))
    .map((fields) => ({ key: fields[0]!, id: fields[1]!, size: fields[3]!, creatorPid: fields[4]!, attached: fields[6]!, uid: fields[7]! }));
}

/** `  5432001  32768` (postmaster.pid's shared memory line) as numbers, or null. */
export function parseShmemKey(shmemKey: string | null): { key: number; id: number } | null {
  const [key, id] = (shmemKey ?? '').trim().split(/\s+/).map(Number);
  if (key === undefined || id === undefined || !Number.isInteger(key) || !Number.isInteger(id)) return null;
  return { key, id };
}

/** How a System V segment is named in results: `SysV <key> <id>`. */
export function describeSysvSegment(segment: { key: number; id: number }): string {
  return `SysV ${segment.key} ${segment.id}`;
}

/**
 * Removes the System V shared memory segment a dead postmaster left, as its `postmaster.pid`
 * names it (`  <key>  <id>`), when the kernel still has that segment with the same key and
 * nobody is attached (a postmaster killed with SIGKILL never removes it). Linux only (reads
 * /proc/sysvipc/shm); resolves to whether a segment was removed. Never throws.
 */
export async function removeLeakedSegment(shmemKey: string | null, options: { uid?: number } = {}): Promise<boolean> {
  const wanted = parseShmemKey(shmemKey);
  if (wanted === null) return false;
  const segment = (await readSysvSegments()).find((row) => row.id === wanted.id);
  if (segment === undefined || segment.key !== wanted.key || segment.attached !== 0) return false;
  if (options.uid !== undefined && segment.uid !== options.uid) return false;
  try {
    await runCommand('ipcrm', ['-m', String(wanted.id)]);
    return true;
  } catch {
    return false;
  }
}

/**
 * The `/dev/shm/PostgreSQL.<n>` files the processes `pids` have mapped (the postmaster's
 * dynamic shared memory control segment, which every child inherits, and the segments a
 * backend works with), from /proc/<pid>/maps. Unreadable processes are skipped.
 */
export function mappedDsmSegments(pids: Iterable<number>): string[] {
  const found = new Set<string>();
  for (const pid of pids) {
    for (const path of readMappedPaths(pid)) if (isDsmPath(path)) found.add(path);
  }
  return [...found];
}

/**
 * Every `/dev/shm/PostgreSQL.<n>` file a `postgres` process we may look at has mapped. Only
 * server processes map them (a program a backend starts with exec loses its mappings), and
 * reading the maps of every process would cost a hundred file reads.
 */
export function allMappedDsmSegments(): Set<string> {
  const servers = listProcessIds().filter((pid) => isPostgresName(String(pid)));
  return new Set(mappedDsmSegments(servers));
}

function isPostgresName(pid: string): boolean {
  try {
    const name = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    return name === 'postgres' || name === 'postmaster';
  } catch {
    return false;
  }
}

function readMappedPaths(pid: number): string[] {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/maps`, 'utf8');
  } catch {
    return [];
  }
  const paths: string[] = [];
  for (const line of text.split('\n')) {
    // address perms offset dev inode path: the path is what follows the fifth field.
    const match = /^\S+ \S+ \S+ \S+ \d+\s+(\/.*)$/.exec(line);
    if (match !== null) paths.push(match[1]!);
  }
  return paths;
}

function isDsmPath(path: string): boolean {
  return path.startsWith(`${SHM_FOLDER}/${DSM_PREFIX}`) && /^\d+$/.test(path.slice(SHM_FOLDER.length + 1 + DSM_PREFIX.length));
}

/**
 * The segments a dynamic shared memory control segment lists (`/dev/shm/PostgreSQL.<handle>`
 * for each item in use), or null when `path` is not a control segment of `uid`: a regular file
 * (never followed through a link, never a FIFO) whose first word is PostgreSQL's control magic
 * and whose size is the header plus `maxitems` items.
 */
export async function readDsmControlSegment(path: string, uid?: number): Promise<string[] | null> {
  let opened;
  try {
    opened = await openRegularFile(path);
  } catch {
    return null;
  }
  const { handle, stats } = opened;
  try {
    if ((uid !== undefined && stats.uid !== uid) || stats.size < CONTROL_HEADER_BYTES || stats.size > 64 * 1024 * 1024) return null;
    const bytes = Buffer.alloc(stats.size);
    await handle.read(bytes, 0, bytes.length, 0);
    const nitems = bytes.readUInt32LE(4);
    const maxitems = bytes.readUInt32LE(8);
    if (bytes.readUInt32LE(0) !== CONTROL_MAGIC || maxitems === 0 || nitems > maxitems) return null;
    const itemBytes = (stats.size - CONTROL_HEADER_BYTES) / maxitems;
    if (!CONTROL_ITEM_BYTES.has(itemBytes)) return null;
    const listed: string[] = [];
    for (let index = 0; index < nitems; index++) {
      const offset = CONTROL_HEADER_BYTES + index * itemBytes;
      const segmentHandle = bytes.readUInt32LE(offset);
      const references = bytes.readUInt32LE(offset + 4);
      if (references > 0) listed.push(`${SHM_FOLDER}/${DSM_PREFIX}${segmentHandle}`);
    }
    return listed;
  } catch {
    return null;
  } finally {
    await handle.close();
  }
}

/**
 * The control segments of dead servers of `uid` created between `from` and `to` (ms since the
 * epoch): `/dev/shm/PostgreSQL.<n>` files with the control magic that no process has mapped (a
 * live postmaster keeps its own mapped from start to exit). How a leak is told apart when its
 * handle, which sits in the System V segment Node cannot attach, is not known otherwise.
 */
export async function findDeadControlSegments(uid: number | undefined, from: number, to: number): Promise<string[]> {
  let names: string[];
  try {
    names = readdirSync(SHM_FOLDER);
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const name of names) {
    const path = join(SHM_FOLDER, name);
    if (!isDsmPath(path)) continue;
    const stats = await lstat(path).catch(() => null);
    if (stats === null || !stats.isFile() || (uid !== undefined && stats.uid !== uid)) continue;
    const born = stats.birthtimeMs > 0 ? stats.birthtimeMs : stats.mtimeMs;
    if (born < from || born > to) continue;
    if ((await readDsmControlSegment(path, uid)) !== null) found.push(path);
  }
  if (found.length === 0) return found;
  const mapped = allMappedDsmSegments();
  return found.filter((path) => !mapped.has(path));
}

/**
 * Removes a `/dev/shm/PostgreSQL.<n>` file of `uid` (the link itself, never what it points to).
 * Resolves to true when it was removed, false when it was not there; throws when it could not be.
 */
export async function removeDsmSegment(path: string, uid?: number): Promise<boolean> {
  if (!isDsmPath(path)) return false;
  const stats = await lstat(path).catch(() => null);
  if (stats === null) return false;
  if (uid !== undefined && stats.uid !== uid) throw new Error(`${path} belongs to uid ${stats.uid}, not the server's ${uid}`);
  try {
    await unlink(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** Whether `path` (a `/dev/shm` file) exists, without following a link. */
export async function hasDsmSegment(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}
