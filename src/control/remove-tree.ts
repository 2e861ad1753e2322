import { closeSync, constants, existsSync, fstatSync, lstatSync, openSync, readdirSync, rmdirSync, rmSync, unlinkSync, type BigIntStats } from 'node:fs';
import { lstat, open, readdir, rm, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { CommandError } from './command-error.js';
import { RemovalError } from './removal-error.js';
import { isRoot, lookUpUserById, type RunAsUser } from './run-as.js';
import { userCommand } from './user-command.js';

/**
 * What {@link removeTree} did: `removed` the directory and all in it; `unlinked` the path, which
 * was a file or a symbolic link (never what a link points to); `missing`: nothing was there;
 * `changed`: the path was not the directory named by `identity`, and nothing was touched.
 */
export type RemovalOutcome = 'removed' | 'unlinked' | 'missing' | 'changed';

/** A directory's device and inode, as `lstat(path, { bigint: true })` gives them. */
export interface DirectoryIdentity {
  dev: bigint;
  ino: bigint;
}

export interface RemoveTreeOptions {
  /** Remove `path` only when it is this very directory (checked on an open descriptor); otherwise resolve to `changed`. */
  identity?: DirectoryIdentity;
}

const OPEN_DIRECTORY = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/**
 * Removes `path` and everything under it without ever following a symbolic link: a link is
 * removed, never what it points to. Not root: `fs.rm` (which unlinks links) is enough, there is
 * no other user to fear. As root, where the server's OS user can write in the tree and swap a
 * folder for a link while we walk it (a race `fs.rm` loses: it removes by path), the folder is
 * opened with O_NOFOLLOW and emptied *as the user that owns it* — `find -H /proc/self/fd/3
 * -xdev -mindepth 1 -delete`, spawned through {@link userCommand}, on that open descriptor, so a
 * parent folder that user cannot traverse does not matter and the kernel refuses anything the
 * owner could not remove anyway. Only the emptied top folder is removed as root (`rmdir`, which
 * fails on a link). A folder root owns itself is walked by root, each entry through the open
 * descriptor of its folder (`/proc/self/fd/<fd>/<name>`: an `openat`-style walk), its folders
 * owned by others emptied as their owners in turn. Stays on one file system.
 */
export async function removeTree(path: string, options: RemoveTreeOptions = {}): Promise<RemovalOutcome> {
  const stats = await lstat(path, { bigint: true }).catch(orNullIfMissing);
  if (stats === null) return 'missing';
  if (options.identity !== undefined && !isIdentity(stats, options.identity)) return 'changed';
  if (!stats.isDirectory()) {
    await unlink(path).catch(ignoreMissing);
    return 'unlinked';
  }
  if (!isRoot()) {
    await rm(path, { recursive: true, force: true, maxRetries: 3 });
    return 'removed';
  }
  return removeDirectoryAsRoot(path, identityOf(stats), options.identity !== undefined);
}

/** {@link removeTree} for exit handlers, where nothing asynchronous runs: the same steps, synchronously. */
export function removeTreeSync(path: string, options: RemoveTreeOptions = {}): RemovalOutcome {
  let stats: BigIntStats;
  try {
    stats = lstatSync(path, { bigint: true });
  } catch (error) {
    if (orNullIfMissing(error) === null) return 'missing';
    throw error;
  }
  if (options.identity !== undefined && !isIdentity(stats, options.identity)) return 'changed';
  if (!stats.isDirectory()) {
    try {
      unlinkSync(path);
    } catch (error) {
      ignoreMissing(error);
    }
    return 'unlinked';
  }
  if (!isRoot()) {
    rmSync(path, { recursive: true, force: true, maxRetries: 3 });
    return 'removed';
  }
  return removeDirectoryAsRootSync(path, identityOf(stats), options.identity !== undefined);
}

async function removeDirectoryAsRoot(path: string, identity: DirectoryIdentity, isExpected: boolean): Promise<RemovalOutcome> {
  const handle = await open(path, OPEN_DIRECTORY).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    if (error.code === 'ELOOP' || error.code === 'ENOTDIR') return changedUnder(path, isExpected, error);
    throw error;
  });
  if (handle === null) return 'missing';
  if (handle === 'changed') return 'changed';
  try {
    const stats = await handle.stat({ bigint: true });
    if (!isIdentity(stats, identity)) return changedUnder(path, isExpected);
    if (stats.uid !== 0n) {
      await emptyAsOwner(path, handle.fd, ownerOf(path, stats));
    } else {
      const folder = pinned(path, handle.fd);
      for (const name of await readdir(folder)) {
        const entry = join(folder, name);
        const entryStats = await lstat(entry, { bigint: true }).catch(orNullIfMissing);
        if (entryStats === null) continue;
        if (!entryStats.isDirectory()) await unlink(entry).catch(ignoreMissing);
        else if (entryStats.dev !== stats.dev) throw mountPoint(join(path, name));
        else await removeDirectoryAsRoot(entry, identityOf(entryStats), false);
      }
    }
  } finally {
    await handle.close();
  }
  await rmdir(path).catch((error: NodeJS.ErrnoException) => notEmptied(path, error));
  return 'removed';
}

function removeDirectoryAsRootSync(path: string, identity: DirectoryIdentity, isExpected: boolean): RemovalOutcome {
  let fd: number;
  try {
    fd = openSync(path, OPEN_DIRECTORY);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'missing';
    if (code === 'ELOOP' || code === 'ENOTDIR') return changedUnder(path, isExpected, error);
    throw error;
  }
  try {
    const stats = fstatSync(fd, { bigint: true });
    if (!isIdentity(stats, identity)) return changedUnder(path, isExpected);
    if (stats.uid !== 0n) {
      emptyAsOwnerSync(path, fd, ownerOf(path, stats));
    } else {
      const folder = pinned(path, fd);
      for (const name of readdirSync(folder)) {
        const entry = join(folder, name);
        let entryStats: BigIntStats;
        try {
          entryStats = lstatSync(entry, { bigint: true });
        } catch (error) {
          if (orNullIfMissing(error) === null) continue;
          throw error;
        }
        if (!entryStats.isDirectory()) {
          try {
            unlinkSync(entry);
          } catch (error) {
            ignoreMissing(error);
          }
        } else if (entryStats.dev !== stats.dev) throw mountPoint(join(path, name));
        else removeDirectoryAsRootSync(entry, identityOf(entryStats), false);
      }
    }
  } finally {
    closeSync(fd);
  }
  try {
    rmdirSync(path);
  } catch (error) {
    notEmptied(path, error as NodeJS.ErrnoException);
  }
  return 'removed';
}

/**
 * `find` removes the contents, never the start point (`-mindepth 1`), never following a link
 * (only the start point, with `-H`, which is our open descriptor), never crossing into another
 * file system (`-xdev`). Why `find` and not `rm -rf`: its start point can be the descriptor,
 * so nothing is resolved by path as root, and it takes the folder's contents without a list of
 * names read first.
 */
function findArguments(path: string, hasDescriptor: boolean): string[] {
  return [...(hasDescriptor ? ['-H', '/proc/self/fd/3'] : [path]), '-xdev', '-mindepth', '1', '-delete'];
}

/**
 * Empties the folder as its owner. One more run when the first fails: another removal of the
 * same folder at the same time (a dispose and a sweep) makes `find` report entries that vanished
 * under it; the second run sees what is really left.
 */
async function emptyAsOwner(path: string, fd: number, owner: RunAsUser): Promise<void> {
  try {
    await runFindAsOwner(path, fd, owner);
  } catch {
    await runFindAsOwner(path, fd, owner);
  }
}

function emptyAsOwnerSync(path: string, fd: number, owner: RunAsUser): void {
  try {
    runFindAsOwnerSync(path, fd, owner);
  } catch {
    runFindAsOwnerSync(path, fd, owner);
  }
}

async function runFindAsOwner(path: string, fd: number, owner: RunAsUser): Promise<void> {
  const hasDescriptor = hasProcFd();
  const command = userCommand('find', findArguments(path, hasDescriptor), owner);
  const started = Date.now();
  // node:child_process rather than execa: only it hands the child a descriptor of ours (fd 3).
  const child = spawn(command.file, command.args, { cwd: '/', stdio: ['ignore', 'ignore', 'pipe', hasDescriptor ? fd : 'ignore'], ...idsOf(command) });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-8192)));
  const result = await new Promise<FindResult>((resolve) => {
    child.once('error', (error) => resolve({ exitCode: null, signal: null, stderr: String(error), durationMs: Date.now() - started, error }));
    child.once('close', (exitCode, signal) => resolve({ exitCode, signal, stderr, durationMs: Date.now() - started }));
  });
  checkFind(path, owner, command.file, command.args, result);
}

function runFindAsOwnerSync(path: string, fd: number, owner: RunAsUser): void {
  const hasDescriptor = hasProcFd();
  const command = userCommand('find', findArguments(path, hasDescriptor), owner);
  const started = Date.now();
  const child = spawnSync(command.file, command.args, { cwd: '/', stdio: ['ignore', 'ignore', 'pipe', hasDescriptor ? fd : 'ignore'], encoding: 'utf8', ...idsOf(command) });
  checkFind(path, owner, command.file, command.args, {
    exitCode: child.status,
    signal: child.signal,
    stderr: typeof child.stderr === 'string' ? child.stderr : '',
    durationMs: Date.now() - started,
    ...(child.error !== undefined ? { error: child.error } : {}),
  });
}

function idsOf(command: { uid?: number; gid?: number }): { uid?: number; gid?: number } {
  return command.uid !== undefined ? { uid: command.uid, gid: command.gid! } : {};
}

interface FindResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  durationMs: number;
  /** Set when the program could not be started. */
  error?: Error;
}

function checkFind(path: string, owner: RunAsUser, file: string, args: string[], result: FindResult): void {
  if (result.error === undefined && result.exitCode === 0) return;
  const cause = new CommandError(result.error !== undefined ? 'COMMAND_NOT_FOUND' : 'COMMAND_FAILED', {
    command: file,
    args,
    exitCode: result.exitCode,
    signal: result.signal,
    stdout: '',
    stderr: result.stderr,
    durationMs: result.durationMs,
    ...(result.error !== undefined ? { cause: result.error } : {}),
  });
  const reason = result.stderr.trim().split('\n').slice(-3).join('; ') || cause.message;
  throw new RemovalError('REMOVAL_FAILED', `Could not empty ${path} as its owner \`${owner.user}\`: ${reason}. What was not removed is still there.`, {
    path,
    user: owner.user,
    cause,
  });
}

function ownerOf(path: string, stats: BigIntStats): RunAsUser {
  const owner = lookUpUserById(Number(stats.uid));
  if (owner === null) {
    throw new RemovalError(
      'REMOVAL_REFUSED',
      `Refusing to remove ${path} as root: it belongs to uid ${stats.uid}, which has no entry in /etc/passwd to run the removal as (root never removes by path what another user can change). Remove it as that user.`,
      { path },
    );
  }
  return owner;
}

/** The path of `path` through our open descriptor of it, where /proc has one (Linux): it no longer depends on the folders above. */
function pinned(path: string, fd: number): string {
  return hasProcFd() ? `/proc/self/fd/${fd}` : path;
}

let procFd: boolean | undefined;
function hasProcFd(): boolean {
  procFd ??= existsSync('/proc/self/fd');
  return procFd;
}

function changedUnder(path: string, isExpected: boolean, cause?: unknown): 'changed' {
  if (isExpected) return 'changed';
  throw new RemovalError('REMOVAL_FAILED', `${path} changed while it was being removed (it was replaced by something else); nothing was followed out of it`, { path, cause });
}

function mountPoint(path: string): RemovalError {
  return new RemovalError('REMOVAL_FAILED', `${path} is on another file system (a mount point): it is not removed`, { path });
}

function notEmptied(path: string, error: NodeJS.ErrnoException): void {
  if (error.code === 'ENOENT') return;
  if (error.code === 'ENOTEMPTY' || error.code === 'EEXIST') {
    throw new RemovalError('REMOVAL_FAILED', `${path} was not empty after its contents were removed: something still writes into it`, { path, cause: error });
  }
  throw error;
}

function isIdentity(stats: BigIntStats, identity: DirectoryIdentity): boolean {
  return stats.isDirectory() && stats.dev === identity.dev && stats.ino === identity.ino;
}

function identityOf(stats: BigIntStats): DirectoryIdentity {
  return { dev: stats.dev, ino: stats.ino };
}

function orNullIfMissing(error: unknown): null {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
  throw error;
}

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
}
