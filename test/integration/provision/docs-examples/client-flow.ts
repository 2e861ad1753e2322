import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { allowClient, Cluster, defaultInstallation, FileCredentialsStore, findFreePort, provision } from '../../../../src/index.js';

const root = await mkdtemp('/tmp/pgct-example-');
await chmod(root, 0o755);
const cluster = new Cluster(await defaultInstallation(), join(root, 'data'));
await cluster.init({ user: 'postgres', locale: 'C', noSync: true }); // TCP: reject, until allowClient
const port = await findFreePort();
await cluster.start({ settings: { listen_addresses: '127.0.0.1', port, unix_socket_directories: join(root, 'sock') } });
try {
  // The client asks for a database, roles and extensions…
  const request = { client: 'myapp', roles: ['reporting'], extensions: ['citext'] };
  const credentials = new FileCredentialsStore(join(root, 'state', 'credentials.json')); // default: ~/.local/state/pg-cluster/
  const grant = await provision(cluster, { ...request, credentials });
  // …and is allowed in from its address (the charm's allowed-units).
  await allowClient(cluster, { database: grant.database, user: grant.user, address: '127.0.0.1' });
  console.log(grant.state, grant.host === '127.0.0.1', grant.database, grant.user, grant.schemaUser);

  // Provided: render the client's configuration with the connection string.
  await writeFile(join(root, 'myapp.env'), `DATABASE_URL=${grant.uri()}\n`, { mode: 0o600 });
  const url = (await readFile(join(root, 'myapp.env'), 'utf8')).trim().slice('DATABASE_URL='.length);

  // The schema user runs the migrations; the application connects as the login user.
  const migrations = new pg.Client(grant.schemaConnection().clientConfig());
  await allowClient(cluster, { database: grant.database, user: grant.schemaUser, address: '127.0.0.1' });
  await migrations.connect();
  await migrations.query('CREATE TABLE notes (body citext)');
  await migrations.end();
  const app = new pg.Client({ connectionString: url });
  await app.connect();
  await app.query("INSERT INTO notes VALUES ('Hello')");
  console.log((await app.query("SELECT current_user, body FROM notes WHERE body = 'hello'")).rows);
  await app.end();

  // Asking again changes nothing and hands back the same credentials.
  const again = await provision(cluster, { ...request, credentials });
  console.log(again.password === grant.password, JSON.stringify(again).includes(grant.password));
} finally {
  await cluster.shutdown();
  await cluster.drop();
  await rm(root, { recursive: true });
}
