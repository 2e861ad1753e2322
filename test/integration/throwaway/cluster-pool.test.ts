import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readPostmasterPid } from '../../../src/control/index.js';
import { createTemporaryCluster, disposeClusterPools, pooledClusterCount, waitForCleanup } from '../../../src/throwaway/index.js';

const scratch = mkdtempSync('/tmp/pgct-pool-');
chmodSync(scratch, 0o755);
const storage = join(scratch, 'root');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function readyFolders(): Promise<string[]> {
  const folders = readdirSync(join(storage, 'clusters')).map((name) => join(storage, 'clusters', name));
  const ready = await Promise.all(folders.map(async (folder) => ((await readPostmasterPid(join(folder, 'data')))?.status === 'ready' ? folder : null)));
  return ready.filter((folder): folder is string => folder !== null);
}

describe('prestart pool', () => {
  it('serves the next call from a cluster started in the background, and frees the pool on request', async () => {
    const first = await createTemporaryCluster({ storage, prestart: 1 });
    expect(pooledClusterCount()).toBe(1);
    // Wait until the background cluster is up: two ready servers.
    for (let i = 0; i < 500 && (await readyFolders()).length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    const before = await readyFolders();
    expect(before).toHaveLength(2);

    const second = await createTemporaryCluster({ storage, prestart: 1 });
    expect(before).toContain(second.directory);
    expect(second.directory).not.toBe(first.directory);
    expect(await second.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    expect(pooledClusterCount()).toBe(1);

    // Other options, another pool.
    const other = await createTemporaryCluster({ storage, prestart: 1, database: 'other' });
    expect(other.connectionInfo.database).toBe('other');
    expect(pooledClusterCount()).toBe(2);

    await Promise.all([first.dispose(), second.dispose(), other.dispose()]);
    await disposeClusterPools();
    expect(pooledClusterCount()).toBe(0);
    await waitForCleanup();
    expect(readdirSync(join(storage, 'clusters'))).toEqual([]);
  });

  it('refuses a prestart with a fixed port', async () => {
    await expect(createTemporaryCluster({ storage, prestart: 1, port: 25432 })).rejects.toThrow(/Expected `prestart` to be 0 when `port` is given/);
  });
});
