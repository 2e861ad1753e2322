import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Cluster, ClusterDropError, defaultInstallation } from '../../../../src/index.js';

const root = await mkdtemp('/tmp/pgct-example-');
await chmod(root, 0o755);
const installation = await defaultInstallation();
const cluster = new Cluster(installation, join(root, 'data'));
await cluster.init({ user: 'postgres', authLocal: 'trust', locale: 'C', noSync: true, waldir: join(root, 'wal') });
console.log(await cluster.drop()); // { removed: ['…/data', '…/wal'], kept: [] }

// What is not one of our clusters is refused, and nothing is removed.
await writeFile(join(root, 'notes.txt'), 'mine');
try {
  await new Cluster(installation, join(root, 'notes.txt')).drop();
} catch (error) {
  if (!(error instanceof ClusterDropError)) throw error;
  console.log(error.code); // DROP_NOT_A_DIRECTORY
}
await rm(root, { recursive: true });
