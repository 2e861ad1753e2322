// The save step both file editors share (postgresql.conf; pg_hba.conf and pg_ident.conf): refuse
// to overwrite someone else's edit, refuse text the file's encoding cannot hold, then write
// atomically, keeping owner and mode. Each editor turns a refusal into its own typed error.
// A symbolic link is refused (SymlinkedFileError) unless `followSymlinks`: then the file it points
// to is compared and written through `linkAccess` (as the server's OS user, for a root Cluster).
import { lstat } from 'node:fs/promises';
import { writeFileAtomic, type AtomicWriteOptions } from './atomic-write.js';
import { digestOf, type FileSnapshot } from './file-snapshot.js';
import { ownLinkAccess, readFileNoFollow, type SymlinkOptions } from './regular-file.js';
import { SymlinkedFileError } from './symlinked-file-error.js';
import { encodeFileText, firstUnencodable, type TextFileEncoding } from './text-encoding.js';

export interface GuardedWriteOptions extends AtomicWriteOptions, SymlinkOptions {
  encoding: TextFileEncoding;
  /** What was read from (or last written to) `path`; undefined: the file was never read. */
  snapshot: FileSnapshot | undefined;
  /** Write even if the file changed since `snapshot` (or exists and was never read). */
  force?: boolean | undefined;
  /** The error when the file changed on disk (or exists and was never read). */
  changed: () => Error;
  /** The error for the first character `encoding` cannot hold. */
  unencodable: (character: string) => Error;
}

/**
 * Writes `text` to `path` in `encoding` and returns the snapshot of what is there now. Unless
 * `force`, refuses when the file differs from `snapshot`, or, without a snapshot, when it exists.
 */
export async function writeTextFileGuarded(path: string, text: string, options: GuardedWriteOptions): Promise<FileSnapshot> {
  const { encoding, snapshot, force, changed, unencodable, mode, uid, gid, followSymlinks, linkAccess } = options;
  const found = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  const isLink = found?.isSymbolicLink() === true;
  if (isLink && !followSymlinks) throw new SymlinkedFileError(path);
  if (!force) {
    const isSafe = snapshot !== undefined ? await isUnchanged(path, snapshot, options) : found === null;
    if (!isSafe) throw changed();
  }
  const character = firstUnencodable(text, encoding);
  if (character !== undefined) throw unencodable(character);
  const bytes = encodeFileText(text, encoding);
  if (isLink) await (linkAccess ?? ownLinkAccess()).write(path, bytes);
  else await writeFileAtomic(path, bytes, { mode: mode ?? 0o600, uid, gid });
  return { path, digest: digestOf(bytes) };
}

/** Whether the file still holds what the snapshot saw, read without following a link unless asked. A vanished file counts as changed. */
async function isUnchanged(path: string, snapshot: FileSnapshot, options: SymlinkOptions): Promise<boolean> {
  try {
    return digestOf(await readFileNoFollow(path, options)) === snapshot.digest;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
