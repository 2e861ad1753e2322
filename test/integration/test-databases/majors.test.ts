import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabases, Installation } from '../../../src/index.js';
import { npmBindir } from '../../helpers/scratch-server.js';

// The oldest and the newest major: no STRATEGY before 15; PostgreSQL 18 tries file_copy_method = clone.
let cache = '';
beforeAll(() => {
  cache = mkdtempSync('/tmp/pgct-tdb-majors-');
  chmodSync(cache, 0o755);
});
afterAll(() => {
  if (cache !== '') rmSync(cache, { recursive: true, force: true });
});

describe.each([13, 18] as const)('PostgreSQL %i', (major) => {
  it('builds, hands out, snapshots and restores, and is cached the second time', async () => {
    const installation = await Installation.fromBinDir(npmBindir(major));
    const migrate = async (db: { runSql(text: string): Promise<unknown> }) => {
      await db.runSql("CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items VALUES (1, 'seed');");
    };
    const first = await createTestDatabases({ installation, cacheDirectory: cache, migrate, pool: 1 });
    try {
      await using db = await first.acquire();
      expect(await db.query("SELECT current_setting('server_version_num')::int / 10000 AS major")).toEqual([{ major }]);
      await db.snapshot('s');
      await db.query('DELETE FROM items');
      await db.restore('s');
      expect(await db.query('SELECT name FROM items')).toEqual([{ name: 'seed' }]);
    } finally {
      await first.dispose();
    }
    const second = await createTestDatabases({ installation, cacheDirectory: cache, migrate, pool: 1 });
    expect(second.wasCached).toBe(true);
    await second.dispose();
  });
});
