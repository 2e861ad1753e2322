// Reading and writing an authentication file: remember what was read, write atomically (keeping
// owner and mode), and refuse to overwrite a file that changed on disk in between. A file that is
// not valid UTF-8 is read and written as Latin-1, so that its bytes survive unchanged.
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { digestOf, type FileSnapshot, isUnchanged } from '../fs/file-snapshot.js';
import { expected } from '../errors.js';
import { AuthFileChangedError } from './auth-file-changed-error.js';

export type AuthFileEncoding = 'utf8' | 'latin1';

export interface AuthFileState {
  snapshot: FileSnapshot;
  encoding: AuthFileEncoding;
}

export async function readAuthFile(path: string): Promise<{ text: string } & AuthFileState> {
  if (typeof path !== 'string' || path === '') throw expected('path', 'a file path', path);
  const bytes = await readFile(path);
  return { ...decodeAuthFile(bytes), snapshot: { path, digest: digestOf(bytes) } };
}

/** A file's text: UTF-8 when its bytes are valid UTF-8, Latin-1 otherwise (every byte kept). */
export function decodeAuthFile(bytes: Buffer): { text: string; encoding: AuthFileEncoding } {
  const utf8 = bytes.toString('utf8');
  const encoding: AuthFileEncoding = Buffer.from(utf8, 'utf8').equals(bytes) ? 'utf8' : 'latin1';
  return { text: encoding === 'utf8' ? utf8 : bytes.toString('latin1'), encoding };
}

/** Writes `text` to `path` and returns the state of what is there now. */
export async function writeAuthFile(path: string | undefined, text: string, state: AuthFileState | undefined): Promise<AuthFileState> {
  if (typeof path !== 'string' || path === '') throw expected('path', 'a file path (the file was parsed from text)', path);
  if (state && state.snapshot.path === path && !(await isUnchanged(state.snapshot))) throw new AuthFileChangedError(path);
  const encoding = state?.encoding ?? 'utf8';
  const bytes = Buffer.from(text, encoding);
  // A new file gets mode 0600, as initdb gives pg_hba.conf; an existing one keeps its own.
  await writeFileAtomic(path, bytes, { mode: 0o600 });
  return { snapshot: { path, digest: digestOf(bytes) }, encoding };
}
