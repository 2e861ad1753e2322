// Reading and writing an authentication file: remember what was read, write atomically (keeping
// owner and mode), and refuse to overwrite a file that changed on disk in between, or that exists
// and was never read (as ConfigFile.save does). A file that is not valid UTF-8 is read and written
// as Latin-1, so that its bytes survive unchanged.
import { digestOf, type FileSnapshot } from '../fs/file-snapshot.js';
import { writeTextFileGuarded } from '../fs/guarded-write.js';
import { readFileNoFollow, type SymlinkOptions } from '../fs/regular-file.js';
import { decodeFileBytes, firstUnencodable, type TextFileEncoding } from '../fs/text-encoding.js';
import { expected } from '../errors.js';
import { AuthFileChangedError } from './auth-file-changed-error.js';
import { AuthFileEncodingError } from './auth-file-encoding-error.js';

export type AuthFileEncoding = TextFileEncoding;

/** What `load` read: the bytes' digest, to notice a change, and how the text maps to them. */
export interface AuthFileState {
  snapshot: FileSnapshot;
  encoding: AuthFileEncoding;
  /** How `load` was told to treat a symbolic link; `save` does the same. */
  links?: SymlinkOptions;
}

/** The options of `save()`, named as ConfigFile.save's. */
export interface AuthSaveOptions {
  /** Write even if the file changed on disk since it was read (or exists but was never read). */
  force?: boolean;
  /** Mode, owner and group of a new file (default mode 0600, as initdb gives pg_hba.conf); an existing file keeps its own. */
  mode?: number;
  uid?: number;
  gid?: number;
}

/** Reads `path`; a symbolic link is refused (SymlinkedFileError) unless `links.followSymlinks`. */
export async function readAuthFile(path: string, links: SymlinkOptions = {}): Promise<{ text: string } & AuthFileState> {
  if (typeof path !== 'string' || path === '') throw expected('path', 'a file path', path);
  const bytes = await readFileNoFollow(path, links);
  return { ...decodeFileBytes(bytes), snapshot: { path, digest: digestOf(bytes) }, links };
}

/** Checks the options of `save()`. */
export function checkSaveOptions(options: AuthSaveOptions): AuthSaveOptions {
  if (options === null || typeof options !== 'object') throw expected('options', 'an object', options);
  const { force, mode, uid, gid } = options;
  if (force !== undefined && typeof force !== 'boolean') throw expected('force', 'a boolean', force);
  if (mode !== undefined && !(Number.isInteger(mode) && mode >= 0 && mode <= 0o7777)) throw expected('mode', 'a file mode (an integer from 0 to 0o7777)', mode);
  for (const [name, id] of [['uid', uid], ['gid', gid]] as const) {
    if (id !== undefined && !(Number.isInteger(id) && id >= 0)) throw expected(name, 'a non-negative integer', id);
  }
  return options;
}

/** The first character of `text` that a file in `encoding` cannot hold, as the error to throw. */
export function unencodableError(text: string, encoding: AuthFileEncoding, path: string | undefined): AuthFileEncodingError | undefined {
  const character = firstUnencodable(text, encoding);
  return character === undefined ? undefined : new AuthFileEncodingError({ path, encoding, character });
}

/**
 * Writes `text` to `path` in `encoding` and returns the snapshot of what is there now. Unless
 * `force`, refuses when the file differs from `snapshot` (what was read from or written to this
 * path), or, without a snapshot, when the file exists.
 */
export async function writeAuthFile(
  path: string,
  text: string,
  { encoding, snapshot, options, links = {} }: { encoding: AuthFileEncoding; snapshot: FileSnapshot | undefined; options: AuthSaveOptions; links?: SymlinkOptions },
): Promise<FileSnapshot> {
  return writeTextFileGuarded(path, text, {
    encoding,
    snapshot,
    force: options.force,
    mode: options.mode,
    uid: options.uid,
    gid: options.gid,
    ...links,
    changed: () => new AuthFileChangedError(path),
    unencodable: (character) => new AuthFileEncodingError({ path, encoding, character }),
  });
}
