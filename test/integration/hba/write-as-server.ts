import { execFileSync } from 'node:child_process';
import { chownSync, writeFileSync } from 'node:fs';

const isRoot = process.getuid?.() === 0;

/** Writes a file the server (running as `postgres` when we are root) can read. */
export function writeAsServer(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(path, uid, gid);
  }
}
