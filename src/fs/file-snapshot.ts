import { createHash } from 'node:crypto';

/** What a file held when it was read, to notice whether someone else changed it since. */
export interface FileSnapshot {
  path: string;
  digest: string;
}

export function digestOf(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
