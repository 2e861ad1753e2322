import { isIP } from 'node:net';
import { userInfo } from 'node:os';
import { isAbsolute } from 'node:path';
import {
  allowClient,
  Cluster,
  ConnectionInfo,
  defaultCredentialsPath,
  defaultInstallation,
  FileCredentialsStore,
  findInstallations,
  provision,
  REDACTED,
  type ProvisionOptions,
  type ProvisionTarget,
} from '../index.js';
import type { CliCommand } from './cli-command.js';
import { exitCodes, type CliIo } from './cli-io.js';
import { UsageError } from './usage-error.js';

/**
 * `pg-cluster provision`: provision() from the command line. The server is the cluster in
 * `--data-dir` (which must run), or the one libpq's environment names (PGHOST, PGPORT, PGUSER,
 * PGDATABASE, PGPASSWORD: a superuser). Prints how the client connects, both passwords shown as
 * `<redacted>` unless `--show-password`. `--allow <address>` also authorises the client (allowClient).
 */
export const provisionCommand: CliCommand = {
  name: 'provision',
  summary: 'Create a database, login and schema users, roles and extensions for a client, print how it connects',
  usage: '--client <name> [--database <name>] [--roles a,b] [--extensions a,b] [--admin] [--user <name>] [--data-dir <path> [--superuser <name>] [--major <n>]] [--allow <address>] [--show-password] [--json]',
  options: [
    { name: 'client', type: 'string', value: 'name', description: 'The client: names the login user and (by default) the database' },
    { name: 'database', type: 'string', value: 'name', description: 'The database (default: the client name)' },
    { name: 'roles', type: 'string', value: 'a,b', description: 'Comma-separated roles the user is a member of afterwards (missing ones are created NOLOGIN)' },
    { name: 'extensions', type: 'string', value: 'a,b', description: 'Comma-separated extensions to create in the database' },
    { name: 'admin', type: 'boolean', description: 'Make the login user a superuser (db-admin)' },
    { name: 'user', type: 'string', value: 'name', description: 'The login user name (default: made from the client name)' },
    { name: 'data-dir', type: 'string', value: 'path', description: 'The running cluster to provision on (default: the server PGHOST/PGPORT/PGUSER name)' },
    { name: 'superuser', type: 'string', value: 'name', description: 'With --data-dir: the superuser to connect as (default: $PGUSER, else the OS user the server runs as)' },
    { name: 'major', type: 'string', value: 'n', description: 'With --data-dir: the PostgreSQL major version of the installation (default: the default installation)' },
    { name: 'allow', type: 'string', value: 'address', description: 'Also let the client in from this IP address or range over TCP (needs --data-dir)' },
    { name: 'show-password', type: 'boolean', description: 'Print the passwords (they are redacted otherwise)' },
    { name: 'json', type: 'boolean', description: 'Print the grant as JSON' },
  ],
  async run({ values }, io) {
    if (typeof values.client !== 'string' || values.client === '') throw new UsageError('--client expects the client name', 'provision');
    const options: ProvisionOptions = { client: values.client, credentials: new FileCredentialsStore(defaultCredentialsPath(io.env)) };
    if (typeof values.database === 'string') options.database = values.database;
    if (typeof values.user === 'string') options.user = values.user;
    if (typeof values.roles === 'string') options.roles = splitList(values.roles);
    if (typeof values.extensions === 'string') options.extensions = splitList(values.extensions);
    if (values.admin === true) options.admin = true;
    // Checked before anything is made: a bad --allow must not leave a client provisioned and unprinted.
    if (values.allow !== undefined && !isAddressOrRange(values.allow)) throw new UsageError(`--allow expects an IP address or a CIDR range, got ${JSON.stringify(values.allow)}`, 'provision');
    const target = await targetFrom(values, io);
    if (values.allow !== undefined && !(target instanceof Cluster)) throw new UsageError('--allow needs --data-dir (pg_hba.conf is edited on this machine)', 'provision');
    const grant = await provision(target, options);
    if (typeof values.allow === 'string') await allowClient(target, { database: grant.database, user: grant.user, address: values.allow });
    const show = values['show-password'] === true;
    const shown = show ? grant : new ConnectionInfo(grant.toParameters());
    if (values.json === true) {
      const json = { ...grant.toJSON(), ...(show ? { password: grant.password, schemaPassword: grant.schemaPassword } : {}), uri: shown.uri() };
      io.stdout.write(`${JSON.stringify(json)}\n`);
      return exitCodes.ok;
    }
    const lines: Array<[string, string | number]> = [
      ['host', grant.host],
      ['port', grant.port],
      ['database', grant.database],
      ['user', grant.user],
      ['password', show ? grant.password : REDACTED],
      ['schema user', grant.schemaUser],
      ['schema password', show ? grant.schemaPassword : REDACTED],
      ['state', grant.state],
      ['uri', shown.uri()],
    ];
    if (grant.passwordReset) lines.push(['password reset', 'yes (the store did not know the existing password)']);
    io.stdout.write(lines.map(([key, value]) => `${`${key}:`.padEnd(17)}${value}\n`).join(''));
    return exitCodes.ok;
  },
};

function splitList(text: string): string[] {
  return text.split(',').map((item) => item.trim()).filter((item) => item !== '');
}

async function targetFrom(values: Record<string, string | boolean | string[] | undefined>, io: CliIo): Promise<ProvisionTarget> {
  const dataDir = values['data-dir'];
  if (typeof dataDir === 'string') {
    if (!isAbsolute(dataDir)) throw new UsageError('--data-dir expects an absolute path', 'provision');
    let installation;
    if (values.major !== undefined) {
      const major = Number(values.major);
      installation = (await findInstallations()).find((found) => !found.clientOnly && found.installation.versionInfo.major === major)?.installation;
      if (installation === undefined) throw new UsageError(`--major ${String(values.major)}: no installation of that major found`, 'provision');
    } else {
      installation = await defaultInstallation();
    }
    const superuser = typeof values.superuser === 'string' && values.superuser !== '' ? values.superuser : io.env['PGUSER'] || undefined;
    return new Cluster(installation, dataDir, superuser === undefined ? {} : { superuser });
  }
  if (values.major !== undefined || values.superuser !== undefined) throw new UsageError('--major and --superuser go with --data-dir', 'provision');
  const host = io.env['PGHOST'];
  if (host === undefined || host === '') throw new UsageError('Name the server: --data-dir, or PGHOST (and PGPORT, PGUSER, PGPASSWORD) in the environment', 'provision');
  const port = Number(io.env['PGPORT'] ?? 5432);
  const password = io.env['PGPASSWORD'];
  return new ConnectionInfo({ host, port, user: io.env['PGUSER'] || userInfo().username, database: io.env['PGDATABASE'] || 'postgres', ...(password ? { password } : {}) });
}

function isAddressOrRange(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const [host = '', bits, extra] = value.split('/');
  const family = isIP(host);
  if (family === 0 || extra !== undefined) return false;
  return bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}
