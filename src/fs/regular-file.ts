// Reading a file without following a link at its last component: a file in a folder that
// another user can write (the data directory, for root and the server's OS user) may be replaced
// by a link at any moment, so the link is refused by the open itself (O_NOFOLLOW), not by an
// lstat before it. O_NONBLOCK keeps a FIFO put in its place from blocking the open.
import { constants as fsConstants, type Stats } from 'node:fs';
import { type FileHandle, lstat, open, readFile, realpath } from 'node:fs/promises';
import { expected } from '../errors.js';
import { writeFileAtomic } from './atomic-write.js';
import { SymlinkedFileError } from './symlinked-file-error.js';

/** How to reach a symlink's target when following links was asked for (see {@link SymlinkOptions}). */
export interface LinkedFileAccess {
  /** The bytes of the file `path` (a link) points to. */
  read(path: string): Promise<Uint8Array>;
  /** Replaces the content of the file `path` (a link) points to, atomically; the link stays. */
  write(path: string, data: Uint8Array): Promise<void>;
}

export interface SymlinkOptions {
  /** Read and write through a symbolic link; default false: SymlinkedFileError. */
  followSymlinks?: boolean | undefined;
  /**
   * How the target of a link is read and written (only with `followSymlinks`). Default: by this
   * process. A Cluster run as root passes one that acts as the server's OS user.
   */
  linkAccess?: LinkedFileAccess | undefined;
}

/** Checks `followSymlinks` and `linkAccess`. */
export function checkSymlinkOptions(options: SymlinkOptions): SymlinkOptions {
  if (options === null || typeof options !== 'object') throw expected('options', 'an object', options);
  const { followSymlinks, linkAccess } = options;
  if (followSymlinks !== undefined && typeof followSymlinks !== 'boolean') throw expected('followSymlinks', 'a boolean', followSymlinks);
  if (linkAccess !== undefined && (linkAccess === null || typeof linkAccess.read !== 'function' || typeof linkAccess.write !== 'function')) {
    throw expected('linkAccess', 'an object with read and write functions', linkAccess);
  }
  return { followSymlinks, linkAccess };
}

/** Open flags for reading without following a link at the last component, and without blocking on a FIFO. */
export const READ_NO_FOLLOW = fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK;

/** Reads `path` unless it is a symbolic link (SymlinkedFileError), or follows it as `options` say. */
export async function readFileNoFollow(path: string, options: SymlinkOptions = {}): Promise<Buffer> {
  try {
    return await readOpened(path);
  } catch (error) {
    if (!(error instanceof SymlinkedFileError) || !options.followSymlinks) throw error;
    return Buffer.from(await (options.linkAccess ?? ownAccess).read(path));
  }
}

/** Whether `path` is a symbolic link (false when it is anything else or missing). */
export async function isSymlink(path: string): Promise<boolean> {
  return lstat(path).then(
    (stats) => stats.isSymbolicLink(),
    () => false,
  );
}

/** Throws SymlinkedFileError when `path` is a symbolic link. */
export async function refuseSymlink(path: string): Promise<void> {
  if (await isSymlink(path)) throw new SymlinkedFileError(path);
}

/**
 * Opens `path` for reading without following a link at its last component, and only when it is a
 * regular file: a link is SymlinkedFileError, a folder EISDIR, anything else (a FIFO, a device)
 * EINVAL; a missing file is ENOENT as usual. The caller reads through the handle, checks the
 * stats (owner, mode) of what it opened, and closes the handle.
 */
export async function openRegularFile(path: string): Promise<{ handle: FileHandle; stats: Stats }> {
  let handle;
  try {
    handle = await open(path, READ_NO_FOLLOW);
  } catch (error) {
    // With O_NOFOLLOW, ELOOP means the last component is a link.
    if ((error as NodeJS.ErrnoException).code === 'ELOOP' && (await isSymlink(path))) throw new SymlinkedFileError(path, { cause: error });
    throw error;
  }
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) throw errno('EISDIR', `EISDIR: illegal operation on a directory, read '${path}'`);
    if (!stats.isFile()) throw errno('EINVAL', `EINVAL: not a regular file, read '${path}'`);
    return { handle, stats };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

async function readOpened(path: string): Promise<Buffer> {
  const { handle } = await openRegularFile(path);
  try {
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

function errno(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

/** Following a link as this process: read through it, write to the file it resolves to. */
const ownAccess: LinkedFileAccess = {
  read: (path) => readFile(path),
  write: async (path, data) => writeFileAtomic(await realpath(path), data),
};

/** The default way to follow a link: as this process. */
export function ownLinkAccess(): LinkedFileAccess {
  return ownAccess;
}
