import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTemporaryCluster, loadSql, SqlFileError } from '../../../../src/index.js';

const root = await mkdtemp('/tmp/pgct-example-');
const file = join(root, '003_broken.sql');
// BEGIN … COMMIT run as written: the failure rolls the table back, so the second run starts clean.
await writeFile(file, 'BEGIN;\nCREATE TABLE ok (id int);\nSELECT id\n  FROM missing;\nCOMMIT;\n');

const cluster = await createTemporaryCluster();
try {
  // The same error whichever runs the file: pg-cluster's runner on node-postgres, or psql.
  for (const via of ['node', 'psql'] as const) {
    try {
      await loadSql(cluster, file, { via });
    } catch (error) {
      if (!(error instanceof SqlFileError)) throw error;
      console.log(via, error.code, error.line, error.column, error.sqlstate, error.message.replace(root, '…'));
    }
  }
} finally {
  await cluster.dispose();
  await rm(root, { recursive: true });
}
