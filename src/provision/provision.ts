import type pg from 'pg';
import { computeScramVerifier } from '../cluster/scram-verifier.js';
import { expected } from '../errors.js';
import { REDACTED } from '../throwaway/connection-info.js';
import { quoteIdentifier as q, quoteLiteral } from '../throwaway/sql-quote.js';
import { formatCredentialsKey, type CredentialsStore } from './credentials-store.js';
import { ExtensionNotAvailableError } from './extension-not-available-error.js';
import { FileCredentialsStore } from './file-credentials-store.js';
import { generatePassword, isVerifierOf } from './provision-password.js';
import { ProvisionError } from './provision-error.js';
import { ProvisionGrant } from './provision-grant.js';
import { resolveTarget, type ProvisionTarget } from './provision-target.js';
import { parseRoleRecord, writeRoleRecord } from './role-record.js';
import { readServerState } from './server-state.js';
import { checkOptionNames, requestedUsers } from './request-options.js';
import { checkName, generateUserName } from './user-names.js';

export interface ProvisionOptions {
  /** The client's name: names the login user when `user` is not given, and the database when `database` is not. */
  client?: string;
  /** Default: the client's name (else `user`). Created, owned by the schema user, when missing. */
  database?: string;
  /** The user is a member of exactly these afterwards (of those pg-cluster granted); missing ones are created NOLOGIN. */
  roles?: readonly string[];
  /** `CREATE EXTENSION IF NOT EXISTS` in `database`, in this order (name dependencies first). */
  extensions?: readonly string[];
  /** True: the login user is a superuser (the charm's `db-admin`). */
  admin?: boolean;
  /** The login user's name; default made from `client` ({@link generateUserName}). */
  user?: string;
  /** The login user's password; default generated (192 bits) and kept in `credentials`. */
  password?: string;
  /** The schema user's name; default `<user>_schema`. */
  schemaUser?: string;
  /** Where generated passwords are kept; default a {@link FileCredentialsStore} at its default path. */
  credentials?: CredentialsStore;
}

const OPTION_NAMES = new Set(['client', 'database', 'roles', 'extensions', 'admin', 'user', 'password', 'schemaUser', 'credentials']);

/** The advisory lock every provisioning call on a server holds (`pg_advisory_lock(key1, key2)`): 'pgcl', 'prov'. */
export const PROVISION_LOCK: readonly [number, number] = [0x7067636c, 0x70726f76];

interface Request {
  user: string;
  schemaUser: string;
  database: string;
  roles: string[];
  extensions: string[];
  admin: boolean;
  password: string | undefined;
  credentials: CredentialsStore;
}

/**
 * Creates what is missing for a client on the server `target` (a running `Cluster`,
 * `TemporaryCluster`, or superuser `ConnectionInfo`): a login user and a schema user with SCRAM
 * passwords (set as verifiers computed here: no password reaches the server or its log), the
 * database owned by the schema user, the login user's privileges on it (CONNECT, USAGE on
 * `public`, ALL on its tables and sequences, also those the schema user creates later), the role
 * memberships asked for and the extensions. Idempotent; serialised on the server by an advisory
 * lock; what a failing call created is removed again.
 */
export async function provision(target: ProvisionTarget, options: ProvisionOptions): Promise<ProvisionGrant> {
  const request = checkRequest(options);
  const server = await resolveTarget(target);
  const admin = await server.connect();
  try {
    await admin.query('SELECT pg_advisory_lock($1, $2)', [...PROVISION_LOCK]);
    try {
      return await provisionLocked(admin, (database) => server.connect(database), request, server);
    } finally {
      await admin.query('SELECT pg_advisory_unlock($1, $2)', [...PROVISION_LOCK]).catch(() => undefined);
    }
  } finally {
    await admin.end().catch(() => undefined);
  }
}

function checkRequest(options: ProvisionOptions): Request {
  checkOptionNames(options, OPTION_NAMES);
  const { client, roles = [], extensions = [], admin = false, password, credentials = new FileCredentialsStore() } = options;
  const { user, schemaUser } = requestedUsers(options);
  if (schemaUser === user) throw expected('schemaUser', 'a name other than `user`', schemaUser);
  const database = options.database ?? client ?? user;
  checkName('database', database);
  if (!Array.isArray(roles)) throw expected('roles', 'an array of role names', roles);
  roles.forEach((role, i) => checkName(`roles[${i}]`, role));
  if (roles.includes(user) || roles.includes(schemaUser)) throw expected('roles', 'role names other than the user and the schema user', roles);
  if (!Array.isArray(extensions)) throw expected('extensions', 'an array of extension names', extensions);
  extensions.forEach((name, i) => checkName(`extensions[${i}]`, name));
  if (typeof admin !== 'boolean') throw expected('admin', 'a boolean', admin);
  if (password !== undefined && (typeof password !== 'string' || password === '' || password.includes('\0'))) {
    throw expected('password', 'a non-empty string without NUL characters', REDACTED);
  }
  if (credentials === null || typeof credentials !== 'object' || typeof credentials.get !== 'function' || typeof credentials.set !== 'function') {
    // Its shape only: a plain object handed in by mistake may hold the passwords themselves.
    throw expected('credentials', 'an object with get(key) and set(key, value)', credentials === null ? null : typeof credentials);
  }
  return { user, schemaUser, database, roles: [...new Set(roles)], extensions: [...new Set(extensions)], admin, password, credentials };
}

interface RoleRow {
  oid: number;
  rolsuper: boolean;
  rolcanlogin: boolean;
  rolpassword: string | null;
  comment: string | null;
}

async function readRole(client: pg.Client, name: string): Promise<RoleRow | undefined> {
  const { rows } = await client.query<RoleRow>(
    "SELECT oid::int AS oid, rolsuper, rolcanlogin, rolpassword, shobj_description(oid, 'pg_authid') AS comment FROM pg_authid WHERE rolname = $1",
    [name],
  );
  return rows[0];
}

async function provisionLocked(
  admin: pg.Client,
  connect: (database: string) => Promise<pg.Client>,
  request: Request,
  server: { clientAddress: { host: string; port: number }; socketAddress: { host: string; port: number } | null },
): Promise<ProvisionGrant> {
  const { rows: [facts] } = await admin.query<{ id: string; superuser: boolean; me: string }>(
    'SELECT system_identifier::text AS id, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser, current_user AS me FROM pg_control_system()',
  );
  if (facts === undefined || !facts.superuser) {
    throw new ProvisionError('NOT_SUPERUSER', `Provisioning needs a superuser connection; ${JSON.stringify(facts?.me)} is not one`);
  }
  const state = await readServerState(admin);
  if (state === 'hot standby') throw new ProvisionError('HOT_STANDBY', 'The server is a hot standby (read-only): provision on its primary');
  const available = (await admin.query<{ name: string }>('SELECT name FROM pg_available_extensions ORDER BY name')).rows.map((row) => row.name);
  const missing = request.extensions.filter((name) => !available.includes(name));
  if (missing.length > 0) throw new ExtensionNotAvailableError(missing, available);
  for (const name of [request.user, request.schemaUser]) {
    const row = await readRole(admin, name);
    if (row !== undefined && (row.oid === 10 || name === facts.me)) {
      throw new ProvisionError('NAME_CONFLICT', `Refusing to provision ${JSON.stringify(name)}: it is the superuser this call connects as (or the bootstrap superuser)`);
    }
  }
  for (const role of request.roles) {
    const row = await readRole(admin, role);
    if (row?.rolsuper) throw new ProvisionError('NAME_CONFLICT', `Refusing to grant membership in ${JSON.stringify(role)}: it is a superuser role`);
  }

  const created: Array<{ kind: 'role' | 'database'; name: string }> = [];
  let database: pg.Client | null = null;
  try {
    const login = await settleUser(admin, request.user, request, facts.id, created, { login: true, superuser: request.admin });
    const schema = await settleUser(admin, request.schemaUser, { ...request, password: undefined }, facts.id, created, { login: true, superuser: false });
    const { rows: databases } = await admin.query<{ owner: string }>('SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1', [request.database]);
    if (databases.length === 0) {
      await admin.query(`CREATE DATABASE ${q(request.database)} OWNER ${q(request.schemaUser)}`);
      created.push({ kind: 'database', name: request.database });
    }
    database = await connect(request.database);
    for (const name of request.extensions) {
      const { rowCount } = await database.query('SELECT 1 FROM pg_extension WHERE extname = $1', [name]);
      if (rowCount === 0) await database.query(`CREATE EXTENSION IF NOT EXISTS ${q(name)}`);
    }
    await grantPrivileges(database, request, databases[0]?.owner ?? request.schemaUser);
    const roles = await resetRoles(admin, request, login.row, created);
    return new ProvisionGrant({
      connection: { ...server.clientAddress, database: request.database, user: request.user, password: login.password },
      socket:
        server.socketAddress === null || server.socketAddress.host === server.clientAddress.host
          ? null
          : new ProvisionGrant({
              connection: { ...server.socketAddress, database: request.database, user: request.user, password: login.password },
              socket: null, schemaUser: request.schemaUser, schemaPassword: schema.password, state, passwordReset: login.reset,
              roles, extensions: request.extensions, admin: login.superuser,
            }),
      schemaUser: request.schemaUser,
      schemaPassword: schema.password,
      state,
      passwordReset: login.reset,
      roles,
      extensions: request.extensions,
      admin: login.superuser,
    });
  } catch (error) {
    const failures = await rollBack(admin, database, created);
    if (error instanceof ProvisionError || error instanceof ExtensionNotAvailableError) throw error;
    const undone = created.length === 0 ? '' : `; removed again what this call created (${created.map((item) => `${item.kind} ${JSON.stringify(item.name)}`).join(', ')})`;
    const left = failures.length === 0 ? '' : `; could not remove: ${failures.join('; ')}`;
    throw new ProvisionError('PROVISION_FAILED', `Provisioning ${JSON.stringify(request.user)} failed: ${(error as Error).message}${undone}${left}`, { cause: error });
  } finally {
    await database?.end().catch(() => undefined);
  }
}

/** Creates the role or brings it to `want`, and settles its password (given, stored, or new). */
async function settleUser(
  admin: pg.Client,
  name: string,
  request: Pick<Request, 'password' | 'credentials'>,
  systemIdentifier: string,
  created: Array<{ kind: 'role' | 'database'; name: string }>,
  want: { login: boolean; superuser: boolean },
): Promise<{ password: string; reset: boolean; superuser: boolean; row: RoleRow }> {
  const key = formatCredentialsKey(systemIdentifier, name);
  const before = await readRole(admin, name);
  // A user that does not exist yet gets a new password even when the store holds one: copies of a
  // data directory (a template cache, a restored backup) share the system identifier.
  const stored = request.password === undefined && before !== undefined ? await request.credentials.get(key) : undefined;
  const password = request.password ?? stored ?? generatePassword();
  if (request.password === undefined && stored !== password) await request.credentials.set(key, password);
  let reset = false;
  if (before === undefined) {
    await admin.query(`CREATE ROLE ${q(name)} LOGIN ${want.superuser ? 'SUPERUSER' : 'NOSUPERUSER'} PASSWORD ${quoteLiteral(computeScramVerifier(password))}`);
    created.push({ kind: 'role', name });
  } else {
    if (!isVerifierOf(before.rolpassword, password)) {
      await admin.query(`ALTER ROLE ${q(name)} PASSWORD ${quoteLiteral(computeScramVerifier(password))}`);
      reset = request.password === undefined;
    }
    if (!before.rolcanlogin) await admin.query(`ALTER ROLE ${q(name)} LOGIN`);
  }
  const row = (await readRole(admin, name))!;
  const record = parseRoleRecord(row.comment);
  let superuser = row.rolsuper;
  if (want.superuser && !row.rolsuper) {
    await admin.query(`ALTER ROLE ${q(name)} SUPERUSER`);
    superuser = true;
  } else if (!want.superuser && row.rolsuper && record.superuser) {
    await admin.query(`ALTER ROLE ${q(name)} NOSUPERUSER`);
    superuser = false;
  }
  const madeSuper = want.superuser && (before === undefined || !before.rolsuper || record.superuser);
  await writeRoleRecord(admin, name, row.comment, { ...record, superuser: madeSuper });
  return { password, reset, superuser, row: (await readRole(admin, name))! };
}

/** CONNECT, USAGE on `public`, ALL on its tables and sequences, now and (default privileges of the schema user) later. */
async function grantPrivileges(database: pg.Client, request: Request, owner: string): Promise<void> {
  const user = q(request.user);
  const schema = q(request.schemaUser);
  const statements = [
    `GRANT CONNECT ON DATABASE ${q(request.database)} TO ${user}, ${schema}`,
    `GRANT USAGE ON SCHEMA public TO ${user}`,
    `GRANT ALL ON ALL TABLES IN SCHEMA public TO ${user}`,
    `GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO ${user}`,
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${schema} IN SCHEMA public GRANT ALL ON TABLES TO ${user}`,
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${schema} IN SCHEMA public GRANT ALL ON SEQUENCES TO ${user}`,
  ];
  // A database someone else owns: the schema user may still create in `public`.
  if (owner !== request.schemaUser) statements.push(`GRANT USAGE, CREATE ON SCHEMA public TO ${schema}`);
  for (const sql of statements) await database.query(sql);
}

/**
 * The charm's reset_user_roles: grants the memberships the request names that the user lacks
 * (creating a missing role NOLOGIN), revokes those pg-cluster granted that it no longer names,
 * leaves the others alone, and records what it granted in the role's comment.
 */
async function resetRoles(admin: pg.Client, request: Request, row: RoleRow, created: Array<{ kind: 'role' | 'database'; name: string }>): Promise<string[]> {
  const { rows } = await admin.query<{ name: string }>(
    'SELECT r.rolname AS name FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid WHERE m.member = $1',
    [row.oid],
  );
  const current = new Set(rows.map((r) => r.name));
  const record = parseRoleRecord(row.comment);
  const recorded = new Set(record.roles);
  const granted = new Set<string>();
  for (const role of request.roles) {
    if (current.has(role)) continue;
    if ((await readRole(admin, role)) === undefined) {
      await admin.query(`CREATE ROLE ${q(role)} NOLOGIN`);
      created.push({ kind: 'role', name: role });
    }
    await admin.query(`GRANT ${q(role)} TO ${q(request.user)}`);
    granted.add(role);
  }
  for (const role of recorded) {
    if (current.has(role) && !request.roles.includes(role)) await admin.query(`REVOKE ${q(role)} FROM ${q(request.user)}`);
  }
  const roles = request.roles.filter((role) => recorded.has(role) || granted.has(role));
  await writeRoleRecord(admin, request.user, row.comment, { ...record, roles });
  return [...request.roles];
}

/** Removes what a failed call created, newest first; returns what could not be removed. */
async function rollBack(admin: pg.Client, database: pg.Client | null, created: Array<{ kind: 'role' | 'database'; name: string }>): Promise<string[]> {
  const failures: string[] = [];
  const roles = created.filter((item) => item.kind === 'role').map((item) => item.name);
  const madeDatabase = created.some((item) => item.kind === 'database');
  if (database !== null && !madeDatabase && roles.length > 0) {
    await database.query(`DROP OWNED BY ${roles.map(q).join(', ')}`).catch((error: Error) => failures.push(`privileges: ${error.message}`));
  }
  await database?.end().catch(() => undefined);
  for (const item of [...created].reverse()) {
    const sql = item.kind === 'database' ? `DROP DATABASE IF EXISTS ${q(item.name)}` : `DROP ROLE IF EXISTS ${q(item.name)}`;
    await admin.query(sql).catch((error: Error) => failures.push(`${item.kind} ${JSON.stringify(item.name)}: ${error.message}`));
  }
  return failures;
}
