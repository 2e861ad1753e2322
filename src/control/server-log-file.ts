// Opening the server log as a root process. The log usually sits in a folder the server's OS user
// can write (beside or inside the data directory): that user may replace the file by a link to a
// root-owned file, or plant one where a new log is to be created. So the last component is never
// followed (O_NOFOLLOW), a new file is created only if nothing is there (O_CREAT | O_EXCL), an
// existing one is checked on the open descriptor (fstat: a regular file with one name, owned by
// us or by the server's user), and a folder on the way that is a link in a folder that user can
// write is refused. What is left is a race: a folder swapped for a link between that check and the
// open. The reader of the log (outputTail, tailLogFile) checks it still has the same file.
import { closeSync, constants as fsConstants, fchownSync, fstatSync, lstatSync, openSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isRoot, type RunAsUser } from './run-as.js';
import { UnsafeLogFileError } from './unsafe-log-file-error.js';

/** Which file a descriptor is: a path opened later must give the same pair, or it is another file. */
export interface FileIdentity {
  dev: number;
  ino: number;
}

export interface OpenedLog {
  fd: number;
  /** Its size when opened: where this start's output begins. */
  offset: number;
  identity: FileIdentity;
}

const APPEND = fsConstants.O_WRONLY | fsConstants.O_APPEND | fsConstants.O_NOFOLLOW;

/**
 * Opens `path` for appending (creating it, mode 0600, when missing): as root, a new file is given
 * to `user`, as its data directory is, so that tools it runs (pg_ctl -l) can append to it.
 * Throws UnsafeLogFileError for anything but a file we may write.
 */
export function openServerLog(path: string, user: RunAsUser | null): OpenedLog {
  const absolute = resolve(path);
  const asRoot = user !== null && isRoot();
  if (asRoot) refusePlantedLinks(absolute, user);
  for (let attempt = 0; ; attempt++) {
    let fd: number;
    try {
      fd = openSync(absolute, APPEND | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o600);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw error;
      const existing = openExisting(absolute, user, asRoot);
      // Gone between the two opens: try again (a second time is someone playing games).
      if (existing === null && attempt === 0) continue;
      if (existing === null) throw new UnsafeLogFileError(absolute, 'it keeps appearing and vanishing');
      return existing;
    }
    try {
      if (asRoot) fchownSync(fd, user.uid, user.gid);
      return opened(fd);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }
}

function openExisting(path: string, user: RunAsUser | null, asRoot: boolean): OpenedLog | null {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO in the log's place must not block the open (fstat refuses it below).
    fd = openSync(path, APPEND | fsConstants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ELOOP') throw new UnsafeLogFileError(path, 'it is a symbolic link', { cause: error });
    if (code === 'ENXIO') throw new UnsafeLogFileError(path, 'it is not a regular file', { cause: error });
    throw error;
  }
  try {
    const stats = fstatSync(fd);
    const problem = !stats.isFile()
      ? 'it is not a regular file'
      : stats.nlink !== 1
        ? `it has ${stats.nlink} names (a hard link)`
        : asRoot && stats.uid !== user!.uid && stats.uid !== process.getuid?.()
          ? `it is owned by uid ${stats.uid}, neither by this process nor by \`${user!.user}\``
          : null;
    if (problem !== null) throw new UnsafeLogFileError(path, problem);
    return opened(fd, stats);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

function opened(fd: number, stats: Stats = fstatSync(fd)): OpenedLog {
  return { fd, offset: stats.size, identity: { dev: stats.dev, ino: stats.ino } };
}

/**
 * Refuses a path whose folders include a link in a folder `user` can write or owns: that user
 * could have put it there to send our open elsewhere. Links root set up in root's folders (say
 * /var/run → /run) are fine.
 */
function refusePlantedLinks(path: string, user: RunAsUser): void {
  const folders: string[] = [];
  for (let folder = dirname(path); dirname(folder) !== folder; folder = dirname(folder)) folders.unshift(folder);
  for (const folder of folders) {
    let stats: Stats;
    try {
      stats = lstatSync(folder);
    } catch {
      return; // missing: the open fails with ENOENT
    }
    if (!stats.isSymbolicLink()) continue;
    const parent = lstatSync(dirname(folder));
    const isUserWritable = parent.uid === user.uid || (parent.mode & 0o002) !== 0 || (user.groups.includes(parent.gid) && (parent.mode & 0o020) !== 0);
    if (isUserWritable) throw new UnsafeLogFileError(path, `the folder ${folder} on its path is a symbolic link in a folder \`${user.user}\` can write`);
  }
}

/** Whether `stats` (of a descriptor) are of the file `identity` names. */
export function isSameFile(stats: { dev: number; ino: number }, identity: FileIdentity): boolean {
  return stats.dev === identity.dev && stats.ino === identity.ino;
}
