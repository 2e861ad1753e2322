import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Cluster, defaultInstallation, InvalidSettingValueError } from '../../../../src/index.js';

const root = await mkdtemp('/tmp/pgct-example-');
await chmod(root, 0o755);
const cluster = new Cluster(await defaultInstallation(), join(root, 'data'));
await cluster.init({ user: 'postgres', authLocal: 'trust', locale: 'C', noSync: true });
await cluster.settings.update({ listen_addresses: '', unix_socket_directories: join(root, 'sock') });

try {
  await cluster.settings.set('shared_buffers', 'plenty'); // refused: nothing is written
} catch (error) {
  if (!(error instanceof InvalidSettingValueError)) throw error;
  console.log(error.code, error.allowed, error.reason);
}

await cluster.start();
await cluster.settings.set('shared_buffers', '256MB'); // valid, but only a restart applies it
await cluster.settings.set('work_mem', 'lots', { allowInvalid: true }); // written anyway
const report = await cluster.reload();
console.log(report.pendingRestart, report.invalid.map(({ name, value, reason }) => [name, value, reason]));

await cluster.shutdown();
await cluster.drop();
await rm(root, { recursive: true });
