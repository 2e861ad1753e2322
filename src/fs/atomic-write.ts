import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { chown, lstat, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { SymlinkedFileError } from './symlinked-file-error.js';

export interface AtomicWriteOptions {
  /** Mode for a new file (an existing file keeps its own). Default 0o600. */
  mode?: number;
  /** Owner for a new file (an existing file keeps its own). Only honoured when we may chown. */
  uid?: number;
  gid?: number;
}

/**
 * Writes `data` to `path` so that readers see either the old or the new content, never a mix:
 * a temporary file in the same folder, fsync, rename over the target, fsync of the folder.
 * An existing file's mode and owner are carried over to the new one. A symbolic link at `path` is
 * refused (SymlinkedFileError): its target's mode and owner are not copied, nor is the link replaced.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const folder = dirname(path);
  let mode = options.mode ?? 0o600;
  let uid = options.uid;
  let gid = options.gid;
  const existing = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (existing?.isSymbolicLink()) throw new SymlinkedFileError(path);
  if (existing) {
    mode = existing.mode & 0o7777;
    uid = existing.uid;
    gid = existing.gid;
  }
  const temporary = join(folder, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temporary, fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY, mode);
  try {
    try {
      await handle.writeFile(data);
      await handle.chmod(mode);
      if (uid !== undefined && gid !== undefined && canChown(uid, gid)) {
        await handle.chown(uid, gid);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await syncDirectory(folder);
}

function canChown(uid: number, gid: number): boolean {
  const ownUid = process.getuid?.();
  if (ownUid === undefined) return false;
  if (ownUid === 0) return true;
  return uid === ownUid && (process.getgroups?.() ?? []).concat(process.getgid?.() ?? -1).includes(gid);
}

async function syncDirectory(folder: string): Promise<void> {
  let handle;
  try {
    handle = await open(folder, fsConstants.O_RDONLY);
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on a directory; the rename has happened either way.
  } finally {
    await handle?.close();
  }
}

/** Changes the owner of `path` when the process may (root); a no-op otherwise. */
export async function chownIfRoot(path: string, uid: number, gid: number): Promise<void> {
  if (process.getuid?.() === 0) await chown(path, uid, gid);
}
