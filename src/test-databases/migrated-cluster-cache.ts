import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, stat, unlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { chownTree, isRoot, removeTree } from '../control/index.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { ensurePrivateDirectory } from '../fs/private-directory.js';
import { readFileNoFollow } from '../fs/regular-file.js';
import { isOwnerAlive, OWNER_FILE, readOwnerMarker, writeOwnerMarker } from '../throwaway/owner-marker.js';

/** A cached cluster: the data directory of a cleanly stopped cluster that holds a migrated template. */
export interface CachedCluster {
  key: string;
  /** `<cache>/test-databases/<key>/data`: only ever copied, never started. */
  dataDirectory: string;
  /** False when this call built it. */
  wasCached: boolean;
}

/** A lock folder without an owner marker is taken as abandoned only when it is this old. */
const MARKERLESS_GRACE_MS = 10_000;

/**
 * Data directories of stopped clusters with a migrated template in them, one per key, under
 * `<cacheDirectory>/test-databases/`: what makes the second run of a suite skip its migrations
 * (a throwaway cluster starts from a copy). One process builds a key at a time: the builder holds
 * `<key>.lock/` (a folder naming its pid), which is stale once that process is gone; the others
 * wait and then use its result. An entry is built in a `.build-*` folder and renamed into place.
 * The `keep` most recently used entries are kept; older ones are removed after a build.
 */
export class MigratedClusterCache {
  readonly directory: string;

  constructor(cacheDirectory: string) {
    this.directory = join(cacheDirectory, 'test-databases');
  }

  /** The entry of `key`, built by `build(dataDirectory)` when missing (`build` writes a stopped cluster's data directory there). */
  async get(key: string, build: (target: string) => Promise<void>, options: { keep: number; signal?: AbortSignal }): Promise<CachedCluster> {
    const found = await this.#find(key);
    if (found !== null) return found;
    await ensurePrivateDirectory(this.directory, { shared: false });
    for (;;) {
      options.signal?.throwIfAborted();
      if (await this.#lock(key)) break;
      const built = await this.#find(key);
      if (built !== null) return built;
      await new Promise((resolve) => setTimeout(resolve, 50));
      const after = await this.#find(key);
      if (after !== null) return after;
    }
    try {
      const again = await this.#find(key);
      if (again !== null) return again;
      const folder = join(this.directory, `.build-${key}-${process.pid}-${randomBytes(4).toString('hex')}`);
      await mkdir(folder, { mode: 0o700 });
      try {
        // The pid in the name alone cannot tell a reused pid apart: prune reads this marker.
        await writeOwnerMarker(folder, { isNewFolder: true });
        await build(join(folder, 'data'));
        // As root the data directory was the server user's: the cached copy is root's own, in a folder only root enters.
        if (isRoot()) await chownTree(join(folder, 'data'), { user: 'root', uid: 0, gid: 0, groups: [0] });
        await writeFileAtomic(join(folder, 'entry.json'), `${JSON.stringify({ key, createdAt: new Date().toISOString() })}\n`, { mode: 0o644 });
        await unlink(join(folder, OWNER_FILE));
        await rename(folder, join(this.directory, key));
      } finally {
        await removeTree(folder).catch(() => undefined);
      }
      await this.prune(options.keep, key);
      return { key, dataDirectory: join(this.directory, key, 'data'), wasCached: false };
    } finally {
      await removeTree(this.#lockPath(key)).catch(() => undefined);
    }
  }

  /** Removes the entries beyond the `keep` most recently used (never `current`), and builds of dead builders. */
  async prune(keep: number, current?: string): Promise<string[]> {
    const names = await readdir(this.directory).catch(() => [] as string[]);
    const entries: { name: string; usedMs: number }[] = [];
    for (const name of names) {
      if (name.startsWith('.build-')) {
        const pid = Number(name.split('-').at(-2));
        const marker = (await readOwnerMarker(join(this.directory, name))) ?? { pid, startTicks: null, createdAt: '' };
        if (Number.isInteger(marker.pid) && !isOwnerAlive(marker)) await removeTree(join(this.directory, name)).catch(() => undefined);
        continue;
      }
      if (name.startsWith('.') || name.endsWith('.lock') || name === current) continue;
      const since = await stat(join(this.directory, name)).catch(() => null);
      if (since !== null) entries.push({ name, usedMs: since.mtimeMs });
    }
    entries.sort((a, b) => b.usedMs - a.usedMs);
    const doomed = entries.slice(Math.max(0, keep - (current === undefined ? 0 : 1))).map((entry) => entry.name);
    for (const name of doomed) {
      const aside = join(this.directory, `.stale-${name}-${randomBytes(4).toString('hex')}`);
      if (await rename(join(this.directory, name), aside).then(() => true, () => false)) await removeTree(aside);
    }
    return doomed;
  }

  /** The cached entries' keys. */
  async list(): Promise<string[]> {
    const names = await readdir(this.directory).catch(() => [] as string[]);
    return names.filter((name) => !name.startsWith('.') && !name.endsWith('.lock')).sort();
  }

  async #find(key: string): Promise<CachedCluster | null> {
    const folder = join(this.directory, key);
    const entry = await readFileNoFollow(join(folder, 'entry.json')).catch(() => null);
    const version = await stat(join(folder, 'data', 'PG_VERSION')).catch(() => null);
    if (entry === null || version === null) return null;
    // Marks it used: prune keeps the most recently used.
    const now = new Date();
    await utimes(folder, now, now).catch(() => undefined);
    return { key, dataDirectory: join(folder, 'data'), wasCached: true };
  }

  #lockPath(key: string): string {
    return join(this.directory, `${key}.lock`);
  }

  /** Takes the build lock of `key`: true when this process holds it now; a lock whose owner is gone is broken. */
  async #lock(key: string): Promise<boolean> {
    const path = this.#lockPath(key);
    try {
      await mkdir(path, { mode: 0o700 });
      await writeOwnerMarker(path);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const marker = await readOwnerMarker(path);
    if (marker === null) {
      const since = await stat(path).catch(() => null);
      if (since === null || Date.now() - since.mtimeMs < MARKERLESS_GRACE_MS) return false;
    } else if (isOwnerAlive(marker)) return false;
    // The owner is gone: move its lock aside (one breaker wins the rename) and try again.
    const aside = join(this.directory, `.stale-lock-${key}-${randomBytes(4).toString('hex')}`);
    if (await rename(path, aside).then(() => true, () => false)) {
      const moved = await readOwnerMarker(aside);
      if (moved !== null && isOwnerAlive(moved)) {
        // Another breaker had already taken it anew: give it back.
        await rename(aside, path).catch(() => undefined);
        return false;
      }
      await removeTree(aside).catch(() => undefined);
    }
    return false;
  }
}
