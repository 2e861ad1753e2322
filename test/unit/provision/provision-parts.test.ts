// The pure parts of src/provision: user names (the charm's user_name, 63 bytes), the role record,
// SCRAM verifier matching, the grant's redaction, the credentials file (mode 0600, no links),
// and request validation that refuses before any connection is made.
import { lstatSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { computeScramVerifier } from '../../../src/cluster/scram-verifier.js';
import { Cluster } from '../../../src/cluster/cluster.js';
import {
  allowClient,
  availableExtensions,
  deprovision,
  disallowClient,
  defaultCredentialsPath,
  FileCredentialsStore,
  generateSchemaUserName,
  generateUserName,
  provision,
  ProvisionGrant,
  serverState,
} from '../../../src/provision/index.js';
import { isVerifierOf } from '../../../src/provision/provision-password.js';
import { formatRoleRecord, parseRoleRecord } from '../../../src/provision/role-record.js';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});
function folder(): string {
  const made = mkdtempSync(join(tmpdir(), 'pgct-unit-'));
  folders.push(made);
  return made;
}

describe('generateUserName', () => {
  it('keeps a safe name as it is and makes others safe and distinct, within 63 bytes', () => {
    expect(generateUserName('myapp')).toBe('myapp');
    expect(generateUserName('My App')).toMatch(/^my_app_[0-9a-f]{8}$/);
    expect(generateUserName('my-app')).toMatch(/^my_app_[0-9a-f]{8}$/);
    expect(generateUserName('My App')).not.toBe(generateUserName('my-app'));
    expect(generateUserName('django/0')).toMatch(/^django_0_[0-9a-f]{8}$/);
    expect(generateUserName('1st')).toMatch(/^c_1st_[0-9a-f]{8}$/);
    expect(generateUserName(`x"; DROP ROLE postgres; --`)).toMatch(/^x_drop_role_postgres_[0-9a-f]{8}$/);
    const long = generateUserName('a'.repeat(100));
    expect(Buffer.byteLength(long)).toBe(63);
    expect(generateUserName('a'.repeat(100))).not.toBe(generateUserName(`${'a'.repeat(99)}b`));
    expect(Buffer.byteLength(generateUserName('ü'.repeat(40)))).toBeLessThanOrEqual(63);
  });

  it('makes a schema user name that fits', () => {
    expect(generateSchemaUserName('myapp')).toBe('myapp_schema');
    const name = generateSchemaUserName('ü'.repeat(31) + 'x');
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(63);
    expect(name).toMatch(/_[0-9a-f]{8}_schema$/);
  });

  it('refuses an empty name, NUL and more than 63 bytes', () => {
    expect(() => generateUserName('')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', argument: 'client' }));
    expect(() => generateUserName('a\0b')).toThrow(/Expected `client` to be a non-empty string without NUL characters/);
    expect(() => generateUserName('a'.repeat(64))).not.toThrow(); // a client name is shortened…
    expect(() => generateSchemaUserName('a'.repeat(64))).toThrow(/Expected `user`/); // …a user name is not
  });
});

describe('role record', () => {
  it('round-trips and ignores comments that are not ours', () => {
    const text = formatRoleRecord({ roles: ['b', 'a'], superuser: true });
    expect(text).toBe('pg-cluster provision {"roles":["a","b"],"superuser":true}');
    expect(parseRoleRecord(text)).toEqual({ roles: ['a', 'b'], superuser: true });
    expect(parseRoleRecord('someone else wrote this')).toEqual({ roles: [], superuser: false });
    expect(parseRoleRecord('pg-cluster provision {broken')).toEqual({ roles: [], superuser: false });
    expect(parseRoleRecord(null)).toEqual({ roles: [], superuser: false });
  });
});

describe('isVerifierOf', () => {
  it('recomputes the verifier with its salt and iterations', () => {
    const verifier = computeScramVerifier('secret', { iterations: 4096 });
    expect(isVerifierOf(verifier, 'secret')).toBe(true);
    expect(isVerifierOf(verifier, 'Secret')).toBe(false);
    expect(isVerifierOf('md5' + '0'.repeat(32), 'secret')).toBe(false);
    expect(isVerifierOf(null, 'secret')).toBe(false);
  });
});

describe('ProvisionGrant', () => {
  const grant = new ProvisionGrant({
    connection: { host: '127.0.0.1', port: 5432, user: 'app', database: 'app', password: 'pw-login-1234' },
    socket: null,
    schemaUser: 'app_schema',
    schemaPassword: 'pw-schema-5678',
    state: 'standalone',
    passwordReset: false,
    roles: ['r'],
    extensions: ['citext'],
    admin: false,
  });

  it('is a ConnectionInfo whose JSON, inspect and toString redact both passwords', () => {
    for (const shown of [JSON.stringify(grant), inspect(grant), inspect(grant, { showHidden: true }), String(grant), `${grant}`]) {
      expect(shown).not.toContain('pw-login-1234');
      expect(shown).not.toContain('pw-schema-5678');
    }
    expect(grant.toJSON()).toMatchObject({ password: '<redacted>', schemaPassword: '<redacted>', schemaUser: 'app_schema', state: 'standalone' });
    expect(grant.toParameters({ includePassword: true })).toEqual({ host: '127.0.0.1', port: 5432, user: 'app', database: 'app', password: 'pw-login-1234' });
    expect(grant.uri()).toBe('postgresql://app:pw-login-1234@127.0.0.1:5432/app');
    expect(grant.env()).toMatchObject({ PGUSER: 'app', PGPASSWORD: 'pw-login-1234' });
    expect(grant.schemaConnection().clientConfig()).toEqual({ host: '127.0.0.1', port: 5432, user: 'app_schema', database: 'app', password: 'pw-schema-5678' });
  });
});

describe('FileCredentialsStore', () => {
  it('writes a 0600 file in a 0700 folder, reads afresh, and refuses a symbolic link', async () => {
    const root = folder();
    const path = join(root, 'state', 'pg-cluster', 'credentials.json');
    const store = new FileCredentialsStore(path);
    expect(await store.get('1/app')).toBeUndefined();
    await store.set('1/app', 'pw');
    await store.set('2/app', 'other');
    expect(lstatSync(path).mode & 0o777).toBe(0o600);
    expect(lstatSync(join(root, 'state', 'pg-cluster')).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ '1/app': 'pw', '2/app': 'other' });
    writeFileSync(path, JSON.stringify({ '1/app': 'changed elsewhere' }));
    expect(await store.get('1/app')).toBe('changed elsewhere');
    expect(await store.get('__proto__')).toBeUndefined();
    expect(JSON.stringify(store)).not.toContain('changed elsewhere');
    const linked = join(root, 'linked.json');
    symlinkSync(path, linked);
    await expect(new FileCredentialsStore(linked).get('1/app')).rejects.toMatchObject({ code: 'FILE_IS_SYMLINK' });
    await expect(new FileCredentialsStore(linked).set('1/app', 'x')).rejects.toMatchObject({ code: 'FILE_IS_SYMLINK' });
    expect(() => new FileCredentialsStore('relative.json')).toThrow(/Expected `path` to be an absolute path/);
  });

  it('defaults to $XDG_STATE_HOME/pg-cluster, else ~/.local/state/pg-cluster', () => {
    expect(defaultCredentialsPath({ XDG_STATE_HOME: '/x/state' })).toBe('/x/state/pg-cluster/credentials.json');
    expect(defaultCredentialsPath({})).toMatch(/\/\.local\/state\/pg-cluster\/credentials\.json$/);
    expect(defaultCredentialsPath({ XDG_STATE_HOME: 'relative' })).toMatch(/\/\.local\/state\/pg-cluster\/credentials\.json$/);
  });
});

describe('provision() request validation (no server needed: refused before connecting)', () => {
  const target = { host: '127.0.0.1', port: 1, user: 'postgres', database: 'postgres' };
  it.each([
    [{ client: '' }, 'client'],
    [{}, 'client'],
    [{ client: 'a', roles: 'r' }, 'roles'],
    [{ client: 'a', roles: [''] }, 'roles[0]'],
    [{ client: 'a', extensions: [42] }, 'extensions[0]'],
    [{ client: 'a', admin: 1 }, 'admin'],
    [{ client: 'a', password: '' }, 'password'],
    [{ client: 'a', credentials: {} }, 'credentials'],
    [{ client: 'a', database: 'd'.repeat(64) }, 'database'],
    [{ client: 'a', superuser: true }, 'superuser'],
  ])('%j → INVALID_ARGUMENT for %s', async (options, argument) => {
    await expect(provision(target, options as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', argument });
  });
});

describe('a password never reaches an error message about a bad target or store', () => {
  const secret = 'leak-me-7f3a';
  it.each([
    ['provision', (target: never) => provision(target, { client: 'a' })],
    ['serverState', (target: never) => serverState(target)],
    ['availableExtensions', (target: never) => availableExtensions(target)],
    ['deprovision', (target: never) => deprovision(target, { client: 'a' })],
  ] as const)('%s with connection parameters lacking a host: INVALID_ARGUMENT, the password redacted', async (_name, call) => {
    const error = (await call({ hostname: '127.0.0.1', port: 5432, user: 'postgres', password: secret } as never).catch((caught: unknown) => caught)) as Error;
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'target' });
    expect(`${error.message} ${inspect(error)}`).not.toContain(secret);
  });

  it('a credentials option that is no store (a plain object of passwords): INVALID_ARGUMENT, the passwords not shown', async () => {
    const target = { host: '127.0.0.1', port: 1, user: 'postgres', database: 'postgres' };
    const error = (await provision(target, { client: 'a', credentials: { '1/a': secret } as never }).catch((caught: unknown) => caught)) as Error;
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'credentials' });
    expect(error.message).not.toContain(secret);
  });
});

describe('allowClient and disallowClient refuse a request they would misread', () => {
  // A Cluster that is never started: the request is refused before pg_hba.conf is read.
  const cluster = new Cluster({ versionInfo: { major: 15 }, paths: {} }, '/nonexistent/pg-cluster-allow-client');

  it('an unknown option (a misspelt `method`) is INVALID_ARGUMENT, not the default method', async () => {
    for (const call of [allowClient, disallowClient]) {
      const refused = await call(cluster, { database: 'app', user: 'app', address: '127.0.0.1', metod: 'trust' } as never).catch((error: unknown) => error);
      expect(refused).toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect(String((refused as Error).message)).toContain('`metod`');
    }
  });

  it('a bad address is INVALID_ARGUMENT', async () => {
    const refused = await allowClient(cluster, { database: 'app', user: 'app', address: '127.0.0.300' }).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
