// provision() on a real PostgreSQL 15 Cluster (issue 11, Proof): what a client asks for is made,
// the credentials reach the database over TCP only after allowClient, a repeat changes nothing,
// a changed request changes exactly what changed, a failure leaves nothing behind.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { inspect, promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionInfo } from '../../../src/throwaway/index.js';
import { allowClient, availableExtensions, deprovision, disallowClient, provision, serverState, type ProvisionGrant } from '../../../src/provision/index.js';
import { systemBindir } from '../../helpers/scratch-server.js';
import { rejection } from '../cluster/fixtures.js';
import { startProvisionServer, tryQuery, type ProvisionServer } from './fixtures.js';

const run = promisify(execFile);
let s: ProvisionServer;
beforeAll(async () => {
  s = await startProvisionServer();
});
afterAll(async () => s?.cleanup());

/** Runs `work` with `env` in process.env (node-postgres reads PGHOST… when a client is made), restoring it after. */
async function withEnv<T>(env: Record<string, string | undefined>, work: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  try {
    return await work();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

/** Everything about a user a repeated request must not change. */
async function snapshot(user: string, schemaUser: string, database: string): Promise<unknown> {
  return {
    roles: await s.query('SELECT rolname, rolpassword, rolsuper, rolcanlogin, shobj_description(oid, $$pg_authid$$) AS comment FROM pg_authid WHERE rolname = ANY($1) ORDER BY rolname', [[user, schemaUser]]),
    members: await s.query('SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = $1 ORDER BY 1', [user]),
    database: await s.query('SELECT datname, pg_get_userbyid(datdba) AS owner, datacl::text FROM pg_database WHERE datname = $1', [database]),
    extensions: await s.query('SELECT extname, extversion FROM pg_extension ORDER BY 1', [], database),
    defaults: await s.query('SELECT defaclrole::regrole::text, defaclobjtype, defaclacl::text FROM pg_default_acl ORDER BY 1, 2', [], database),
    schema: await s.query("SELECT nspacl::text FROM pg_namespace WHERE nspname = 'public'", [], database),
  };
}

describe('provision() on a Cluster (PostgreSQL 15)', () => {
  it('creates the login user, the schema user owning the database, roles and extensions; TCP with the password is refused before allowClient, accepted after, refused after disallowClient', async () => {
    const grant = await provision(s.w.cluster, { client: 'myapp', roles: ['reporting', 'standard'], extensions: ['citext', 'pg_trgm'], credentials: s.store });
    expect(grant).toMatchObject({ host: '127.0.0.1', port: s.port, database: 'myapp', user: 'myapp', schemaUser: 'myapp_schema', state: 'standalone', passwordReset: false, admin: false });
    expect(grant.password).toMatch(/^[A-Za-z0-9_-]{32}$/); // 24 random bytes, 192 bits
    expect(grant.schemaPassword).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(grant.socket).toMatchObject({ host: s.w.socketDir, port: s.port, user: 'myapp', database: 'myapp' });
    expect(await s.query("SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = 'myapp'")).toEqual([{ owner: 'myapp_schema' }]);
    expect(await s.query("SELECT rolname, rolcanlogin, rolsuper, left(rolpassword, 14) AS hash FROM pg_authid WHERE rolname IN ('myapp', 'myapp_schema', 'reporting', 'standard') ORDER BY 1")).toEqual([
      { rolname: 'myapp', rolcanlogin: true, rolsuper: false, hash: 'SCRAM-SHA-256$' },
      { rolname: 'myapp_schema', rolcanlogin: true, rolsuper: false, hash: 'SCRAM-SHA-256$' },
      { rolname: 'reporting', rolcanlogin: false, rolsuper: false, hash: null },
      { rolname: 'standard', rolcanlogin: false, rolsuper: false, hash: null },
    ]);
    expect(await s.query('SELECT extname FROM pg_extension WHERE extname <> $1 ORDER BY 1', ['plpgsql'], 'myapp')).toEqual([{ extname: 'citext' }, { extname: 'pg_trgm' }]);

    // init()'s default: reject over TCP until allowClient adds a host rule.
    expect(await tryQuery(grant.clientConfig())).toMatchObject({ ok: false, code: '28000', message: expect.stringContaining('pg_hba.conf rejects connection') });
    const allowed = await allowClient(s.w.cluster, { database: 'myapp', user: 'myapp', address: '127.0.0.1' });
    expect(allowed).toMatchObject({ changed: true, reload: { checked: true, errors: [] } });
    const expected = { ok: true, rows: [{ user: 'myapp', database: 'myapp' }] };
    expect(await tryQuery(grant.uri())).toEqual(expected);
    expect(await tryQuery(grant.clientConfig())).toEqual(expected);
    // node-postgres reads libpq's environment itself: a client given no options.
    expect(await withEnv(grant.env(), () => tryQuery({}))).toEqual(expected);
    // libpq (psql) reads the keyword/value string and the environment; node-postgres takes only the URI form of a string.
    const psql = join(systemBindir(), 'psql');
    expect((await run(psql, ['-XAtw', '-c', 'SELECT current_user', grant.connectionString()], { env: { PATH: process.env.PATH } })).stdout.trim()).toBe('myapp');
    expect((await run(psql, ['-XAtw', '-c', 'SELECT current_user'], { env: { PATH: process.env.PATH, ...grant.env() } })).stdout.trim()).toBe('myapp');
    // A wrong password is refused: the rule asks for scram-sha-256.
    expect(await tryQuery({ ...grant.clientConfig(), password: 'wrong' })).toMatchObject({ ok: false, code: '28P01' });
    // The same call again changes nothing.
    expect(await allowClient(s.w.cluster, { database: 'myapp', user: 'myapp', address: '127.0.0.1' })).toMatchObject({ changed: false, reload: null });

    // The schema user runs migrations; the login user reads and writes what it made.
    const schemaAllowed = await allowClient(s.w.cluster, { database: 'myapp', user: 'myapp_schema', address: '127.0.0.1/32' });
    expect(await tryQuery(grant.schemaConnection().clientConfig(), 'CREATE TABLE items (id serial PRIMARY KEY, name citext)')).toMatchObject({ ok: true });
    expect(await tryQuery(grant.clientConfig(), "INSERT INTO items (name) VALUES ('Ab') RETURNING id")).toEqual({ ok: true, rows: [{ id: 1 }] });
    expect(await tryQuery(grant.clientConfig(), "SELECT name FROM items WHERE name = 'aB'")).toEqual({ ok: true, rows: [{ name: 'Ab' }] });
    expect(await tryQuery(grant.clientConfig(), 'UPDATE items SET name = $$c$$')).toMatchObject({ ok: true });
    expect(await tryQuery(grant.clientConfig(), 'DELETE FROM items')).toMatchObject({ ok: true });
    // …but is no owner: it cannot drop it.
    expect(await tryQuery(grant.clientConfig(), 'DROP TABLE items')).toMatchObject({ ok: false, code: '42501' });
    expect(schemaAllowed.changed).toBe(true);

    const removed = await disallowClient(s.w.cluster, { database: 'myapp', user: 'myapp', address: '127.0.0.1' });
    expect(removed).toMatchObject({ changed: true, line: allowed.line });
    expect(await tryQuery(grant.clientConfig())).toMatchObject({ ok: false, code: '28000' });
    expect(await disallowClient(s.w.cluster, { database: 'myapp', user: 'myapp', address: '127.0.0.1' })).toMatchObject({ changed: false });
    await disallowClient(s.w.cluster, { database: 'myapp', user: 'myapp_schema', address: '127.0.0.1/32' });
  });

  it('the same request twice changes nothing and returns the same credentials; a changed request changes exactly what changed', async () => {
    const request = { client: 'twice', roles: ['r_one', 'r_two'], extensions: ['citext'], credentials: s.store };
    const first = await provision(s.w.cluster, request);
    const before = await snapshot('twice', 'twice_schema', 'twice');
    const again = await provision(s.w.cluster, request);
    expect(again.toParameters({ includePassword: true })).toEqual(first.toParameters({ includePassword: true }));
    expect(again.schemaPassword).toBe(first.schemaPassword);
    expect(again.passwordReset).toBe(false);
    expect(await snapshot('twice', 'twice_schema', 'twice')).toEqual(before);

    // A membership someone else granted stays when the request does not name it.
    await s.query('CREATE ROLE theirs NOLOGIN');
    await s.query('GRANT theirs TO twice');
    const changed = await provision(s.w.cluster, { ...request, roles: ['r_two', 'r_three'], extensions: ['citext', 'pg_trgm'] });
    expect(changed.password).toBe(first.password);
    expect(changed.roles).toEqual(['r_two', 'r_three']);
    const after = (await snapshot('twice', 'twice_schema', 'twice')) as Record<string, unknown>;
    expect(after['members']).toEqual([{ rolname: 'r_three' }, { rolname: 'r_two' }, { rolname: 'theirs' }]);
    expect(after['extensions']).toEqual([{ extname: 'citext', extversion: expect.any(String) }, { extname: 'pg_trgm', extversion: expect.any(String) }, { extname: 'plpgsql', extversion: '1.0' }]);
    const { members: _m, extensions: _e, roles: rolesAfter, ...restAfter } = after;
    const { members: _m0, extensions: _e0, roles: rolesBefore, ...restBefore } = before as Record<string, unknown>;
    expect(restAfter).toEqual(restBefore);
    // Passwords and attributes unchanged; only the record of granted roles in the comment moved.
    expect((rolesAfter as Array<Record<string, unknown>>).map(({ comment: _c, ...row }) => row)).toEqual((rolesBefore as Array<Record<string, unknown>>).map(({ comment: _c, ...row }) => row));

    // Naming `theirs` and then dropping it again leaves it: pg-cluster did not grant it.
    await provision(s.w.cluster, { ...request, roles: ['theirs'] });
    await provision(s.w.cluster, { ...request, roles: [] });
    expect(await s.query('SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid WHERE m.member = $1::regrole', ['twice'])).toEqual([{ rolname: 'theirs' }]);
  });

  it('an extension the installation does not ship is EXTENSION_NOT_AVAILABLE, lists what is available, and nothing is created', async () => {
    const error = await rejection(provision(s.w.cluster, { client: 'noext', extensions: ['citext', 'no_such_extension'], credentials: s.store }));
    expect(error).toMatchObject({ name: 'ExtensionNotAvailableError', code: 'EXTENSION_NOT_AVAILABLE', missing: ['no_such_extension'] });
    expect(error.available).toEqual(expect.arrayContaining(['citext', 'pg_trgm', 'plpgsql']));
    expect(await s.query("SELECT rolname FROM pg_roles WHERE rolname LIKE 'noext%'")).toEqual([]);
    expect(await s.query("SELECT datname FROM pg_database WHERE datname = 'noext'")).toEqual([]);
    const rows = await availableExtensions(s.w.cluster);
    expect(rows.find((row) => row.name === 'citext')).toEqual({ name: 'citext', defaultVersion: expect.stringMatching(/^\d+\.\d+$/), installedVersion: null, comment: expect.any(String) });
  });

  it('a failure after the user was created removes what the call created (earthdistance without cube): PROVISION_FAILED', async () => {
    const error = await rejection(provision(s.w.cluster, { client: 'halfway', roles: ['halfway_role'], extensions: ['earthdistance'], credentials: s.store }));
    expect(error).toMatchObject({ name: 'ProvisionError', code: 'PROVISION_FAILED', message: expect.stringContaining('required extension "cube" is not installed') });
    expect(await s.query("SELECT rolname FROM pg_roles WHERE rolname LIKE 'halfway%'")).toEqual([]);
    expect(await s.query("SELECT datname FROM pg_database WHERE datname = 'halfway'")).toEqual([]);
    // The lock was released: the corrected request goes through.
    const grant = await provision(s.w.cluster, { client: 'halfway', extensions: ['cube', 'earthdistance'], credentials: s.store });
    expect(grant.extensions).toEqual(['cube', 'earthdistance']);
  });

  it('admin: true makes the login user a superuser (db-admin); false again takes away only what it gave', async () => {
    const grant = await provision(s.w.cluster, { client: 'boss', admin: true, credentials: s.store });
    expect(grant.admin).toBe(true);
    expect(await s.query("SELECT rolsuper FROM pg_roles WHERE rolname = 'boss'")).toEqual([{ rolsuper: true }]);
    const back = await provision(s.w.cluster, { client: 'boss', admin: false, credentials: s.store });
    expect(back.admin).toBe(false);
    expect(await s.query("SELECT rolsuper FROM pg_roles WHERE rolname = 'boss'")).toEqual([{ rolsuper: false }]);
    // A superuser pg-cluster did not make stays one.
    await s.query('CREATE ROLE already_super SUPERUSER LOGIN');
    expect((await provision(s.w.cluster, { client: 'x', user: 'already_super', database: 'boss', credentials: s.store })).admin).toBe(true);
    expect(await s.query("SELECT rolsuper FROM pg_roles WHERE rolname = 'already_super'")).toEqual([{ rolsuper: true }]);
    // The superuser the call connects as is never provisioned (its password would change).
    expect(await rejection(provision(s.w.cluster, { user: 'postgres', database: 'boss', credentials: s.store }))).toMatchObject({ code: 'NAME_CONFLICT' });
  });

  it('a user whose password the store does not know gets a new one: passwordReset true, the old one stops working', async () => {
    await s.query("CREATE ROLE known_elsewhere LOGIN PASSWORD 'old-secret'");
    const grant = await provision(s.w.cluster, { client: 'known_elsewhere', credentials: s.store });
    expect(grant.passwordReset).toBe(true);
    await allowClient(s.w.cluster, { database: 'known_elsewhere', user: 'known_elsewhere', address: '127.0.0.1' });
    expect(await tryQuery({ ...grant.clientConfig(), password: 'old-secret' })).toMatchObject({ ok: false, code: '28P01' });
    expect(await tryQuery(grant.clientConfig())).toMatchObject({ ok: true });
    expect((await provision(s.w.cluster, { client: 'known_elsewhere', credentials: s.store })).passwordReset).toBe(false);
    // A caller-chosen password is set, and kept as it is on a repeat (no new salt: nothing changes).
    const chosen = await provision(s.w.cluster, { client: 'known_elsewhere', password: 'chosen by me', credentials: s.store });
    const [hash] = await s.query('SELECT rolpassword FROM pg_authid WHERE rolname = $1', ['known_elsewhere']);
    expect(chosen).toMatchObject({ password: 'chosen by me', passwordReset: false });
    await provision(s.w.cluster, { client: 'known_elsewhere', password: 'chosen by me', credentials: s.store });
    expect(await s.query('SELECT rolpassword FROM pg_authid WHERE rolname = $1', ['known_elsewhere'])).toEqual([hash]);
    expect(await tryQuery(chosen.clientConfig())).toMatchObject({ ok: true });
    await disallowClient(s.w.cluster, { database: 'known_elsewhere', user: 'known_elsewhere', address: '127.0.0.1' });
  });

  it('hostile names: quotes, spaces, upper case, ;, --, unicode and 63-byte names are names, nothing more', async () => {
    const user = `Ro"b'ert; DROP ROLE postgres; --`;
    const database = `Dä "tab'ase" ; -- x`;
    const role = `Rôle "'; --`;
    const long = 'ü'.repeat(31) + 'x'; // 63 bytes
    const grant = await provision(s.w.cluster, { client: 'hostile', user, database, roles: [role, long], credentials: s.store });
    expect(grant).toMatchObject({ user, database, schemaUser: `${user}_schema` });
    expect(await s.query('SELECT rolname FROM pg_roles WHERE rolname = ANY($1) ORDER BY 1', [[user, `${user}_schema`, role, long, 'postgres']])).toHaveLength(5);
    expect(await s.query('SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1', [database])).toEqual([{ owner: `${user}_schema` }]);
    expect(await s.query('SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = $1) ORDER BY 1', [user])).toEqual(
      [{ rolname: role }, { rolname: long }].sort((a, b) => (a.rolname < b.rolname ? -1 : 1)),
    );
    // A 63-byte client name makes a 63-byte user and a schema user that fits too.
    const longGrant = await provision(s.w.cluster, { client: long, database: 'longone', credentials: s.store });
    expect(Buffer.byteLength(longGrant.user)).toBeLessThanOrEqual(63);
    expect(Buffer.byteLength(longGrant.schemaUser)).toBeLessThanOrEqual(63);
    expect(await s.query('SELECT count(*)::int AS n FROM pg_roles WHERE rolname = ANY($1)', [[longGrant.user, longGrant.schemaUser]])).toEqual([{ n: 2 }]);
    // 64 bytes would be truncated by the server: refused before anything is made.
    expect(await rejection(provision(s.w.cluster, { client: 'x', user: `${long}y`, credentials: s.store }))).toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'user' });
    // allowClient takes a name with spaces, quotes ', ;, -- and unicode (the server reads it back as given).
    const odd = `O'Brien; -- Ünï`;
    const oddGrant = await provision(s.w.cluster, { client: 'odd', user: odd, database: `${odd} db`, credentials: s.store });
    await allowClient(s.w.cluster, { database: `${odd} db`, user: odd, address: '127.0.0.1' });
    expect(await tryQuery(oddGrant.clientConfig())).toEqual({ ok: true, rows: [{ user: odd, database: `${odd} db` }] });
    expect(await tryQuery(oddGrant.uri())).toEqual({ ok: true, rows: [{ user: odd, database: `${odd} db` }] });
    await disallowClient(s.w.cluster, { database: `${odd} db`, user: odd, address: '127.0.0.1' });
    // A double quote cannot be written in pg_hba.conf: refused, the file untouched.
    expect(await rejection(allowClient(s.w.cluster, { database, user, address: '127.0.0.1' }))).toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('passwords appear in no server log line (log_statement = all), error, JSON, inspect or toString of the grant', async () => {
    const grant = await provision(s.w.cluster, { client: 'secretive', roles: ['secret_role'], credentials: s.store });
    const chosen = await provision(s.w.cluster, { client: 'secretive2', password: 'my very own passw0rd', credentials: s.store });
    const log = s.log();
    expect(log).toContain('CREATE ROLE "secretive"'); // the statements are logged…
    for (const password of [grant.password, grant.schemaPassword, chosen.password, chosen.schemaPassword]) {
      expect(log).not.toContain(password); // …the passwords are not
      for (const shown of [JSON.stringify(grant), JSON.stringify(chosen), inspect(grant, { showHidden: true, depth: 5 }), inspect(chosen), String(grant), String(chosen)]) {
        expect(shown).not.toContain(password);
      }
    }
    expect(JSON.parse(JSON.stringify(grant))).toMatchObject({ password: '<redacted>', schemaPassword: '<redacted>', user: 'secretive', socket: { password: '<redacted>' } });
    expect(grant.toParameters({ includePassword: true }).password).toBe(grant.password);
    const error = await rejection(provision(s.w.cluster, { client: 'secretive3', password: 'leaky passw0rd', extensions: ['earthdistance'], credentials: s.store }));
    expect(`${error.message} ${inspect(error)} ${JSON.stringify(error)}`).not.toContain('leaky passw0rd');
    const invalid = await rejection(provision(s.w.cluster, { client: 'secretive3', password: 42 as never, credentials: s.store }));
    expect(invalid.message).toContain('<redacted>');
  });

  it('bad requests are typed errors, before anything is made', async () => {
    expect(await rejection(provision(s.w.cluster, { client: '', credentials: s.store }))).toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'client' });
    expect(await rejection(provision(s.w.cluster, { credentials: s.store }))).toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'client' });
    expect(await rejection(provision(s.w.cluster, { client: 'a', rolez: ['x'] } as never))).toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'rolez' });
    expect(await rejection(provision(s.w.cluster, { client: 'a', roles: ['a'], credentials: s.store }))).toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'roles' });
    expect(await rejection(provision(s.w.cluster, { client: 'a', roles: ['postgres'], credentials: s.store }))).toMatchObject({ code: 'NAME_CONFLICT' });
    expect(await rejection(provision({ host: '127.0.0.1', port: 1, user: 'postgres', database: 'postgres' }, { client: 'a', credentials: s.store }))).toMatchObject({ code: 'TARGET_UNREACHABLE' });
    expect(await rejection(provision(s.w.cluster, { client: 'a', admin: 'yes' as never, credentials: s.store }))).toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'admin' });
    expect(await s.query("SELECT rolname FROM pg_roles WHERE rolname = 'a'")).toEqual([]);
    expect(await rejection(allowClient(s.w.cluster, { database: 'a', user: 'a', address: 'localhost' }))).toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'address' });
    // A target whose user is no superuser: NOT_SUPERUSER, nothing made.
    const plain = await provision(s.w.cluster, { client: 'plain_user', credentials: s.store });
    await allowClient(s.w.cluster, { database: 'plain_user', user: 'plain_user', address: '127.0.0.1' });
    expect(await rejection(provision(plain, { client: 'b', credentials: s.store }))).toMatchObject({ code: 'NOT_SUPERUSER' });
    expect(await s.query("SELECT rolname FROM pg_roles WHERE rolname = 'b'")).toEqual([]);
    await disallowClient(s.w.cluster, { database: 'plain_user', user: 'plain_user', address: '127.0.0.1' });
  });

  it('through a bare ConnectionInfo on the same server: provisions; allowClient is CLUSTER_REQUIRED', async () => {
    const options = await s.w.cluster.connectionOptions();
    const info = new ConnectionInfo({ host: options.host, port: options.port, user: options.user, database: 'postgres' });
    const grant = await provision(info, { client: 'via_info', extensions: ['pg_trgm'], credentials: s.store });
    expect(grant).toMatchObject({ host: s.w.socketDir, port: s.port, user: 'via_info', database: 'via_info', state: 'standalone', socket: null });
    expect(await serverState(info)).toBe('standalone');
    expect(await serverState(s.w.cluster)).toBe('standalone');
    expect(await rejection(allowClient(info, { database: 'via_info', user: 'via_info', address: '127.0.0.1' }))).toMatchObject({ name: 'ProvisionError', code: 'CLUSTER_REQUIRED' });
    expect(await rejection(disallowClient(info, { database: 'via_info', user: 'via_info', address: '127.0.0.1' }))).toMatchObject({ code: 'CLUSTER_REQUIRED' });
    // The same request through the Cluster gives the same credentials (one store, one system identifier).
    expect((await provision(s.w.cluster, { client: 'via_info', extensions: ['pg_trgm'], credentials: s.store })).password).toBe(grant.password);
  });

  it('allowClient puts the rule before the first rule that would decide the connection, and restores the file when the server refuses the line', async () => {
    await provision(s.w.cluster, { client: 'ordered', credentials: s.store });
    const before = (await s.w.cluster.hba()).toString();
    const result = await allowClient(s.w.cluster, { database: 'ordered', user: 'ordered', address: '127.0.0.1' });
    const rules = await s.query<{ line_number: number; database: string[]; auth_method: string }>("SELECT line_number, database, auth_method FROM pg_hba_file_rules WHERE type = 'host' ORDER BY line_number");
    const index = rules.findIndex((rule) => rule.line_number === result.line);
    expect(rules[index]).toMatchObject({ database: ['ordered'], auth_method: 'scram-sha-256' });
    expect(rules[index + 1]).toMatchObject({ auth_method: 'reject' }); // the rule that used to decide
    await disallowClient(s.w.cluster, { database: 'ordered', user: 'ordered', address: '127.0.0.1' });
    expect((await s.w.cluster.hba()).toString()).toBe(before);
    // A line the editor already knows the server refuses (cert needs hostssl) is refused before the file is written.
    const error = await rejection(allowClient(s.w.cluster, { database: 'ordered', user: 'ordered', address: '127.0.0.1', method: 'cert' }));
    expect(error).toMatchObject({ code: 'HBA_INVALID_RULE', message: expect.stringContaining('hostssl') });
    expect((await s.w.cluster.hba()).toString()).toBe(before);
  });

  it('allowClient with a range (127.0.0.0/8) goes before a narrower earlier rule for an address in it (127.0.0.1/32 reject): a real TCP connection gets in', async () => {
    const grant = await provision(s.w.cluster, { client: 'ranged', credentials: s.store });
    const before = (await s.w.cluster.hba()).toString();
    expect(await tryQuery(grant.clientConfig())).toMatchObject({ ok: false, code: '28000' });
    const result = await allowClient(s.w.cluster, { database: 'ranged', user: 'ranged', address: '127.0.0.0/8' });
    expect(result.changed).toBe(true);
    expect(await tryQuery(grant.clientConfig())).toEqual({ ok: true, rows: [{ user: 'ranged', database: 'ranged' }] });
    expect(await allowClient(s.w.cluster, { database: 'ranged', user: 'ranged', address: '127.0.0.0/8' })).toMatchObject({ changed: false });
    expect(await disallowClient(s.w.cluster, { database: 'ranged', user: 'ranged', address: '127.0.0.0/8' })).toMatchObject({ changed: true });
    expect(await tryQuery(grant.clientConfig())).toMatchObject({ ok: false, code: '28000' });
    expect((await s.w.cluster.hba()).toString()).toBe(before);
  });

  it('allowClient puts the rule before an earlier hostssl rule too: a client with SSL (libpq prefers it) would meet that one first', async () => {
    await provision(s.w.cluster, { client: 'ordered_ssl', credentials: s.store });
    const hba = await s.w.cluster.hba();
    const before = hba.toString();
    hba.insert(0, { type: 'hostssl', database: ['ordered_ssl'], user: ['all'], address: '127.0.0.1/32', method: 'reject' });
    await hba.save();
    try {
      const result = await allowClient(s.w.cluster, { database: 'ordered_ssl', user: 'ordered_ssl', address: '127.0.0.1' });
      const rules = (await s.w.cluster.hba()).rules();
      const ours = rules.findIndex((rule) => rule.line === result.line);
      const ssl = rules.findIndex((rule) => rule.type === 'hostssl' && rule.database[0] === 'ordered_ssl');
      expect(rules[ours]).toMatchObject({ type: 'host', database: ['ordered_ssl'], user: ['ordered_ssl'], method: 'scram-sha-256' });
      expect(ours).toBeLessThan(ssl);
      // Asked again: it is first for both kinds of connection, nothing changes.
      expect(await allowClient(s.w.cluster, { database: 'ordered_ssl', user: 'ordered_ssl', address: '127.0.0.1' })).toMatchObject({ changed: false, line: result.line });
      await disallowClient(s.w.cluster, { database: 'ordered_ssl', user: 'ordered_ssl', address: '127.0.0.1' });
    } finally {
      const restore = await s.w.cluster.hba();
      const index = restore.rules().findIndex((rule) => rule.type === 'hostssl' && rule.database[0] === 'ordered_ssl');
      if (index !== -1) restore.pop(index);
      await restore.save();
    }
    expect((await s.w.cluster.hba()).toString()).toBe(before);
  });

  it('deprovision refuses while the user has sessions open (SESSIONS_OPEN), ends them with force, drops the database only when asked', async () => {
    const grant = await provision(s.w.cluster, { client: 'leaving', credentials: s.store });
    await allowClient(s.w.cluster, { database: 'leaving', user: 'leaving', address: '127.0.0.1' });
    await allowClient(s.w.cluster, { database: 'leaving', user: 'leaving_schema', address: '127.0.0.1' });
    const { default: pg } = await import('pg');
    expect(await tryQuery(grant.schemaConnection().clientConfig(), 'CREATE TABLE kept (x int)')).toMatchObject({ ok: true });
    await s.query('GRANT CREATE ON SCHEMA public TO leaving', [], 'leaving');
    const session = new pg.Client(grant.clientConfig());
    session.on('error', () => undefined);
    await session.connect();
    try {
      await session.query('CREATE TABLE mine (x int)'); // owned by the login user: reassigned to the schema user
      expect(await rejection(deprovision(s.w.cluster, { client: 'leaving' }))).toMatchObject({ code: 'SESSIONS_OPEN' });
      expect(await s.query("SELECT rolname FROM pg_roles WHERE rolname = 'leaving'")).toHaveLength(1);
      const result = await deprovision(s.w.cluster, { client: 'leaving', force: true });
      expect(result).toEqual({ droppedRoles: ['leaving'], droppedDatabase: false, terminated: 1 });
    } finally {
      await session.end().catch(() => undefined);
    }
    expect(await s.query("SELECT rolname FROM pg_roles WHERE rolname LIKE 'leaving%'")).toEqual([{ rolname: 'leaving_schema' }]);
    expect(await s.query("SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public' ORDER BY 1", [], 'leaving')).toEqual([
      { tablename: 'kept', tableowner: 'leaving_schema' },
      { tablename: 'mine', tableowner: 'leaving_schema' },
    ]);
    expect(await deprovision(s.w.cluster, { client: 'leaving' })).toEqual({ droppedRoles: [], droppedDatabase: false, terminated: 0 });
    const schemaSession = new pg.Client(grant.schemaConnection().clientConfig());
    schemaSession.on('error', () => undefined);
    await schemaSession.connect();
    try {
      expect(await rejection(deprovision(s.w.cluster, { client: 'leaving', dropDatabase: true }))).toMatchObject({ code: 'SESSIONS_OPEN' });
      expect(await deprovision(s.w.cluster, { client: 'leaving', dropDatabase: true, force: true })).toEqual({ droppedRoles: ['leaving_schema'], droppedDatabase: true, terminated: 1 });
    } finally {
      await schemaSession.end().catch(() => undefined);
    }
    expect(await s.query("SELECT datname FROM pg_database WHERE datname = 'leaving'")).toEqual([]);
    await disallowClient(s.w.cluster, { database: 'leaving', user: 'leaving', address: '127.0.0.1' });
    await disallowClient(s.w.cluster, { database: 'leaving', user: 'leaving_schema', address: '127.0.0.1' });
  });
});
