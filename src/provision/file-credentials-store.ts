import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { expected } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { ensurePrivateDirectory } from '../fs/private-directory.js';
import { readFileNoFollow } from '../fs/regular-file.js';
import type { CredentialsStore } from './credentials-store.js';

/** `$XDG_STATE_HOME/pg-cluster/credentials.json`, else `~/.local/state/pg-cluster/credentials.json`. */
export function defaultCredentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  const state = env['XDG_STATE_HOME'] !== undefined && isAbsolute(env['XDG_STATE_HOME']) ? env['XDG_STATE_HOME'] : join(homedir(), '.local', 'state');
  return join(state, 'pg-cluster', 'credentials.json');
}

/**
 * Passwords in a JSON file (`{ "<key>": "<password>" }`) of mode 0600 owned by the caller, in a
 * folder of mode 0700, outside any data directory (a base backup never copies it). Read afresh on
 * every `get` (another process may have written it) and written atomically; a symbolic link
 * in its place is refused.
 */
export class FileCredentialsStore implements CredentialsStore {
  readonly path: string;

  constructor(path: string = defaultCredentialsPath()) {
    if (typeof path !== 'string' || !isAbsolute(path)) throw expected('path', 'an absolute path', path);
    this.path = path;
  }

  async get(key: string): Promise<string | undefined> {
    const entries = await this.#read();
    return Object.hasOwn(entries, key) ? entries[key] : undefined;
  }

  async set(key: string, value: string): Promise<void> {
    await ensurePrivateDirectory(dirname(this.path));
    const entries = await this.#read();
    entries[key] = value;
    await writeFileAtomic(this.path, `${JSON.stringify(entries, null, 2)}\n`, { mode: 0o600 });
  }

  async #read(): Promise<Record<string, string>> {
    const text = await readFileNoFollow(this.path).then(
      (bytes) => bytes.toString('utf8'),
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return '{}';
        throw error;
      },
    );
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  }

  /** What `JSON.stringify` shows: the path, never a password. */
  toJSON(): { path: string } {
    return { path: this.path };
  }
}

