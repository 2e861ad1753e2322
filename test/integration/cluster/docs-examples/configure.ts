import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Cluster, defaultInstallation } from '../../../../src/index.js';

const root = await mkdtemp('/tmp/pgct-example-');
await chmod(root, 0o755);
const cluster = new Cluster(await defaultInstallation(), join(root, 'data'));
await cluster.init({ user: 'postgres', locale: 'C' });

// postgresql.conf, edited in place: only the lines concerned change; values read back as strings.
await cluster.settings.update({ listen_addresses: '', unix_socket_directories: join(root, 'sock'), work_mem: '8MB' });
console.log(await cluster.settings.getset(['work_mem', 'max_connections']));

// pg_hba.conf through the lossless editor; the file keeps its owner and mode.
const hba = await cluster.hba();
hba.insertBefore({ type: 'local' }, { type: 'local', database: 'all', user: 'intruder', method: 'reject' });
await hba.save();

await cluster.start();
await cluster.settings.update({ work_mem: '16MB', max_connections: '50' });
const report = await cluster.reload(); // SIGHUP, then the server's own verdict
console.log(report.checked, report.errors, report.pendingRestart);

await cluster.shutdown();
await cluster.drop();
await rm(root, { recursive: true });
