import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { Cluster, defaultInstallation, SettingInAutoConfError } from '../../../../src/index.js';

const root = await mkdtemp('/tmp/pgct-example-');
await chmod(root, 0o755);
const cluster = new Cluster(await defaultInstallation(), join(root, 'data'));
await cluster.init({ user: 'postgres', locale: 'C' });
await cluster.start({ settings: { listen_addresses: '', unix_socket_directories: join(root, 'sock') } });
const client = new pg.Client(await cluster.connectionOptions());
await client.connect();
await client.query("alter system set work_mem = '64MB'"); // written to postgresql.auto.conf

try {
  await cluster.settings.set('work_mem', '8MB'); // postgresql.conf would lose: nothing is written
} catch (error) {
  if (!(error instanceof SettingInAutoConfError)) throw error;
  console.log(error.code, error.value, error.file === cluster.settings.autoConfPath);
}

// Written anyway when told so; the server still takes ALTER SYSTEM's value.
await cluster.settings.set('work_mem', '8MB', { ignoreAutoConf: true });
console.log(await cluster.settings.get('work_mem'), (await cluster.settings.effective()).settings.get('work_mem')?.value);

// Once ALTER SYSTEM lets go of it, postgresql.conf's value is the one the server reads.
await client.query('alter system reset work_mem');
console.log((await cluster.settings.effective()).settings.get('work_mem')?.value);

await client.end();
await cluster.shutdown();
await cluster.drop();
await rm(root, { recursive: true });
