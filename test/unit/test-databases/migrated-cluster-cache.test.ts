import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MigratedClusterCache } from '../../../src/test-databases/migrated-cluster-cache.js';
import { writeOwnerMarker } from '../../../src/throwaway/owner-marker.js';

const directory = mkdtempSync(join(tmpdir(), 'pgct-mcc-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
// The cache keeps its entries in a folder of its own under the directory it is given.
const entries = join(directory, 'test-databases');

describe('MigratedClusterCache.prune', () => {
  it('removes the build folder of a dead builder whose pid a live process now has (its owner marker tells them apart), keeps a live builder\'s', async () => {
    // A builder that was killed; its pid (the one in the folder's name) is now this process's:
    // the marker it wrote records another start time.
    const reused = join(entries, `.build-k1-${process.pid}-dead0001`);
    mkdirSync(join(reused, 'data'), { recursive: true });
    writeFileSync(join(reused, 'owner.json'), `${JSON.stringify({ pid: process.pid, startTicks: 1, createdAt: new Date().toISOString() })}\n`);
    // This process building now.
    const live = join(entries, `.build-k2-${process.pid}-live0001`);
    mkdirSync(join(live, 'data'), { recursive: true });
    await writeOwnerMarker(live, { isNewFolder: true });
    await new MigratedClusterCache(directory).prune(3);
    expect(existsSync(reused)).toBe(false);
    expect(existsSync(live)).toBe(true);
  });

  it('a built entry holds no owner marker (only entry.json and data/)', async () => {
    const cache = new MigratedClusterCache(join(directory, 'cache'));
    const entry = await cache.get('k3', async (target) => {
      mkdirSync(target);
      writeFileSync(join(target, 'PG_VERSION'), '15\n');
    }, { keep: 3 });
    expect(entry.wasCached).toBe(false);
    expect(readdirSync(join(directory, 'cache', 'test-databases', 'k3')).sort()).toEqual(['data', 'entry.json']);
  });
});
