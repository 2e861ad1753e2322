import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Cluster, defaultInstallation } from '../../../../src/index.js';

const root = await mkdtemp('/tmp/pgct-example-');
await chmod(root, 0o755);
// Debian's layout: the data in one folder, postgresql.conf, pg_hba.conf and pg_ident.conf in another.
const cluster = new Cluster(await defaultInstallation(), join(root, 'data'), { configDirectory: join(root, 'etc') });
await cluster.init({ user: 'postgres', locale: 'C', noSync: true });
console.log(await readdir(join(root, 'etc')), await cluster.initialized());
await cluster.settings.update({ work_mem: '16MB' });
await cluster.start({ settings: { listen_addresses: '', unix_socket_directories: join(root, 'sock') } });
const client = await cluster.connect();
const { rows } = await client.query("SELECT current_setting('config_file') = $1 AS same, current_setting('work_mem') AS work_mem", [cluster.configFile]);
await client.end();
console.log(rows);
console.log((await cluster.drop({ removeConfiguration: true })).removed.length); // data, its log, etc
await rm(root, { recursive: true });
