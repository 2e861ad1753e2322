import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Cluster, defaultInstallation } from '../../../../src/index.js';

const root = await mkdtemp('/tmp/pgct-example-');
await chmod(root, 0o755);
const cluster = new Cluster(await defaultInstallation(), join(root, 'data'));
await cluster.init({ user: 'postgres', authLocal: 'trust', locale: 'C', noSync: true });
await cluster.settings.update({ listen_addresses: '', unix_socket_directories: join(root, 'sock'), port: 6543 });

// Before the server runs: where it will listen, as its settings say.
const { host, port, listenAddresses } = await cluster.address();
console.log(host === join(root, 'sock'), port, listenAddresses);

await cluster.start();
const client = await cluster.connect({ database: 'template1' }); // node-postgres, connected; yours to end()
console.log((await client.query('select current_database()')).rows);
await client.end();
console.log(await cluster.connection()); // the options it used: connectionOptions(), ready for new pg.Client()

await cluster.shutdown();
await cluster.drop();
await rm(root, { recursive: true });
