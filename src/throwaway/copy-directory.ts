import { cp, mkdtemp, rename, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { chownTree, CommandError, isRoot, removeTree, runCommand, type RunAsUser } from '../control/index.js';
import { TemporaryClusterError } from './temporary-cluster-error.js';

export type CopyMethod = 'cp' | 'node';

export interface CopyDirectoryOptions {
  signal?: AbortSignal;
  /**
   * A folder only this process can write, on the file system of `target` (a throwaway root's
   * `clusters/`). As root, a copy that root must make itself (the source is not `owner`'s, or
   * `cp` is missing) is made and given to `owner` in a private folder in it, then renamed into
   * place: the folder `target` is in is `owner`'s, who could otherwise swap a folder of the copy
   * for a link while root walks it (giving root's files away) or plant `target` as a link (root
   * copying into whatever it points to). Without it, the copy is made in place.
   */
  staging?: string;
}

/**
 * Copies a data directory tree to `target` (which must not exist), keeping modes and, as root,
 * ownership (given to `owner` when the source belongs to someone else). On Linux `cp -a --reflink=auto` shares the blocks where the file system can
 * (Btrfs, XFS: a copy-on-write clone, near free) and copies them otherwise; elsewhere, or when
 * `cp` fails to start, Node copies and the tree is then given to `owner`.
 * Resolves to the method used.
 */
export async function copyDirectory(source: string, target: string, owner: RunAsUser | null, options: CopyDirectoryOptions = {}): Promise<CopyMethod> {
  const sourceOwner = (await stat(source)).uid;
  // As root, a template of the server's user is copied *as that user*: root then writes
  // nothing in the folder that user controls (a `data` link planted there is not followed
  // by root), and a copy cut short (Ctrl-C) leaves only that user's files, which the
  // removal, done as that user, can take.
  const asOwner = owner !== null && isRoot() && sourceOwner === owner.uid;
  if (asOwner || options.staging === undefined || owner === null || !isRoot()) return copyInPlace(source, target, owner, sourceOwner, asOwner, options.signal);
  const folder = await mkdtemp(join(options.staging, '.copy-'));
  try {
    const staged = join(folder, 'data');
    const method = await copyInPlace(source, staged, owner, sourceOwner, false, options.signal);
    // rename never follows a link at `target`: one planted there makes it fail (ENOTDIR).
    await rename(staged, target).catch((error: NodeJS.ErrnoException) => {
      if (!['ENOTDIR', 'EEXIST', 'ENOTEMPTY', 'EISDIR'].includes(error.code ?? '')) throw error;
      throw new TemporaryClusterError('UNSAFE_DIRECTORY', `Refusing to copy the template to ${target}: something is already there (a link or a folder put in its place); nothing was copied into it`, {
        path: target,
        cause: error,
      });
    });
    await rmdir(folder);
    return method;
  } catch (error) {
    await removeTree(folder).catch(() => undefined);
    throw error;
  }
}

async function copyInPlace(source: string, target: string, owner: RunAsUser | null, sourceOwner: number, asOwner: boolean, signal: AbortSignal | undefined): Promise<CopyMethod> {
  if (process.platform === 'linux') {
    try {
      await runCommand('cp', ['-a', '--reflink=auto', '--', source, target], {
        ...(signal === undefined ? {} : { signal }),
        ...(asOwner ? { uid: owner!.uid, gid: owner!.gid } : {}),
      });
      // `cp -a` keeps the template's owner: a template built for another `runAs` user must
      // become this server's (PostgreSQL refuses a data directory it does not own).
      if (owner !== null && sourceOwner !== owner.uid) await chownTree(target, owner);
      return 'cp';
    } catch (error) {
      // `cp` missing: copy with Node. Any other failure (no space, permissions) is real.
      if (!(error instanceof CommandError && error.code === 'COMMAND_NOT_FOUND')) throw error;
    }
  }
  await cp(source, target, { recursive: true, preserveTimestamps: true, errorOnExist: true, force: false });
  await chownTree(target, owner);
  return 'node';
}
