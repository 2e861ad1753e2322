import { lstat, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { isRoot, runCommand, userCommand, type RunAsUser } from '../control/index.js';
import { readFileNoFollow } from '../fs/regular-file.js';

export interface SlimTemplateOptions {
  /** The `postgres` program (for the single-user run that drops `template0`). */
  postgres: string;
  /** The server's OS user (as root the files are removed as that user); null: ourselves. */
  user: RunAsUser | null;
  /** Keep `template0` (default false: dropped). */
  keepTemplate0?: boolean;
  timeout?: number;
  signal?: AbortSignal;
}

/** What {@link slimTemplate} removed. */
export interface SlimResult {
  droppedTemplate0: boolean;
  /** Paths relative to the data directory. */
  removed: string[];
}

/** `DBState` of pg_control: a clean shutdown. */
const DB_SHUTDOWNED = 1;

/**
 * Takes out of a freshly initialized (stopped) template what a new cluster does not need, so
 * each copy is about half the size: `template0` (dropped in a single-user run of the server, so
 * `CREATE DATABASE … TEMPLATE template0` fails with the server's own error 3D000, `template
 * database "template0" does not exist`, instead of reading files that are not there), the free
 * space maps and visibility maps (`*_fsm`, `*_vm`: rebuilt by vacuum; a missing one means "no
 * free space known", "no page known all-visible", both safe), the WAL segments other than the
 * one(s) holding the last checkpoint (the others are recycled spares), and the statistics file
 * (`pg_stat/pgstat.stat`: a new cluster starts with empty statistics). A template that was not
 * shut down cleanly keeps its WAL. As root the files are removed as the server's OS user, whose
 * folder this is (root never removes by path in a tree another user can change).
 */
export async function slimTemplate(dataDirectory: string, options: SlimTemplateOptions): Promise<SlimResult> {
  const { postgres, user, keepTemplate0 = false, timeout, signal } = options;
  if (!keepTemplate0) await dropTemplate0(dataDirectory, postgres, user, timeout, signal);
  const removed = [...(await relationMaps(dataDirectory)), ...(await spareWalSegments(dataDirectory)), join('pg_stat', 'pgstat.stat')];
  await removeFiles(dataDirectory, removed, user, signal);
  return { droppedTemplate0: !keepTemplate0, removed };
}

/** `DROP DATABASE template0` in single-user mode: no socket, no authentication, no port. */
async function dropTemplate0(dataDirectory: string, postgres: string, user: RunAsUser | null, timeout: number | undefined, signal: AbortSignal | undefined): Promise<void> {
  // exit_on_error: an error ends the run with a non-zero status (single-user mode carries on otherwise).
  const command = userCommand(postgres, ['--single', '-D', dataDirectory, '-c', 'exit_on_error=on', '-c', 'fsync=off', 'template1'], user);
  await runCommand(command.file, command.args, {
    input: 'ALTER DATABASE template0 IS_TEMPLATE false\nDROP DATABASE template0\n',
    cwd: dataDirectory,
    env: { LC_MESSAGES: 'C', LC_ALL: undefined },
    ...(command.uid !== undefined ? { uid: command.uid, gid: command.gid! } : {}),
    ...(timeout !== undefined ? { timeout } : {}),
    ...(signal !== undefined ? { signal } : {}),
  });
}

/** The `*_fsm` and `*_vm` forks under `base/*` and `global/`. */
async function relationMaps(dataDirectory: string): Promise<string[]> {
  const folders = ['global', ...(await readdir(join(dataDirectory, 'base'))).map((name) => join('base', name))];
  const found: string[] = [];
  for (const folder of folders) {
    const entries = await readdir(join(dataDirectory, folder), { withFileTypes: true }).catch(() => []);
    for (const entry of entries) if (entry.isFile() && /^\d+(?:\.\d+)?_(?:fsm|vm)$/.test(entry.name)) found.push(join(folder, entry.name));
  }
  return found;
}

/**
 * The segments in `pg_wal` the server will not read: all but those from the last checkpoint's
 * REDO record to its checkpoint record (plus the next segment when the record may run into it).
 * pg_control's layout (PostgreSQL 10 to 18): `state` at byte 16, `checkPoint` at 32, the
 * checkpoint's `redo` at 40 and its timeline at 48. Nothing when the template was not shut down
 * cleanly, or the names do not check out.
 */
async function spareWalSegments(dataDirectory: string): Promise<string[]> {
  const control = Buffer.from(await readFileNoFollow(join(dataDirectory, 'global', 'pg_control')));
  if (control.length < 52 || control.readUInt32LE(16) !== DB_SHUTDOWNED) return [];
  const names = await readdir(join(dataDirectory, 'pg_wal'));
  const segments = names.filter((name) => /^[0-9A-F]{24}$/.test(name));
  if (segments.length === 0) return [];
  // The segment size initdb chose (--wal-segsize): the size of its segments, a power of two.
  const size = (await lstat(join(dataDirectory, 'pg_wal', segments[0]!))).size;
  if (size < 1 << 20 || (size & (size - 1)) !== 0) return [];
  const segmentBytes = BigInt(size);
  const checkpoint = control.readBigUInt64LE(32);
  const redo = control.readBigUInt64LE(40);
  const timeline = control.readUInt32LE(48);
  // A checkpoint record is about 100 bytes: one that starts within 8 kB of the segment's end may continue in the next.
  const needed = new Set<string>();
  for (let segment = redo / segmentBytes; segment <= (checkpoint + 8192n) / segmentBytes; segment++) needed.add(walFileName(timeline, segment, segmentBytes));
  const redoFile = walFileName(timeline, redo / segmentBytes, segmentBytes);
  if (!segments.includes(redoFile)) return [];
  return segments.filter((name) => !needed.has(name)).map((name) => join('pg_wal', name));
}

/** XLogFileName: timeline, then the segment number as "log id" and "segment within it". */
function walFileName(timeline: number, segment: bigint, segmentBytes: bigint): string {
  const perId = 0x1_0000_0000n / segmentBytes;
  const hex = (value: bigint | number): string => value.toString(16).toUpperCase().padStart(8, '0');
  return `${hex(timeline)}${hex(segment / perId)}${hex(segment % perId)}`;
}

async function removeFiles(dataDirectory: string, paths: readonly string[], user: RunAsUser | null, signal: AbortSignal | undefined): Promise<void> {
  if (paths.length === 0) return;
  if (user !== null && isRoot()) {
    const command = userCommand('rm', ['-f', '--', ...paths], user);
    await runCommand(command.file, command.args, { cwd: dataDirectory, ...(command.uid !== undefined ? { uid: command.uid, gid: command.gid! } : {}), ...(signal !== undefined ? { signal } : {}) });
    return;
  }
  await Promise.all(paths.map((path) => unlink(join(dataDirectory, path)).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)))));
}
