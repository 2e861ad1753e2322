import { access, constants, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Cluster, defaultInstallation, type InitOptions, type Installation } from '../index.js';
import type { CliCommand } from './cli-command.js';
import { exitCodes } from './cli-io.js';
import { readClusterSpec } from './cluster-target.js';
import { readClusterStatus } from './cluster-status.js';
import { readInteger, readPasswordFile, readSettings, readText } from './option-values.js';
import { jsonOption, printResult } from './print-result.js';
import { progressPrinter } from './progress-printer.js';
import { checkSettings } from './setting-checks.js';
import { UsageError } from './usage-error.js';

/**
 * `pg-cluster create <dir|name>`: initdb a persistent cluster (a path, or a name of ours in
 * $XDG_DATA_HOME/pg-cluster/clusters), write `--port` and `--set` into its postgresql.conf (checked
 * against the server before anything is made), and with `--start` start it, detached.
 */
export const createCommand: CliCommand = {
  name: 'create',
  summary: 'Create a persistent cluster (initdb) in a directory or under a name, optionally start it',
  usage: '<dir|name> [--major <n>] [--port <n>] [--password-file <path>] [--locale <l>] [--encoding <e>] [--data-checksums] [--set <name=value>]... [--start] [--timeout <ms>] [--verbose] [--json]',
  positionals: true,
  options: [
    { name: 'major', type: 'string', value: 'n', description: 'The PostgreSQL major version to use (default: the default installation)' },
    { name: 'port', type: 'string', value: 'n', description: 'The port to write into postgresql.conf' },
    { name: 'password-file', type: 'string', value: 'path', description: 'The superuser\'s password, on the first line of this file (then scram-sha-256 everywhere)' },
    { name: 'locale', type: 'string', value: 'l', description: 'initdb --locale' },
    { name: 'encoding', type: 'string', value: 'e', description: 'initdb --encoding, e.g. UTF8' },
    { name: 'data-checksums', type: 'boolean', description: 'initdb --data-checksums' },
    { name: 'set', short: 'c', type: 'string', multiple: true, value: 'name=value', description: 'A setting to write into postgresql.conf (repeatable)' },
    { name: 'start', type: 'boolean', description: 'Start the server afterwards and leave it running' },
    { name: 'timeout', type: 'string', value: 'ms', description: 'Milliseconds initdb and the start may take each (default 120000)' },
    { name: 'verbose', type: 'boolean', description: 'Say on stderr what it is doing (shown anyway when stderr is a terminal)' },
    jsonOption,
  ],
  async run({ values, positionals }, io) {
    const [spec, extra] = positionals;
    if (spec === undefined) throw new UsageError('expects a directory (a path with a /) or a name for the new cluster', 'create');
    if (extra !== undefined) throw new UsageError(`takes one <dir|name>, got also \`${extra}\``, 'create');
    const target = await readClusterSpec(spec, io, 'create');
    if (target.kind === 'debian') throw new UsageError(`\`${spec}\` is a Debian cluster already (/etc/postgresql/${spec}): pg_createcluster makes those`, 'create');
    const dataDirectory = target.dataDirectory!;
    const major = readInteger(values, 'major', 'create');
    const port = readInteger(values, 'port', 'create');
    if (port !== undefined && port > 65535) throw new UsageError(`--port expects a port from 1 to 65535, got \`${port}\``, 'create');
    const settings: Record<string, string> = { ...(port === undefined ? {} : { port: String(port) }), ...readSettings(values, 'create') };
    const init: InitOptions = {};
    const locale = readText(values, 'locale', 'create');
    if (locale !== undefined) init.locale = locale;
    const encoding = readText(values, 'encoding', 'create');
    if (encoding !== undefined) init.encoding = encoding;
    if (values['data-checksums'] === true) init.dataChecksums = true;
    if (typeof values['password-file'] === 'string') init.password = await readPasswordFile(values['password-file'], 'create');
    const timeout = readInteger(values, 'timeout', 'create') ?? 120_000;
    init.timeout = timeout;
    const onProgress = progressPrinter(io, values.verbose === true);
    if (onProgress !== undefined) init.onProgress = onProgress;

    const installation = await defaultInstallation(major === undefined ? {} : { major });
    const cluster = new Cluster(installation, dataDirectory);
    // Checked before initdb: a setting the server would refuse leaves nothing made.
    const socketNote = await chooseSocketDirectory(installation, settings);
    const problems = await checkSettings(cluster, settings);
    if (problems.length > 0) throw new UsageError(`the server would refuse these settings, nothing was created:\n  ${problems.join('\n  ')}`, 'create');
    if (target.kind === 'named') await mkdir(dirname(dataDirectory), { recursive: true, mode: 0o755 });
    await cluster.init(init);
    // Names only the server itself can judge (no --describe-config line) need the data directory: asked again now.
    const late = await checkSettings(cluster, settings);
    if (late.length > 0) {
      await cluster.drop();
      throw new UsageError(`the server would refuse these settings, nothing was created:\n  ${late.join('\n  ')}`, 'create');
    }
    if (Object.keys(settings).length > 0) await cluster.settings.update(settings);
    const started = values.start === true ? await cluster.start({ detached: true, timeout }) : null;
    const status = await readClusterStatus(cluster);
    const text = [
      `${spec}: created ${dataDirectory} (${installation.version})`,
      ...(socketNote === null ? [] : [`  ${socketNote}`]),
      ...(started === null ? [`  start it with: pg-cluster start ${target.kind === 'named' ? spec : dataDirectory}`] : [`  started (pid ${started.pid}), port ${status.port}, log ${status.logFile}`]),
      '',
    ].join('\n');
    printResult(io, values.json === true, status, text);
    return exitCodes.ok;
  },
};

/**
 * A user who is not root cannot use a compiled-in socket directory it may not write in
 * (Debian's /var/run/postgresql belongs to postgres): the server would refuse to start. Then
 * `unix_socket_directories = '/tmp'` (PostgreSQL's own default) is written, unless `--set`
 * names one; resolves to a line that says so, or null.
 */
async function chooseSocketDirectory(installation: Installation, settings: Record<string, string>): Promise<string | null> {
  if (settings['unix_socket_directories'] !== undefined || process.getuid?.() === 0) return null;
  const described = await installation.describeSettings().catch(() => []);
  const compiled = described.find((setting) => setting.name === 'unix_socket_directories')?.bootValue ?? null;
  const first = compiled?.split(',')[0]?.trim() ?? '';
  if (first === '' || first.startsWith('@')) return null;
  if (await access(first, constants.W_OK).then(() => true, () => false)) return null;
  settings['unix_socket_directories'] = '/tmp';
  return `socket directory /tmp: the default ${first} is not writable for you`;
}
