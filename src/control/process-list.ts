import { readdirSync } from 'node:fs';

/** The pids of every process in `/proc` (empty where there is no /proc). */
export function listProcessIds(): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  return entries.filter((entry) => /^\d+$/.test(entry)).map(Number);
}
