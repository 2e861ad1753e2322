import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { Cluster, defaultInstallation } from '../../../../src/index.js';

const installation = await defaultInstallation(); // the system's PostgreSQL, or the npm binaries
const root = await mkdtemp('/tmp/pgct-example-');
await chmod(root, 0o755); // as root, the server runs as `postgres`, which must reach the data directory

const cluster = new Cluster(installation, join(root, 'data'));
// No password: over the socket peer authentication lets you, root and the server's OS user in as
// `postgres` (nobody else, although the socket folder is open to all); TCP is rejected.
await cluster.init({ user: 'postgres', encoding: 'UTF8', locale: 'C' });

// Private: a Unix socket in `root/sock` (created for the server's user), no TCP. Resolves once the server accepts connections.
const { pid } = await cluster.start({ settings: { listen_addresses: '', unix_socket_directories: join(root, 'sock') } });
console.log(await cluster.running(), await cluster.readyForConnections(), pid === (await cluster.pid()));

const client = new pg.Client(await cluster.connectionOptions()); // { host: `${root}/sock`, port: 5432, user: 'postgres', … }
await client.connect();
console.log((await client.query('select 1 + 1 as two')).rows);
await client.end();

const stopped = await cluster.stop(); // smart shutdown: waits for clients to leave
console.log(stopped.finalMode, stopped.exit);
await cluster.drop(); // removes the data directory (and its log file)
await rm(root, { recursive: true });
