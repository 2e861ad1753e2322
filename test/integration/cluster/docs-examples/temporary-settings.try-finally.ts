import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Cluster, defaultInstallation } from '../../../../src/index.js';

const root = await mkdtemp('/tmp/pgct-example-');
await chmod(root, 0o755);
const cluster = new Cluster(await defaultInstallation(), join(root, 'data'));
await cluster.init({ user: 'postgres', authLocal: 'trust', locale: 'C', noSync: true });
await cluster.settings.update({ listen_addresses: '', unix_socket_directories: join(root, 'sock') });
await cluster.start();
const before = await readFile(cluster.settings.path);

const client = await cluster.connect();
const temporary = await cluster.settings.temporarily({ work_mem: '64MB', shared_buffers: '256MB' });
try {
  console.log((await client.query('show work_mem')).rows[0], temporary.pendingRestart);
  throw new Error('the body fails');
} catch (error) {
  console.log(error instanceof Error ? error.message : error);
} finally {
  await temporary.restore(); // what leaving the `await using` block does
}

console.log((await client.query('show work_mem')).rows[0], before.equals(await readFile(cluster.settings.path)));
await client.end();
await cluster.shutdown();
await cluster.drop();
await rm(root, { recursive: true });
