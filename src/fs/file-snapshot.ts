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

/** Reads a file as UTF-8 text and remembers its digest. */
export async function readFileSnapshot(path: string): Promise<{ text: string; snapshot: FileSnapshot }> {
  const bytes = await readFile(path);
  return { text: bytes.toString('utf8'), snapshot: { path, digest: digestOf(bytes) } };
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
