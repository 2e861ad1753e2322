import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Cluster, defaultInstallation } from '../../../../src/index.js';

const root = await mkdtemp('/tmp/pgct-example-');
await chmod(root, 0o755);
const installation = await defaultInstallation();
const data = join(root, 'data');
{
  await using cluster = new Cluster(installation, data);
  await cluster.init({ user: 'postgres', locale: 'C', noSync: true });
  const started = await cluster.start({ detached: true, settings: { listen_addresses: '', unix_socket_directories: join(root, 'sock') } });
  console.log(started.detached, started.logfile === `${data}.log`);
} // disposal leaves a detached server running; so would the end of this Node process
// Later, from this or any other process: a Cluster on the same data directory stops it.
const later = new Cluster(installation, data);
console.log(await later.running(), (await later.stop({ mode: 'fast' })).stopped);
await rm(root, { recursive: true });
