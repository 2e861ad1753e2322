import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Cluster, ClusterStartupError, defaultInstallation } from '../../../../src/index.js';

const root = await mkdtemp('/tmp/pgct-example-');
await chmod(root, 0o755);
const cluster = new Cluster(await defaultInstallation(), join(root, 'data'));
await cluster.init({ user: 'postgres', locale: 'C', noSync: true });

try {
  await cluster.start({ settings: { listen_addresses: '', unix_socket_directories: join(root, 'sock'), shared_buffers: 'plenty' } });
} catch (error) {
  if (!(error instanceof ClusterStartupError)) throw error;
  // Branch on `code`; the server's last words are in `logTail`, the full log in `logfile`.
  console.log(error.code, error.exitCode, error.logTail.split('\n').at(-1));
}
console.log(await cluster.running()); // a failed start leaves nothing behind
await cluster.drop();
await rm(root, { recursive: true });
