import { cp, stat } from 'node:fs/promises';
import { chownTree, CommandError, isRoot, runCommand, type RunAsUser } from '../control/index.js';

export type CopyMethod = 'cp' | 'node';

/**
 * Copies a data directory tree to `target` (which must not exist), keeping modes and, as root,
 * ownership (given to `owner` when the source belongs to someone else). On Linux `cp -a --reflink=auto` shares the blocks where the file system can
 * (Btrfs, XFS: a copy-on-write clone, near free) and copies them otherwise; elsewhere, or when
 * `cp` fails to start, Node copies and the tree is then given to `owner`.
 * Resolves to the method used.
 */
export async function copyDirectory(source: string, target: string, owner: RunAsUser | null, options: { signal?: AbortSignal } = {}): Promise<CopyMethod> {
  if (process.platform === 'linux') {
    try {
      // As root, a template of the server's user is copied *as that user*: root then writes
      // nothing in the folder that user controls (a `data` link planted there is not followed
      // by root), and a copy cut short (Ctrl-C) leaves only that user's files, which the
      // removal, done as that user, can take.
      const sourceOwner = (await stat(source)).uid;
      const asOwner = owner !== null && isRoot() && sourceOwner === owner.uid;
      await runCommand('cp', ['-a', '--reflink=auto', '--', source, target], {
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        ...(asOwner ? { uid: owner.uid, gid: owner.gid } : {}),
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
