/** Background removals still running (throwaway folders being deleted after dispose). */
const pending = new Set<Promise<unknown>>();

/** Tracks a background cleanup so {@link waitForCleanup} can await it. Never rejects. */
export function trackCleanup(work: Promise<unknown>): void {
  const settled = work.catch(() => undefined);
  pending.add(settled);
  void settled.finally(() => pending.delete(settled));
}

/**
 * Resolves once every throwaway folder disposed so far is removed. Node itself waits for
 * them before a natural exit (the removals keep its event loop busy); call this before
 * `process.exit()`, or in a test that checks the disk.
 */
export async function waitForCleanup(): Promise<void> {
  while (pending.size > 0) await Promise.all([...pending]);
}
