import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import {
  allowClient, Cluster, createStandby, defaultInstallation, FileCredentialsStore, findFreePort, provision, replicationStatus, serverState,
  topologyConnectionInfo, waitForReplay,
} from '../../../../src/index.js';

const root = await mkdtemp('/tmp/pgct-example-');
await chmod(root, 0o755);
const socketDirectory = join(root, 'sock');
const primary = new Cluster(await defaultInstallation(), join(root, 'a'));
await primary.init({ user: 'postgres', locale: 'C', noSync: true, dataChecksums: true });
await primary.start({ settings: { listen_addresses: '127.0.0.1', port: await findFreePort(), unix_socket_directories: socketDirectory } });
const standbys: Cluster[] = [];
try {
  // The client's database and user, on the master; pg_hba.conf lets it in from 127.0.0.1
  // (standbys made afterwards copy the rule with the rest of the data directory).
  const credentials = new FileCredentialsStore(join(root, 'state', 'credentials.json'));
  const grant = await provision(primary, { client: 'myapp', credentials });
  for (const user of [grant.user, grant.schemaUser]) await allowClient(primary, { database: grant.database, user, address: '127.0.0.1' });

  // Scale out: two hot standbys, the second synchronous and with a slot of its own.
  standbys.push(await createStandby(primary, join(root, 'b'), { credentials }));
  standbys.push(await createStandby(primary, join(root, 'c'), { slot: true, synchronous: true, credentials }));
  console.log(await serverState(primary), await serverState(standbys[0]!), (await replicationStatus(primary)).map((s) => `${s.name} ${s.state} ${s.sync}`));

  // The client sees one topology: libpq clients take the URI (they find the master themselves);
  // node-postgres gets the one server that fits from clientConfig().
  const ports = await Promise.all([primary, ...standbys].map(async (node) => (await node.postmaster())!.port));
  const topology = topologyConnectionInfo(ports.map((port) => ({ ...grant.toParameters({ includePassword: true }), host: '127.0.0.1', port })));
  const schema = topologyConnectionInfo(ports.map((port) => ({ ...grant.schemaConnection().toParameters({ includePassword: true }), host: '127.0.0.1', port })));
  console.log(topology.uri({ targetSessionAttrs: 'read-write' }).replace(grant.password, '***').replace(/:\d+/g, ':<port>'));

  // Write to the master…
  const migrations = new pg.Client(await schema.clientConfig({ targetSessionAttrs: 'read-write' }));
  await migrations.connect();
  await migrations.query('CREATE TABLE notes (body text)');
  await migrations.end();
  const writer = new pg.Client(await topology.clientConfig({ targetSessionAttrs: 'read-write' }));
  await writer.connect();
  await writer.query("INSERT INTO notes VALUES ('written on the master')");
  await writer.end();

  // …read from the hot standbys, once they replayed it (no sleeps).
  for (const standby of standbys) await waitForReplay(standby, 'current');
  const readerConfig = await topology.clientConfig({ targetSessionAttrs: 'prefer-standby' });
  const reader = new pg.Client(readerConfig);
  await reader.connect();
  const { rows } = await reader.query('SELECT body, pg_is_in_recovery() AS standby FROM notes');
  console.log(rows, readerConfig.port !== ports[0]);
  const refused = await reader.query("INSERT INTO notes VALUES ('no')").catch((error: { code: string }) => error.code);
  console.log(refused);
  await reader.end();
} finally {
  for (const standby of standbys) await standby.drop();
  await primary.drop();
  await rm(root, { recursive: true });
}
