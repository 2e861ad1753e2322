// The save step both file editors share (postgresql.conf; pg_hba.conf and pg_ident.conf): refuse
// to overwrite someone else's edit, refuse text the file's encoding cannot hold, then write
// atomically, keeping owner and mode. Each editor turns a refusal into its own typed error.
import { access } from 'node:fs/promises';
import { writeFileAtomic, type AtomicWriteOptions } from './atomic-write.js';
import { digestOf, type FileSnapshot, isUnchanged } from './file-snapshot.js';
import { encodeFileText, firstUnencodable, type TextFileEncoding } from './text-encoding.js';

export interface GuardedWriteOptions extends AtomicWriteOptions {
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
  const { encoding, snapshot, force, changed, unencodable, mode, uid, gid } = options;
  if (!force) {
    const isSafe = snapshot !== undefined ? await isUnchanged(snapshot) : !(await exists(path));
    if (!isSafe) throw changed();
  }
  const character = firstUnencodable(text, encoding);
  if (character !== undefined) throw unencodable(character);
  const bytes = encodeFileText(text, encoding);
  await writeFileAtomic(path, bytes, { mode: mode ?? 0o600, uid, gid });
  return { path, digest: digestOf(bytes) };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
