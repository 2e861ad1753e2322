import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { Cluster, defaultInstallation } from '../../../../src/index.js';

const root = await mkdtemp('/tmp/pgct-example-');
await chmod(root, 0o755);
const cluster = new Cluster(await defaultInstallation(), join(root, 'data'));
await cluster.init({ user: 'postgres', locale: 'C', noSync: true });
const settings = { listen_addresses: '', unix_socket_directories: join(root, 'sock') };
await cluster.start({ settings });

// A client that never leaves: a smart stop would wait forever, so after `timeout` it escalates.
const client = new pg.Client(await cluster.connectionOptions());
client.on('error', () => {});
await client.connect();
const result = await cluster.stop({ mode: 'smart', timeout: 500 });
console.log(result.mode, result.finalMode, result.escalations);

// kill(): SIGKILL, no shutdown at all; the next start runs crash recovery.
await cluster.start({ settings });
console.log((await cluster.kill()).exit);
await cluster.start({ settings });
console.log((await cluster.controlData()).state); // pg_controldata, where the installation has it
await cluster.drop();
await rm(root, { recursive: true });
