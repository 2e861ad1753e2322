// A server that asks for a password: psql gets it through PGPASSWORD (never the command line),
// and a target without one fails at once with SQL_CONNECTION_FAILED, psql never prompting.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSql, SqlFileError } from '../../../src/sql/index.js';
import { createTemporaryCluster, type TemporaryCluster } from '../../../src/throwaway/index.js';

let cluster: TemporaryCluster;
let folder: string;

beforeAll(async () => {
  cluster = await createTemporaryCluster({ password: "it's a secret" });
  folder = mkdtempSync('/tmp/pgct-sqlpassword-');
});

afterAll(async () => {
  await cluster?.dispose();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

describe('loadSql on a server with a password', () => {
  for (const via of ['node', 'psql'] as const) {
    it(`connects with the target's password (via ${via})`, async () => {
      const file = join(folder, `${via}.sql`);
      writeFileSync(file, `CREATE TABLE pw_${via} (x int);\nCOPY pw_${via} FROM stdin;\n1\n\\.\n`);
      await loadSql(cluster, file, { via });
      expect(await cluster.query(`SELECT x FROM pw_${via}`)).toEqual([{ x: 1 }]);
    });

    it(`fails with SQL_CONNECTION_FAILED without it, at once (via ${via})`, async () => {
      const file = join(folder, 'one.sql');
      writeFileSync(file, 'SELECT 1;\n');
      const { password: _password, ...withoutPassword } = cluster.clientConfig();
      const started = performance.now();
      const error = await loadSql(withoutPassword, file, { via }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(SqlFileError);
      expect((error as SqlFileError).code).toBe('SQL_CONNECTION_FAILED');
      expect(performance.now() - started).toBeLessThan(10_000);
    });
  }
});
