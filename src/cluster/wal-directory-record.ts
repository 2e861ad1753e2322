import { lstat, unlink } from 'node:fs/promises';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { openRegularFile } from '../fs/regular-file.js';

/** What init() records of the WAL directory it made: where, and which directory it was. */
export interface WalDirectoryRecord {
  waldir: string;
  dev: bigint;
  ino: bigint;
}

/**
 * `<dataDirectory>.waldir.json`: beside the data directory, not in it, since the server's user
 * can change anything in the data directory (pg_wal too). Written by this process, so only a
 * regular file of our own user that nobody else can write counts when it is read.
 */
export function walDirectoryRecordPath(dataDirectory: string): string {
  return `${dataDirectory}.waldir.json`;
}

/** Records the device and inode of `waldir`, which init() just made for `dataDirectory`. Best effort: without a record, drop() keeps the WAL directory. */
export async function recordWalDirectory(dataDirectory: string, waldir: string): Promise<void> {
  const path = walDirectoryRecordPath(dataDirectory);
  try {
    const stats = await lstat(waldir, { bigint: true });
    if (!stats.isDirectory()) return;
    // A file already there (a stale record, or one planted) must not lend its owner to ours.
    await unlink(path).catch(() => undefined);
    await writeFileAtomic(path, `${JSON.stringify({ waldir, dev: String(stats.dev), ino: String(stats.ino) })}\n`, { mode: 0o600 });
  } catch {
    // No record: drop() then removes the pg_wal link and keeps the WAL directory, and says so.
  }
}

/** The record of `dataDirectory`'s WAL directory, or null when there is none we can trust. */
export async function readWalDirectoryRecord(dataDirectory: string): Promise<WalDirectoryRecord | null> {
  const path = walDirectoryRecordPath(dataDirectory);
  try {
    const { handle, stats } = await openRegularFile(path);
    try {
      if (stats.uid !== (process.getuid?.() ?? stats.uid) || (stats.mode & 0o022) !== 0) return null;
      const { waldir, dev, ino } = JSON.parse(await handle.readFile('utf8')) as Record<string, unknown>;
      if (typeof waldir !== 'string' || typeof dev !== 'string' || typeof ino !== 'string') return null;
      return { waldir, dev: BigInt(dev), ino: BigInt(ino) };
    } finally {
      await handle.close();
    }
  } catch {
    return null;
  }
}

/** Removes the record (when it is ours: see {@link readWalDirectoryRecord}). */
export async function removeWalDirectoryRecord(dataDirectory: string): Promise<void> {
  const path = walDirectoryRecordPath(dataDirectory);
  const stats = await lstat(path).catch(() => null);
  if (stats !== null && stats.isFile() && stats.uid === (process.getuid?.() ?? stats.uid)) await unlink(path).catch(() => undefined);
}
