// Every form a ConnectionInfo hands out, over the socket and over TCP, with and without a
// password (the trusted one asks for `auth: 'trust'` by name), for names full of special characters, against a real server: psql (libpq), node-postgres,
// postgres.js and WHATWG `new URL()`. What one of them cannot read is pinned down too, as the
// docs (docs/throwaway.md, "Which client reads which form") say it.
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Installation } from '../../../src/installation/index.js';
import {
  ConnectionInfo,
  createTemporaryCluster,
  findFreePort,
  quoteIdentifier,
  quoteLiteral,
  waitForCleanup,
  type TemporaryCluster,
} from '../../../src/throwaway/index.js';
import { systemBindir } from '../../helpers/scratch-server.js';

const run = promisify(execFile);

const scratch = mkdtempSync('/tmp/pgct-conninfo-');
// As root the server runs as `postgres`, which must traverse it.
chmodSync(scratch, 0o755);
const storage = join(scratch, 'root');
const psql = join(systemBindir(), 'psql');

/** The clusters' default database: every character the brief names, and the path's own (`&=+`). */
const DATABASE = 'd@b:/% é x&=+';
/** A name that needs no percent-encoding in a URI path, `/` and `@` included. */
const PLAIN_DATABASE = "it@s:a/b$&+,;=c'(x)";
/** A name node-postgres cannot read from a URI (it decodes the path with decodeURI). */
const HASH_DATABASE = 'why?#not';
/** Over the socket, user and password travel in the URI's query: every delimiter of a query too. */
const ROLE = "us@r:/% é x#?&=+'";
const PASSWORD = "p@ss:/%w ö#?&=+'\\rd";

const SQL = 'SELECT current_user AS "user", current_database() AS database, inet_server_addr() IS NOT NULL AS tcp';
interface Reached {
  user: string;
  database: string;
  tcp: boolean;
}

let installation: Installation;
const clusters: Record<'open' | 'locked', TemporaryCluster | null> = { open: null, locked: null };

beforeAll(async () => {
  installation = await Installation.fromPgConfig(join(systemBindir(), 'pg_config'));
  for (const kind of ['open', 'locked'] as const) {
    const cluster = await createTemporaryCluster({ installation, storage, tcp: true, database: DATABASE, ...(kind === 'locked' ? { password: PASSWORD } : { auth: 'trust' as const }) });
    clusters[kind] = cluster;
    await cluster.query(`CREATE ROLE ${quoteIdentifier(ROLE)} LOGIN${kind === 'locked' ? ` PASSWORD ${quoteLiteral(PASSWORD)}` : ''}`);
    for (const name of [PLAIN_DATABASE, HASH_DATABASE]) await cluster.query(`CREATE DATABASE ${quoteIdentifier(name)}`);
  }
});

afterAll(async () => {
  await Promise.all(Object.values(clusters).map((cluster) => cluster?.dispose()));
  await waitForCleanup();
  rmSync(scratch, { recursive: true, force: true });
});

function clusterOf(kind: 'open' | 'locked'): TemporaryCluster {
  const cluster = clusters[kind];
  if (cluster === null) throw new Error(`the ${kind} cluster did not start`);
  return cluster;
}

/** The cluster's socket or TCP form, as `postgres` or as the role with the awkward name. */
function infoOf(kind: 'open' | 'locked', transport: 'socket' | 'tcp', user: string): ConnectionInfo {
  const cluster = clusterOf(kind);
  const info = transport === 'socket' ? cluster.connectionInfo : cluster.tcpConnectionInfo;
  if (info === null) throw new Error('no TCP form');
  return new ConnectionInfo({ ...info.toParameters({ includePassword: true }), user });
}

async function viaPsql(args: string[], env: Record<string, string> = {}): Promise<Reached> {
  // Nothing of this process's PG* environment; -w: fail rather than prompt for a password.
  const { stdout } = await run(psql, ['-XAtqw', '-F', '\t', '-c', SQL, ...args], { env: { PATH: process.env.PATH, PGCLIENTENCODING: 'UTF8', ...env } });
  const [user, database, tcp] = stdout.replace(/\n$/, '').split('\t');
  return { user: user!, database: database!, tcp: tcp === 't' };
}

async function viaPg(config: pg.ClientConfig): Promise<Reached> {
  const client = new pg.Client(config);
  await client.connect();
  try {
    return (await client.query<Reached>(SQL)).rows[0]!;
  } finally {
    await client.end();
  }
}

async function viaPostgresJs(sql: postgres.Sql): Promise<Reached> {
  try {
    const [row] = await sql.unsafe<Reached[]>(SQL);
    return { user: row!.user, database: row!.database, tcp: row!.tcp };
  } finally {
    await sql.end({ timeout: 0 });
  }
}

const postgresJsOptions = { max: 1, connect_timeout: 10, onnotice: () => undefined };

const cases = (['open', 'locked'] as const).flatMap((kind) =>
  (['socket', 'tcp'] as const).flatMap((transport) => ['postgres', ROLE].map((user) => ({ kind, transport, user, name: `${kind === 'locked' ? 'password' : 'trust'}, ${transport}, user ${user}` }))),
);

describe.each(cases)('ConnectionInfo forms ($name)', ({ kind, transport, user }) => {
  const expected = (database = DATABASE): Reached => ({ user, database, tcp: transport === 'tcp' });

  it('hands out the right form: the socket directory, or localhost (the server listens there) on the same port', async () => {
    const cluster = clusterOf(kind);
    const info = infoOf(kind, transport, user);
    expect(info).toMatchObject({ host: transport === 'tcp' ? 'localhost' : cluster.directory, port: cluster.connectionInfo.port, database: DATABASE });
    expect(info.password).toBe(kind === 'locked' ? PASSWORD : undefined);
    expect(await cluster.query('SHOW listen_addresses')).toEqual([{ listen_addresses: 'localhost' }]);
  });

  it('psql reads connectionString(), uri() and env()', async () => {
    const info = infoOf(kind, transport, user);
    expect(await viaPsql([info.connectionString()])).toEqual(expected());
    expect(await viaPsql([info.uri()])).toEqual(expected());
    expect(await viaPsql([], info.env())).toEqual(expected());
    for (const database of [PLAIN_DATABASE, HASH_DATABASE]) {
      expect(await viaPsql([info.withDatabase(database).uri()])).toEqual(expected(database));
    }
  });

  it('new URL() parses uri() and gives back every part', () => {
    const info = infoOf(kind, transport, user);
    const url = new URL(info.uri());
    expect(url.protocol).toBe('postgresql:');
    expect(decodeURIComponent(url.pathname.slice(1))).toBe(DATABASE);
    if (transport === 'socket') {
      // The authority is empty; the socket directory, port and credentials are the query.
      expect([url.hostname, url.port, url.username, url.password]).toEqual(['', '', '', '']);
      expect(Object.fromEntries(url.searchParams)).toEqual({ host: info.host, port: String(info.port), user, ...(info.password === undefined ? {} : { password: info.password }) });
    } else {
      expect(decodeURIComponent(url.hostname)).toBe(info.host);
      expect(url.port).toBe(String(info.port));
      expect(decodeURIComponent(url.username)).toBe(user);
      expect(decodeURIComponent(url.password)).toBe(info.password ?? '');
      expect([...url.searchParams]).toEqual([]);
    }
  });

  it('node-postgres reads clientConfig() and uri()', async () => {
    const info = infoOf(kind, transport, user);
    expect(await viaPg(info.clientConfig())).toEqual(expected());
    expect(await viaPg({ connectionString: info.uri() })).toEqual(expected());
    expect(await viaPg({ connectionString: info.withDatabase(PLAIN_DATABASE).uri() })).toEqual(expected(PLAIN_DATABASE));
    expect(await viaPg(info.withDatabase(HASH_DATABASE).clientConfig())).toEqual(expected(HASH_DATABASE));
  });

  it(`postgres.js reads clientConfig()${transport === 'tcp' ? ', and uri() when the database name needs no encoding' : ''}`, async () => {
    const info = infoOf(kind, transport, user);
    expect(await viaPostgresJs(postgres({ ...info.clientConfig(), ...postgresJsOptions }))).toEqual(expected());
    expect(await viaPostgresJs(postgres({ ...info.withDatabase(HASH_DATABASE).clientConfig(), ...postgresJsOptions }))).toEqual(expected(HASH_DATABASE));
    if (transport === 'tcp') {
      expect(await viaPostgresJs(postgres(info.withDatabase(PLAIN_DATABASE).uri(), postgresJsOptions))).toEqual(expected(PLAIN_DATABASE));
    }
  });
});

describe('what a client cannot read from uri(), as documented', () => {
  it('postgres.js sends the query of the socket form to the server as settings, which refuses `host`', async () => {
    // Even with the socket given as options; the query's `user` replaces the startup user
    // (else the server would refuse a role named after this OS user before the settings).
    const info = infoOf('open', 'socket', ROLE).withDatabase('postgres');
    const options = { ...postgresJsOptions, host: info.host, port: info.port };
    await expect(viaPostgresJs(postgres(info.uri(), options))).rejects.toMatchObject({ code: '42704', message: 'unrecognized configuration parameter "host"' });
    // The same options without the URI reach the server.
    expect(await viaPostgresJs(postgres({ ...options, user: ROLE, database: 'postgres' }))).toEqual({ user: ROLE, database: 'postgres', tcp: false });
  });

  it('postgres.js does not decode the database name of a URI', async () => {
    const info = clusterOf('locked').tcpConnectionInfo!;
    await expect(viaPostgresJs(postgres(info.uri(), postgresJsOptions))).rejects.toMatchObject({ code: '3D000', message: `database "${info.uri().split('/').slice(3).join('/')}" does not exist` });
  });

  it('neither node driver nor new URL() reads the keyword/value connectionString()', async () => {
    const text = clusterOf('open').connectionInfo.connectionString();
    expect(() => new URL(text)).toThrow('Invalid URL');
    expect(() => postgres(text, postgresJsOptions)).toThrow('Invalid URL');
    // node-postgres reads it as a relative URL on a host named `base`.
    await expect(viaPg({ connectionString: text, connectionTimeoutMillis: 10_000 })).rejects.toMatchObject({ hostname: 'base' });
  });

  it('node-postgres leaves %3F and %23 encoded in the database name', async () => {
    const info = clusterOf('locked').tcpConnectionInfo!.withDatabase(HASH_DATABASE);
    await expect(viaPg({ connectionString: info.uri() })).rejects.toMatchObject({ code: '3D000', message: 'database "why%3F%23not" does not exist' });
  });
});

describe('tcpConnectionInfo', () => {
  it('requires the password over TCP too', async () => {
    const withoutPassword = clusterOf('locked').tcpConnectionInfo!.toParameters();
    await expect(viaPsql([new ConnectionInfo(withoutPassword).connectionString()])).rejects.toMatchObject({ stderr: expect.stringContaining('no password supplied') });
    await expect(viaPsql([new ConnectionInfo({ ...withoutPassword, password: 'wrong' }).uri()])).rejects.toMatchObject({ stderr: expect.stringContaining('password authentication failed') });
  });

  it('has the port given with `port`', async () => {
    const port = await findFreePort();
    await using cluster = await createTemporaryCluster({ installation, storage, port });
    // TCP comes with a generated password (redacted in toJSON()), which uri() carries.
    expect(cluster.tcpConnectionInfo?.toJSON()).toEqual({ host: 'localhost', port, user: 'postgres', database: 'postgres', password: '<redacted>' });
    expect(await viaPg({ connectionString: cluster.tcpConnectionInfo!.uri() })).toEqual({ user: 'postgres', database: 'postgres', tcp: true });
  });

  it('is null without `tcp` or `port`', async () => {
    await using cluster = await createTemporaryCluster({ installation, storage });
    expect(cluster.tcpConnectionInfo).toBeNull();
    expect(await cluster.query('SHOW listen_addresses')).toEqual([{ listen_addresses: '' }]);
  });
});

describe('env() for the node drivers (they read libpq variables too)', () => {
  it.each(['socket', 'tcp'] as const)('node-postgres and postgres.js connect with nothing but env() (%s)', async (transport) => {
    const info = infoOf('locked', transport, ROLE);
    const script = [
      "import pg from 'pg';",
      "import postgres from 'postgres';",
      `const SQL = ${JSON.stringify(SQL)};`,
      'const client = new pg.Client();',
      'await client.connect();',
      'const viaPg = (await client.query(SQL)).rows[0];',
      'await client.end();',
      'const sql = postgres({ max: 1 });',
      'const [viaPostgresJs] = await sql.unsafe(SQL);',
      'await sql.end();',
      'console.log(JSON.stringify([viaPg, { ...viaPostgresJs }]));',
    ].join('\n');
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: process.cwd(), env: { PATH: process.env.PATH, ...info.env() } });
    const reached = { user: ROLE, database: DATABASE, tcp: transport === 'tcp' };
    expect(JSON.parse(stdout)).toEqual([reached, reached]);
  });
});
