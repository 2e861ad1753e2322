import type { CliCommand } from './cli-command.js';
import { exitCodes } from './cli-io.js';
import { openCluster } from './cluster-target.js';
import { jsonOption, printResult } from './print-result.js';
import { clusterArgument } from './server-commands.js';

/** `pg-cluster drop <cluster>`: stops the server and removes the cluster (one we did not make only with --force). */
export const dropCommand: CliCommand = {
  name: 'drop',
  summary: 'Stop a cluster\'s server and remove the cluster (one pg-cluster did not make only with --force)',
  usage: '<cluster> [--force] [--json]',
  positionals: true,
  options: [{ name: 'force', type: 'boolean', description: 'Also remove a cluster that pg-cluster did not create' }, jsonOption],
  async run(commandLine, io) {
    const spec = clusterArgument(commandLine, 'drop');
    const cluster = await openCluster(spec, io, 'drop');
    const result = await cluster.drop({ force: commandLine.values.force === true });
    const text = [
      `${spec}: dropped`,
      ...result.removed.map((path) => `  removed ${path}`),
      ...result.kept.map((kept) => `  kept ${kept.path} (${kept.reason})`),
      '',
    ].join('\n');
    printResult(io, commandLine.values.json === true, result, text);
    return exitCodes.ok;
  },
};
