import { readFile } from 'node:fs/promises';
import { runCommand } from '../control/index.js';

/**
 * Removes the System V shared memory segment a dead postmaster left, as its `postmaster.pid`
 * names it (`  <key>  <id>`), when the kernel still has that segment with the same key and
 * nobody is attached (a postmaster killed with SIGKILL never removes it). Linux only (reads
 * /proc/sysvipc/shm); resolves to whether a segment was removed. Never throws.
 */
export async function removeLeakedSegment(shmemKey: string | null): Promise<boolean> {
  const [key, id] = (shmemKey ?? '').trim().split(/\s+/).map(Number);
  if (key === undefined || id === undefined || !Number.isInteger(key) || !Number.isInteger(id)) return false;
  let table: string;
  try {
    table = await readFile('/proc/sysvipc/shm', 'utf8');
  } catch {
    return false;
  }
  // Columns: key shmid perms size cpid lpid nattch uid gid …
  const segment = table
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/).map(Number))
    .find((fields) => fields[1] === id);
  if (segment === undefined || segment[0] !== key || segment[6] !== 0) return false;
  try {
    await runCommand('ipcrm', ['-m', String(id)]);
    return true;
  } catch {
    return false;
  }
}
