import { mkdtempSync, rmSync } from 'node:fs';
import { createTestDatabases } from '../../../../src/index.js';

// Where migrated templates persist (default: $PG_CLUSTER_CACHE, else ~/.cache/pg-cluster).
const cacheDirectory = mkdtempSync('/tmp/pgct-example-');
try {
  const dbs = await createTestDatabases({
    // Runs once per key; the next run (in any process) starts from the cached template.
    migrate: async (db) => {
      await db.runSql(`
        CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL);
        COPY items (name) FROM stdin;
seed
\\.
      `);
    },
    pool: 2,
    cacheDirectory,
  });
  console.log(dbs.wasCached);

  {
    await using db = await dbs.acquire(); // released (dropped in the background) at the end of the block
    await db.query("INSERT INTO items (name) VALUES ('mine')");
    console.log(await db.query('SELECT name FROM items ORDER BY id'));

    await db.snapshot('two-rows');
    await db.query('DELETE FROM items');
    await db.restore('two-rows'); // in place: same name, same connection string
    console.log(await db.query('SELECT count(*)::int AS n FROM items'));
  }

  const other = await dbs.acquire(); // a fresh copy: nothing of the block above
  console.log(await other.query('SELECT count(*)::int AS n FROM items'));
  const kept = await dbs.keep(other); // not dropped: look at it with psql while the cluster runs
  console.log(kept.database === other.name);

  await dbs.dispose(); // the throwaway cluster goes, kept databases with it
} finally {
  rmSync(cacheDirectory, { recursive: true, force: true });
}
