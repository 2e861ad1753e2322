import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  Cluster, createStandby, defaultInstallation, failover, FileCredentialsStore, findFreePort, rejoin, serverState, waitForReplay, watchTopology,
} from '../../../../src/index.js';

const root = await mkdtemp('/tmp/pgct-example-');
await chmod(root, 0o755);
const socketDirectory = join(root, 'sock');
const credentials = new FileCredentialsStore(join(root, 'state', 'credentials.json'));
const a = new Cluster(await defaultInstallation(), join(root, 'a'));
await a.init({ user: 'postgres', locale: 'C', noSync: true, dataChecksums: true });
await a.start({ settings: { listen_addresses: '127.0.0.1', port: await findFreePort(), unix_socket_directories: socketDirectory } });
const nodes = [a];
let stop = async (): Promise<void> => undefined;
try {
  const b = await createStandby(a, join(root, 'b'), { slot: true, synchronous: true, credentials });
  const c = await createStandby(a, join(root, 'c'), { slot: true, credentials });
  nodes.push(b, c);

  // The client keeps writing to whichever node the last master_changed named.
  let master: Cluster | null = null;
  let changed: () => void = () => undefined;
  const masterChanged = () => new Promise<void>((resolve) => (changed = resolve));
  let next = masterChanged();
  stop = watchTopology(nodes, (event) => {
    if (event.type !== 'master_changed') return;
    master = event.master as Cluster | null;
    console.log('master_changed', master === null ? null : basename(master.dataDirectory));
    changed();
  }, { interval: 100 });
  const write = async (sql: string) => {
    const client = await master!.connect();
    await client.query(sql);
    await client.end();
  };
  await next;
  await write('CREATE TABLE notes (id int); INSERT INTO notes VALUES (1)');
  for (const standby of [b, c]) await waitForReplay(standby, 'current');

  // The master goes away (killed outright), and the client hears of it.
  next = masterChanged();
  await a.kill();
  await next;

  // Failover: the most advanced standby is promoted, the other follows it; master_changed again.
  next = masterChanged();
  const promoted = await failover([b, c]);
  await next;
  await write('INSERT INTO notes VALUES (2)');
  const client = await promoted.connect();
  console.log((await client.query('SELECT id FROM notes ORDER BY id')).rows);
  await client.end();

  // The old master comes back as a hot standby of the new one (by pg_rewind, else a base backup: see `method`).
  const { standby } = await rejoin(a, promoted, { credentials });
  console.log(await serverState(standby));
} finally {
  await stop();
  for (const node of nodes) await node.drop();
  await rm(root, { recursive: true });
}
