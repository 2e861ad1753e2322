import type { TemporaryCluster } from './temporary-cluster.js';

/** Clusters being started or started, not yet handed out, per options key. */
const pools = new Map<string, Promise<TemporaryCluster | null>[]>();

/**
 * Hands out a cluster from the pool of `key` (one started in the background earlier; if it is
 * still starting, waiting for it is still faster than starting another) and tops the pool up
 * to `size` in the background (`create`). With an empty pool, `createNow()` runs for this call. A background
 * start that failed is skipped: this call then creates its own, so its error is the caller's.
 */
export async function takeFromPool(
  key: string,
  size: number,
  create: () => Promise<TemporaryCluster>,
  createNow: () => Promise<TemporaryCluster> = create,
): Promise<TemporaryCluster> {
  let pool = pools.get(key);
  if (pool === undefined) {
    pool = [];
    pools.set(key, pool);
  }
  const next = pool.shift();
  while (pool.length < size) pool.push(create().catch(() => null));
  const cluster = next === undefined ? null : await next;
  return cluster ?? createNow();
}

/** How many clusters the pools hold (started or starting). */
export function pooledClusterCount(): number {
  let count = 0;
  for (const pool of pools.values()) count += pool.length;
  return count;
}

/**
 * Disposes every pooled cluster that was not handed out. The exit cleanup removes them anyway
 * when the process ends; call this to free them earlier (e.g. in a globalTeardown).
 */
export async function disposeClusterPools(): Promise<void> {
  const pending = [...pools.values()].flatMap((pool) => pool.splice(0));
  pools.clear();
  await Promise.all(pending.map(async (entry) => (await entry)?.dispose()));
}
