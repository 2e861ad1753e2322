import { constants } from 'node:os';
import { CommandError, ConnectionInfo, createTemporaryCluster, runInherited, waitForCleanup, type TemporaryCluster, type TemporaryClusterOptions } from '../index.js';
import type { CliCommand } from './cli-command.js';
import { exitCodes, type CliIo } from './cli-io.js';
import { InterruptListener, statusForSignal } from './interrupt-listener.js';
import { readInteger, readList, readPasswordFile, readSettings } from './option-values.js';
import { progressPrinter } from './progress-printer.js';
import { UsageError } from './usage-error.js';

/**
 * `pg-cluster tmp`: a throwaway cluster on this machine's PostgreSQL. Prints how to connect and
 * waits for Ctrl-C (SIGINT), SIGTERM or SIGHUP, then stops it and removes it; a signal while it
 * is still starting cancels the start (exit status 128 + n, nothing printed). With `-- command args…`,
 * runs the command in the foreground with PGHOST, PGPORT, PGUSER, PGDATABASE (and PGPASSWORD)
 * set, removes the cluster once it has exited (also after a failure, Ctrl-C or SIGTERM, which
 * go to the command first), and exits with the command's status (128 + n for signal n; 125 when
 * the cluster could not be made and the command never ran). With `--tcp` (or `--ssl`, which
 * implies it) the command gets the TCP form: PGHOST=127.0.0.1 (and PGSSLMODE=require).
 */
export const tmpCommand: CliCommand = {
  name: 'tmp',
  summary: 'Start a throwaway cluster, print how to connect, remove it on Ctrl-C (or run a command against it)',
  usage:
    '[--major <n>] [--set <name=value>]... [--tcp] [--ssl] [--port <n>] [--password <p> | --password-file <path>] [--auth <method>] [--database <name>] [--extension <name>]... [--run-as <user>] [--keep] [--verbose] [--json] [-- <command> [args…]]',
  positionals: true,
  runsCommand: true,
  options: [
    { name: 'major', type: 'string', value: 'n', description: 'The PostgreSQL major version to use (default: the default installation)' },
    { name: 'set', short: 'c', type: 'string', multiple: true, value: 'name=value', description: 'A server setting, e.g. -c log_statement=all (repeatable)' },
    { name: 'tcp', type: 'boolean', description: 'Also listen on localhost, on a free port (the command gets PGHOST=127.0.0.1)' },
    { name: 'ssl', type: 'boolean', description: 'TLS with a self-signed certificate over TCP (implies --tcp; the command gets PGSSLMODE=require)' },
    { name: 'port', type: 'string', value: 'n', description: 'Listen on localhost on this port' },
    { name: 'password', type: 'string', value: 'p', description: 'Require this password (scram-sha-256) for postgres (visible to ps: prefer --password-file)' },
    { name: 'password-file', type: 'string', value: 'path', description: 'Require the password on the first line of this file' },
    { name: 'auth', type: 'string', value: 'method', description: 'trust or scram-sha-256 (default: trust on the private socket; over TCP a password, generated unless given)' },
    { name: 'database', type: 'string', value: 'name', description: 'Create this database and make it the default one' },
    { name: 'extension', type: 'string', multiple: true, value: 'name', description: 'Create this extension in the default database (repeatable)' },
    { name: 'run-as', type: 'string', value: 'user', description: 'As root: the OS user the server runs as (default: $PG_CLUSTER_RUN_AS, else postgres)' },
    { name: 'keep', type: 'boolean', description: 'Keep the cluster folder afterwards (for debugging) and print where it is' },
    { name: 'verbose', type: 'boolean', description: 'Say on stderr what a slow start is doing (shown anyway when stderr is a terminal)' },
    { name: 'json', type: 'boolean', description: 'Print the connection parameters as JSON' },
  ],
  async run({ values, positionals }, io) {
    // One owner of SIGINT, SIGTERM and SIGHUP from the first line to the last: a signal that
    // comes while the cluster is starting cancels the start, one that comes before the command
    // runs keeps it from running, and none is lost between phases (see InterruptListener).
    using interrupts = new InterruptListener();
    const options: TemporaryClusterOptions = {};
    const major = readInteger(values, 'major', 'tmp');
    if (major !== undefined) options.major = major;
    const port = readInteger(values, 'port', 'tmp');
    if (port !== undefined) options.port = port;
    if (values.tcp === true) options.tcp = true;
    if (values.ssl === true) options.ssl = true;
    const settings = readSettings(values, 'tmp');
    if (Object.keys(settings).length > 0) options.settings = settings;
    const extensions = readList(values, 'extension', 'tmp');
    if (extensions.length > 0) options.extensions = extensions;
    const onProgress = progressPrinter(io, values.verbose === true);
    if (onProgress !== undefined) options.onProgress = onProgress;
    const password = await passwordFrom(values.password, values['password-file']);
    if (password !== undefined) options.password = password;
    if (values.auth !== undefined) {
      if (values.auth !== 'trust' && values.auth !== 'scram-sha-256') throw new UsageError(`--auth expects trust or scram-sha-256, got \`${String(values.auth)}\``, 'tmp');
      options.auth = values.auth;
    }
    if (typeof values.database === 'string') options.database = values.database;
    if (values.keep === true) options.keep = true;
    if (values['run-as'] !== undefined) {
      if (typeof values['run-as'] !== 'string' || values['run-as'] === '') throw new UsageError('--run-as expects a user name', 'tmp');
      options.runAs = values['run-as'];
    }
    if (io.env['PG_CLUSTER_STORAGE']) options.storage = io.env['PG_CLUSTER_STORAGE'];
    options.signal = interrupts.abortSignal;
    const [file, ...args] = positionals;

    let cluster;
    try {
      if (interrupts.received !== null) return statusForSignal(interrupts.received);
      cluster = await createTemporaryCluster(options);
    } catch (error) {
      // Cancelled by the signal (the creation removed what it had made): end as the signal would.
      if (interrupts.received !== null) return statusForSignal(interrupts.received);
      if (file === undefined) throw error;
      // The command never ran: a status of its own, which no command's own failure is confused with.
      io.stderr.write(`pg-cluster: ${describeError(error)}\n`);
      return exitCodes.clusterNotMade;
    }
    try {
      // A signal after the last step the creation could cancel: print nothing, run nothing.
      if (interrupts.received !== null) return statusForSignal(interrupts.received);
      // runInherited adds its forwarding listeners before its first await: from here on, signals go to the command.
      if (file !== undefined) return await runAgainst(commandEnv(cluster, options.ssl === true), file, args, io);
      const info = cluster.connectionInfo;
      if (values.json === true) {
        const tcp = cluster.tcpConnectionInfo;
        const tcpForms = tcp === null ? {} : { tcpConnectionString: tcp.connectionString(), tcpUri: tcp.uri() };
        const ssl = options.ssl === true ? { sslmode: 'require' } : {};
        io.stdout.write(`${JSON.stringify({ ...info.toParameters({ includePassword: true }), connectionString: info.connectionString(), uri: info.uri(), ...tcpForms, ...ssl, directory: cluster.directory })}\n`);
      } else {
        io.stdout.write(
          [
            `${cluster.installation.version ?? 'PostgreSQL'}: a throwaway cluster in ${cluster.directory}`,
            `  connection string: ${info.connectionString()}`,
            `  URI:               ${info.uri()}`,
            `  psql:              psql ${quoteForShell(info.connectionString())}`,
            ...(cluster.tcpConnectionInfo === null ? [] : [`  over TCP:          ${cluster.tcpConnectionInfo.uri()}${options.ssl === true ? ' (TLS: add sslmode=require)' : ''}`]),
            'Press Ctrl-C to stop it and remove it.',
            '',
          ].join('\n'),
        );
      }
      // With the connection info out, a signal is how the cluster is meant to end: status 0.
      await interrupts.wait();
      return exitCodes.ok;
    } finally {
      await cluster.dispose();
      // Still listening: a second Ctrl-C must not end us before the folder is gone.
      await waitForCleanup();
      if (cluster.keep) io.stderr.write(`pg-cluster: kept the cluster folder ${cluster.directory}\n`);
    }
  },
};

/**
 * Runs the command in the foreground (our stdin, stdout and stderr) with the cluster's libpq
 * environment. Its status is ours: its exit status, 128 + n when signal n ended it, 127 when it
 * cannot be run. SIGINT, SIGTERM and SIGHUP we receive meanwhile go to it; we clean up once it exits.
 */
async function runAgainst(env: Record<string, string | undefined>, file: string, args: string[], io: CliIo): Promise<number> {
  try {
    const result = await runInherited(file, args, { env });
    if (result.exitCode !== null) return result.exitCode;
    return 128 + (result.signal === null ? 0 : (constants.signals[result.signal] ?? 0));
  } catch (error) {
    if (!(error instanceof CommandError) || error.code !== 'COMMAND_NOT_FOUND') throw error;
    io.stderr.write(`pg-cluster: ${error.message} [${error.code}]\n`);
    return commandNotFound;
  }
}

/**
 * The libpq environment for the command: the socket's, or with TCP the TCP form with
 * PGHOST=127.0.0.1 (what the server listens on for `localhost`), and PGSSLMODE=require with SSL.
 */
function commandEnv(cluster: TemporaryCluster, ssl: boolean): Record<string, string | undefined> {
  const tcp = cluster.tcpConnectionInfo;
  if (tcp === null) return cluster.env();
  const env: Record<string, string | undefined> = new ConnectionInfo({ ...tcp.toParameters({ includePassword: true }), host: '127.0.0.1' }).env();
  if (ssl) env['PGSSLMODE'] = 'require';
  return env;
}

function describeError(error: unknown): string {
  const code = typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string' ? ` [${(error as { code: string }).code}]` : '';
  return `${error instanceof Error ? error.message : String(error)}${code}`;
}

/** What a POSIX shell exits with for a command it cannot find. */
const commandNotFound = 127;

/**
 * The password from `--password` or from the first line of `--password-file` (as `initdb
 * --pwfile` reads it: up to the first newline, a CR before it dropped). Not both; not empty.
 */
async function passwordFrom(inline: string | boolean | string[] | undefined, file: string | boolean | string[] | undefined): Promise<string | undefined> {
  if (inline !== undefined && file !== undefined) throw new UsageError('--password and --password-file exclude each other', 'tmp');
  if (typeof inline === 'string') {
    if (inline === '') throw new UsageError('--password expects a non-empty password', 'tmp');
    return inline;
  }
  if (typeof file !== 'string') return undefined;
  return readPasswordFile(file, 'tmp');
}

function quoteForShell(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
