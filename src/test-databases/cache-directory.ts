import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/**
 * Where migrated templates persist between runs: `$PG_CLUSTER_CACHE` when set, else
 * `$XDG_CACHE_HOME/pg-cluster`, else `~/.cache/pg-cluster` (the user's cache folder).
 */
export function defaultCacheDirectory(): string {
  const fromEnv = process.env['PG_CLUSTER_CACHE'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const xdg = process.env['XDG_CACHE_HOME'];
  if (xdg !== undefined && isAbsolute(xdg)) return join(xdg, 'pg-cluster');
  return join(homedir(), '.cache', 'pg-cluster');
}
