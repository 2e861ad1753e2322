import type { ReloadResult, StopMode } from '../index.js';
import type { CliCommand, CliOption, ParsedCommandLine } from './cli-command.js';
import { exitCodes } from './cli-io.js';
import { openCluster } from './cluster-target.js';
import { formatClusterStatus, readClusterStatus } from './cluster-status.js';
import { NoSuchClusterError } from './no-such-cluster-error.js';
import { readInteger } from './option-values.js';
import { jsonOption, printResult } from './print-result.js';
import { UsageError } from './usage-error.js';

const CLUSTER = '<cluster>';
const clusterHelp = '<cluster> is <major>/<name> (a Debian cluster), a data directory path (with a /), or a name of ours';
const modeOption: CliOption = { name: 'mode', type: 'string', value: 'mode', description: 'How to stop: smart, fast (the default, as pg_ctl) or immediate' };
const forceOption: CliOption = { name: 'force', type: 'boolean', description: 'A Debian cluster: even while its systemd unit runs it' };
const timeoutOption: CliOption = { name: 'timeout', type: 'string', value: 'ms', description: 'Milliseconds to wait (default 10000)' };

/** The one `<cluster>` positional of a command; another word is a usage error. */
export function clusterArgument({ positionals }: ParsedCommandLine, command: string): string {
  const [spec, extra] = positionals;
  if (spec === undefined) throw new UsageError(`expects a <cluster> (${clusterHelp})`, command);
  if (extra !== undefined) throw new UsageError(`takes one <cluster>, got also \`${extra}\``, command);
  return spec;
}

/** --mode, by default `fast` (pg_ctl's default, and what an operator means by stop). */
function readMode(values: ParsedCommandLine['values'], command: string): StopMode {
  const mode = values['mode'];
  if (mode === undefined) return 'fast';
  if (mode !== 'smart' && mode !== 'fast' && mode !== 'immediate') throw new UsageError(`--mode expects smart, fast or immediate, got \`${String(mode)}\``, command);
  return mode;
}

function timeoutOf(values: ParsedCommandLine['values'], command: string): { timeout?: number } {
  const timeout = readInteger(values, 'timeout', command);
  return timeout === undefined ? {} : { timeout };
}

/** `pg-cluster start <cluster>`: starts the server and leaves it running (detached), as `pg_ctl start`. */
export const startCommand: CliCommand = {
  name: 'start',
  summary: 'Start a cluster\'s server and leave it running (as pg_ctl start)',
  usage: `${CLUSTER} [--timeout <ms>] [--force] [--json]`,
  positionals: true,
  options: [timeoutOption, forceOption, jsonOption],
  async run(commandLine, io) {
    const spec = clusterArgument(commandLine, 'start');
    const options = timeoutOf(commandLine.values, 'start');
    const cluster = await openCluster(spec, io, 'start', { force: commandLine.values.force === true });
    const started = await cluster.start({ detached: true, ...options });
    const status = await readClusterStatus(cluster);
    const said = started.alreadyRunning ? `already running (pid ${started.pid})` : `started (pid ${started.pid})`;
    printResult(io, commandLine.values.json === true, { ...status, alreadyRunning: started.alreadyRunning }, `${spec}: ${said}, port ${status.port}, log ${status.logFile}\n`);
    return exitCodes.ok;
  },
};

/** `pg-cluster stop <cluster>`: stops a running server, whoever started it. */
export const stopCommand: CliCommand = {
  name: 'stop',
  summary: 'Stop a cluster\'s server (fast shutdown unless --mode says otherwise)',
  usage: `${CLUSTER} [--mode smart|fast|immediate] [--timeout <ms>] [--force] [--json]`,
  positionals: true,
  options: [modeOption, timeoutOption, forceOption, jsonOption],
  async run(commandLine, io) {
    const spec = clusterArgument(commandLine, 'stop');
    const mode = readMode(commandLine.values, 'stop');
    const options = { ...timeoutOf(commandLine.values, 'stop'), mode };
    const cluster = await openCluster(spec, io, 'stop', { force: commandLine.values.force === true });
    const result = await cluster.stop(options);
    const text = result.wasRunning ? `${spec}: stopped (pid ${result.pid}, ${result.finalMode} shutdown, ${Math.round(result.durationMs)} ms)\n` : `${spec}: was not running\n`;
    printResult(io, commandLine.values.json === true, { wasRunning: result.wasRunning, pid: result.pid, mode: result.mode, finalMode: result.finalMode, stopped: result.stopped, durationMs: result.durationMs }, text);
    return result.stopped || !result.wasRunning ? exitCodes.ok : exitCodes.failure;
  },
};

/** `pg-cluster restart <cluster>`: stops (if running) and starts again, detached. */
export const restartCommand: CliCommand = {
  name: 'restart',
  summary: 'Restart a cluster\'s server (or start it) and leave it running',
  usage: `${CLUSTER} [--mode smart|fast|immediate] [--timeout <ms>] [--force] [--json]`,
  positionals: true,
  options: [modeOption, timeoutOption, forceOption, jsonOption],
  async run(commandLine, io) {
    const spec = clusterArgument(commandLine, 'restart');
    const mode = readMode(commandLine.values, 'restart');
    const options = { ...timeoutOf(commandLine.values, 'restart'), mode };
    const cluster = await openCluster(spec, io, 'restart', { force: commandLine.values.force === true });
    const started = await cluster.restart({ detached: true, ...options });
    const status = await readClusterStatus(cluster);
    printResult(io, commandLine.values.json === true, status, `${spec}: restarted (pid ${started.pid}), port ${status.port}, log ${status.logFile}\n`);
    return exitCodes.ok;
  },
};

/** `pg-cluster reload <cluster>`: SIGHUP, and what the server said of the files. */
export const reloadCommand: CliCommand = {
  name: 'reload',
  summary: 'Make a running server reread its configuration files, and say what it refused or needs a restart for',
  usage: `${CLUSTER} [--timeout <ms>] [--json]`,
  positionals: true,
  options: [timeoutOption, jsonOption],
  async run(commandLine, io) {
    const spec = clusterArgument(commandLine, 'reload');
    const options = timeoutOf(commandLine.values, 'reload');
    const cluster = await openCluster(spec, io, 'reload');
    const result = await cluster.reload(options);
    printResult(io, commandLine.values.json === true, result, formatReload(spec, result));
    return refusedLines(result).length > 0 ? exitCodes.failure : exitCodes.ok;
  },
};

/** The reload report as lines: refused lines, settings waiting for a restart, or why it could not be checked. */
export function formatReload(spec: string, result: ReloadResult): string {
  const lines = [`${spec}: reloaded (pid ${result.pid})`];
  if (!result.checked) lines.push(`  not checked: ${result.reason ?? 'no connection could be made'}`);
  for (const error of refusedLines(result)) lines.push(`  refused: ${error.sourcefile ?? '?'}:${error.sourceline ?? '?'}${error.name === null ? '' : ` ${error.name}`}: ${error.error}`);
  if (result.pendingRestart.length > 0) lines.push(`  needs a restart: ${result.pendingRestart.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

/**
 * The lines the server refused: pg_file_settings also reports a restart-only change as "could
 * not be applied", which is no refusal (it is in `pendingRestart`), and so is a restart-only
 * setting taken out of the file.
 */
function refusedLines(result: ReloadResult): ReloadResult['errors'] {
  // A setting taken out of the file that needs a restart to return to its default is reported
  // without a file or name: "parameter "shared_buffers" cannot be changed without restarting the server".
  return result.errors.filter((error) => (error.name === null ? !/cannot be changed without restarting the server$/.test(error.error) : !result.pendingRestart.includes(error.name)));
}

/** `pg-cluster status <cluster>`: online or down, exit 0 either way, 3 when there is no such cluster. */
export const statusCommand: CliCommand = {
  name: 'status',
  summary: 'Say whether a cluster is online or down, with its pid, port, socket directory, data directory and log file',
  usage: `${CLUSTER} [--json]`,
  positionals: true,
  options: [jsonOption],
  async run(commandLine, io) {
    const spec = clusterArgument(commandLine, 'status');
    let cluster;
    try {
      cluster = await openCluster(spec, io, 'status');
    } catch (error) {
      if (!(error instanceof NoSuchClusterError)) throw error;
      io.stderr.write(`pg-cluster: ${error.message} [${error.code}]\n`);
      return exitCodes.noSuchCluster;
    }
    const status = await readClusterStatus(cluster);
    printResult(io, commandLine.values.json === true, status, formatClusterStatus(status));
    return exitCodes.ok;
  },
};
