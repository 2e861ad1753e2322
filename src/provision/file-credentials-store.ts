import { constants as fsConstants } from 'node:fs';
import { lstat, open, readFile, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isProcessAlive } from '../control/process-state.js';
import { expected } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { ensurePrivateDirectory } from '../fs/private-directory.js';
import { openRegularFile } from '../fs/regular-file.js';
import { UnsafeFileError } from '../fs/unsafe-file-error.js';
import type { CredentialsStore } from './credentials-store.js';
import { ProvisionError } from './provision-error.js';

/** How long `set` waits for another writer's lock before ProvisionError `CREDENTIALS_LOCKED`. */
const LOCK_WAIT_MS = 10_000;
/** A lock file without a pid yet (its writer died between create and write) counts as stale after this. */
const EMPTY_LOCK_STALE_MS = 5_000;

/** `$XDG_STATE_HOME/pg-cluster/credentials.json`, else `~/.local/state/pg-cluster/credentials.json`. */
export function defaultCredentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  const state = env['XDG_STATE_HOME'] !== undefined && isAbsolute(env['XDG_STATE_HOME']) ? env['XDG_STATE_HOME'] : join(homedir(), '.local', 'state');
  return join(state, 'pg-cluster', 'credentials.json');
}

/**
 * Passwords in a JSON file (`{ "<key>": "<password>" }`) of mode 0600 owned by the caller, in a
 * folder of mode 0700, outside any data directory (a base backup never copies it). Read afresh on
 * every `get` (another process may have written it) and written atomically; a symbolic link
 * in its place is refused (`FILE_IS_SYMLINK`), and so are, on read as on write, a file owned by
 * another OS user (`UNSAFE_FILE`) and a folder that is not this user's alone (`UNSAFE_DIRECTORY`):
 * a planted password would become a user's password. A file of ours that others may read is made
 * 0600. Writers (in this process or others) take turns through `<file>.lock` (created exclusively,
 * holding the writer's pid; one whose process is gone is taken over), so none loses another's entry.
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
    await this.#locked(async () => {
      const entries = await this.#read();
      entries[key] = value;
      await writeFileAtomic(this.path, `${JSON.stringify(entries, null, 2)}\n`, { mode: 0o600 });
    });
  }

  async #read(): Promise<Record<string, string>> {
    const folder = dirname(this.path);
    const exists = await lstat(folder).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return false;
        throw error;
      },
    );
    if (!exists) return {};
    await ensurePrivateDirectory(folder); // checks it is ours alone (it exists: nothing is made)
    const text = await this.#readOwnFile();
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  }

  /** The file's text ('{}' when missing), read through a descriptor that followed no link, from a regular file of ours (tightened to 0600). */
  async #readOwnFile(): Promise<string> {
    let opened;
    try {
      opened = await openRegularFile(this.path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return '{}';
      if (code === 'EISDIR' || code === 'EINVAL') throw new UnsafeFileError(this.path, `Refusing to read credentials from ${this.path}: it is not a regular file`);
      throw error;
    }
    const { handle, stats: info } = opened;
    try {
      const uid = process.getuid?.();
      if (uid !== undefined && info.uid !== uid) {
        throw new UnsafeFileError(this.path, `Refusing to read credentials from ${this.path}: it is owned by uid ${info.uid}, not by this user (uid ${uid}); remove it`);
      }
      if ((info.mode & 0o077) !== 0) await handle.chmod(0o600);
      return (await handle.readFile()).toString('utf8');
    } finally {
      await handle.close();
    }
  }

  /** Runs `work` holding `<file>.lock`. */
  async #locked(work: () => Promise<void>): Promise<void> {
    const lock = `${this.path}.lock`;
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        const handle = await open(lock, fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY | fsConstants.O_NOFOLLOW, 0o600);
        try {
          await handle.writeFile(`${process.pid}\n`);
        } finally {
          await handle.close();
        }
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      if (await isStaleLock(lock)) {
        await rm(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new ProvisionError('CREDENTIALS_LOCKED', `Another writer has held ${lock} for over ${LOCK_WAIT_MS} ms; remove it if no pg-cluster process is writing ${this.path}`);
      }
      await sleep(2 + Math.floor(Math.random() * 10));
    }
    try {
      await work();
    } finally {
      await rm(lock, { force: true });
    }
  }

  /** What `JSON.stringify` shows: the path, never a password. */
  toJSON(): { path: string } {
    return { path: this.path };
  }
}


/** A lock whose writer's process is gone (or that never got a pid, for a while). */
async function isStaleLock(lock: string): Promise<boolean> {
  const text = await readFile(lock, 'utf8').catch(() => null);
  if (text === null) return false; // gone already: the next try takes it
  const pid = Number(text.trim());
  if (text.trim() !== '' && Number.isInteger(pid)) return !isProcessAlive(pid);
  const info = await stat(lock).catch(() => null);
  return info !== null && Date.now() - info.mtimeMs > EMPTY_LOCK_STALE_MS;
}
