import { readFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { CommandError, createTemporaryCluster, runInherited, waitForCleanup, type TemporaryClusterOptions } from '../index.js';
import type { CliCommand } from './cli-command.js';
import { exitCodes, type CliIo } from './cli-io.js';
import { InterruptListener, statusForSignal } from './interrupt-listener.js';
import { UsageError } from './usage-error.js';

/**
 * `pg-cluster tmp`: a throwaway cluster on this machine's PostgreSQL. Prints how to connect and
 * waits for Ctrl-C (SIGINT), SIGTERM or SIGHUP, then stops it and removes it; a signal while it
 * is still starting cancels the start (exit status 128 + n, nothing printed). With `-- command args…`,
 * runs the command in the foreground with PGHOST, PGPORT, PGUSER, PGDATABASE (and PGPASSWORD)
 * set, removes the cluster once it has exited (also after a failure, Ctrl-C or SIGTERM, which
 * go to the command first), and exits with the command's status (128 + n for signal n).
 */
export const tmpCommand: CliCommand = {
  name: 'tmp',
  summary: 'Start a throwaway cluster, print how to connect, remove it on Ctrl-C (or run a command against it)',
  usage: '[--major <n>] [--tcp] [--port <n>] [--password <p> | --password-file <path>] [--auth <method>] [--database <name>] [--run-as <user>] [--keep] [--json] [-- <command> [args…]]',
  positionals: true,
  options: [
    { name: 'major', type: 'string', value: 'n', description: 'The PostgreSQL major version to use (default: the default installation)' },
    { name: 'tcp', type: 'boolean', description: 'Also listen on localhost, on a free port' },
    { name: 'port', type: 'string', value: 'n', description: 'Listen on localhost on this port' },
    { name: 'password', type: 'string', value: 'p', description: 'Require this password (scram-sha-256) for postgres (visible to ps: prefer --password-file)' },
    { name: 'password-file', type: 'string', value: 'path', description: 'Require the password on the first line of this file' },
    { name: 'auth', type: 'string', value: 'method', description: 'trust or scram-sha-256 (default: trust on the private socket; over TCP a password, generated unless given)' },
    { name: 'database', type: 'string', value: 'name', description: 'Create this database and make it the default one' },
    { name: 'run-as', type: 'string', value: 'user', description: 'As root: the OS user the server runs as (default: $PG_CLUSTER_RUN_AS, else postgres)' },
    { name: 'keep', type: 'boolean', description: 'Keep the cluster folder afterwards (for debugging) and print where it is' },
    { name: 'json', type: 'boolean', description: 'Print the connection parameters as JSON' },
  ],
  async run({ values, positionals }, io) {
    // One owner of SIGINT, SIGTERM and SIGHUP from the first line to the last: a signal that
    // comes while the cluster is starting cancels the start, one that comes before the command
    // runs keeps it from running, and none is lost between phases (see InterruptListener).
    using interrupts = new InterruptListener();
    const options: TemporaryClusterOptions = {};
    if (values.major !== undefined) options.major = toInteger('major', values.major);
    if (values.port !== undefined) options.port = toInteger('port', values.port);
    if (values.tcp === true) options.tcp = true;
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
      throw error;
    }
    try {
      // A signal after the last step the creation could cancel: print nothing, run nothing.
      if (interrupts.received !== null) return statusForSignal(interrupts.received);
      // runInherited adds its forwarding listeners before its first await: from here on, signals go to the command.
      if (file !== undefined) return await runAgainst(cluster.env(), file, args, io);
      const info = cluster.connectionInfo;
      if (values.json === true) {
        const tcp = cluster.tcpConnectionInfo;
        const tcpForms = tcp === null ? {} : { tcpConnectionString: tcp.connectionString(), tcpUri: tcp.uri() };
        io.stdout.write(`${JSON.stringify({ ...info.toParameters({ includePassword: true }), connectionString: info.connectionString(), uri: info.uri(), ...tcpForms, directory: cluster.directory })}\n`);
      } else {
        io.stdout.write(
          [
            `${cluster.installation.version ?? 'PostgreSQL'}: a throwaway cluster in ${cluster.directory}`,
            `  connection string: ${info.connectionString()}`,
            `  URI:               ${info.uri()}`,
            `  psql:              psql ${quoteForShell(info.connectionString())}`,
            ...(cluster.tcpConnectionInfo === null ? [] : [`  over TCP:          ${cluster.tcpConnectionInfo.uri()}`]),
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

/** What a POSIX shell exits with for a command it cannot find. */
const commandNotFound = 127;

/**
 * The password from `--password` or from the first line of `--password-file` (as `initdb
 * --pwfile` reads it: up to the first newline, a CR before it dropped). Not both; not empty.
 */
async function passwordFrom(inline: string | boolean | undefined, file: string | boolean | undefined): Promise<string | undefined> {
  if (inline !== undefined && file !== undefined) throw new UsageError('--password and --password-file exclude each other', 'tmp');
  if (typeof inline === 'string') {
    if (inline === '') throw new UsageError('--password expects a non-empty password', 'tmp');
    return inline;
  }
  if (typeof file !== 'string') return undefined;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new UsageError(`--password-file cannot read ${file} (${reason})`, 'tmp', { cause: error });
  }
  const password = (text.split('\n', 1)[0] ?? '').replace(/\r$/, '');
  if (password === '') throw new UsageError(`--password-file ${file} has an empty first line`, 'tmp');
  return password;
}

function toInteger(name: string, value: string | boolean): number {
  const number = Number(value);
  if (typeof value !== 'string' || !Number.isInteger(number) || number <= 0) throw new UsageError(`--${name} expects a positive integer, got \`${String(value)}\``, 'tmp');
  return number;
}

function quoteForShell(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
