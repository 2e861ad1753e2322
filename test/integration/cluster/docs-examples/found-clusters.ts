import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Cluster, defaultInstallation, findClusters } from '../../../../src/index.js';

const root = await mkdtemp('/tmp/pgct-example-');
await chmod(root, 0o755);
const data = join(root, 'data');
await new Cluster(await defaultInstallation(), data).init({ user: 'postgres', locale: 'C', noSync: true });

// `data` names folders to describe besides the usual places; `sources: []` skips those places.
const [found] = await findClusters({ data: [data], sources: [] });
console.log(found!.source, found!.major, found!.status, found!.installation!.versionInfo.major);

const cluster = await Cluster.fromFound(found!); // a ready Cluster: its installation, run as its owner
const { pid } = await cluster.start({ settings: { listen_addresses: '', unix_socket_directories: join(root, 'sock') } });
const [online] = await findClusters({ data: [data], sources: [] });
console.log(online!.status, online!.pid === pid, online!.socketDirectory === join(root, 'sock'));
await cluster.stop();
await rm(root, { recursive: true });
