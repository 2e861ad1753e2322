import { statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { expected } from '../errors.js';
import { ensurePrivateDirectory } from '../fs/private-directory.js';
import { TemporaryClusterError } from './temporary-cluster-error.js';

/**
 * Where throwaway clusters and their templates live:
 * - `'auto'` (default): `'memory'` when /dev/shm is a RAM file system with at least
 *   {@link MIN_MEMORY_BYTES} free, else `'disk'`;
 * - `'memory'`: /dev/shm (fails when it is missing or too small);
 * - `'disk'`: /var/tmp (the root of the file system on most machines, traversable by every user);
 * - an absolute path: that folder.
 * Clusters and templates share the root so a copy stays on one file system (reflinks, no EXDEV).
 */
export type ThrowawayStorage = 'auto' | 'memory' | 'disk' | (string & {});

/** /dev/shm is used by default only with this much free space (Docker's default 64 MB is too small). */
export const MIN_MEMORY_BYTES = 1024 * 1024 * 1024;

export interface ThrowawayRoot {
  /** `<base>/pg-cluster-<uid>`: mode 0755 when root (the server's OS user traverses it), else 0700. */
  path: string;
  /** True when on a RAM-backed file system. */
  isMemory: boolean;
}

/** Resolves the storage choice to a folder owned by the current user (created when missing). */
export async function resolveThrowawayRoot(storage: ThrowawayStorage = 'auto'): Promise<ThrowawayRoot> {
  if (typeof storage !== 'string' || storage === '') {
    throw expected('storage', "'auto', 'memory', 'disk' or an absolute path", storage);
  }
  const uid = process.getuid?.() ?? 0;
  const name = `pg-cluster-${uid}`;
  let base: string;
  let isMemory: boolean;
  if (storage === 'auto') {
    isMemory = await hasMemoryRoom('/dev/shm');
    base = isMemory ? '/dev/shm' : '/var/tmp';
  } else if (storage === 'memory') {
    if (!(await hasMemoryRoom('/dev/shm', 0))) {
      throw new TemporaryClusterError('UNSAFE_DIRECTORY', 'storage `memory` needs /dev/shm, a tmpfs, and it is missing here', { path: '/dev/shm' });
    }
    base = '/dev/shm';
    isMemory = true;
  } else if (storage === 'disk') {
    base = '/var/tmp';
    isMemory = false;
  } else {
    if (!storage.startsWith('/')) throw expected('storage', "'auto', 'memory', 'disk' or an absolute path", storage);
    return { path: await ensurePrivateDirectory(storage, { shared: uid === 0 }), isMemory: await isTmpfs(storage) };
  }
  return { path: await ensurePrivateDirectory(join(base, name), { shared: uid === 0 }), isMemory };
}

export { ensurePrivateDirectory } from '../fs/private-directory.js';

async function hasMemoryRoom(path: string, minimum = MIN_MEMORY_BYTES): Promise<boolean> {
  try {
    const stats = await statfs(path);
    return stats.type === TMPFS_MAGIC && stats.bavail * stats.bsize >= minimum;
  } catch {
    return false;
  }
}

async function isTmpfs(path: string): Promise<boolean> {
  try {
    return (await statfs(path)).type === TMPFS_MAGIC;
  } catch {
    return false;
  }
}

/** statfs(2) f_type of tmpfs on Linux. */
const TMPFS_MAGIC = 0x01021994;
