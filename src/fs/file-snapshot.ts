import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/** What a file held when it was read, to notice whether someone else changed it since. */
export interface FileSnapshot {
  path: string;
  digest: string;
}

export function digestOf(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Whether the file on disk still holds what the snapshot saw. A file that has vanished
 * counts as changed.
 */
export async function isUnchanged(snapshot: FileSnapshot): Promise<boolean> {
  try {
    return digestOf(await readFile(snapshot.path)) === snapshot.digest;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
