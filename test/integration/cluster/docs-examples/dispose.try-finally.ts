import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Cluster, defaultInstallation, isProcessAlive } from '../../../../src/index.js';

const root = await mkdtemp('/tmp/pgct-example-');
await chmod(root, 0o755);
let pid = 0;
const cluster = new Cluster(await defaultInstallation(), join(root, 'data'));
try {
  await cluster.init({ user: 'postgres', locale: 'C', noSync: true });
  pid = (await cluster.start({ settings: { listen_addresses: '', unix_socket_directories: join(root, 'sock') } })).pid;
} finally {
  await cluster[Symbol.asyncDispose](); // what leaving an `await using` block does: stops the server this object started
}
console.log(isProcessAlive(pid));
await rm(root, { recursive: true });
