#!/usr/bin/env node
import { readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PgClusterError } from '../index.js';
import type { CliCommand } from './cli-command.js';
import { exitCodes, type CliIo } from './cli-io.js';
import { commands, defaultCommandName } from './commands.js';
import { formatCommandHelp, formatMainHelp } from './help-text.js';
import { parseCommandLine } from './parse-command-line.js';
import { UsageError } from './usage-error.js';

/**
 * Runs `pg-cluster` with `argv` (without the node and script paths) and resolves to the exit
 * status: 0 done, 1 the action failed, 2 the command line was wrong (message on stderr), 3 no
 * such cluster (`status`), and for `tmp -- cmd` the command's own (125: the cluster could not be made).
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  try {
    const [first, ...rest] = argv;
    if (first === '--help' || first === '-h' || first === 'help') {
      const named = first === 'help' && rest[0] !== undefined ? findCommand(rest[0]) : undefined;
      io.stdout.write(named ? formatCommandHelp(named) : formatMainHelp(commands, defaultCommandName));
      return exitCodes.ok;
    }
    if (first === '--version' || first === '-V') {
      if (rest.length > 1 || (rest.length === 1 && rest[0] !== '--json')) throw new UsageError(`--version takes no arguments but --json, got \`${rest.join(' ')}\``, null);
      const version = packageVersion();
      io.stdout.write(rest[0] === '--json' ? `${JSON.stringify({ version })}\n` : `pg-cluster ${version}\n`);
      return exitCodes.ok;
    }
    const explicit = first !== undefined && !first.startsWith('-');
    const command = explicit ? findCommand(first) : findCommand(defaultCommandName);
    const commandLine = parseCommandLine(command, explicit ? rest : argv);
    if (commandLine.values.help === true) {
      io.stdout.write(formatCommandHelp(command));
      return exitCodes.ok;
    }
    return await command.run(commandLine, io);
  } catch (error) {
    if (error instanceof UsageError) {
      const help = error.command === null ? 'pg-cluster --help' : `pg-cluster ${error.command} --help`;
      io.stderr.write(`pg-cluster: ${error.message}\nRun \`${help}\` for usage.\n`);
      return exitCodes.usage;
    }
    const code = error instanceof PgClusterError ? ` [${error.code}]` : '';
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`pg-cluster: ${message}${code}\n`);
    return exitCodes.failure;
  }
}

function findCommand(name: string): CliCommand {
  const command = commands.find((candidate) => candidate.name === name);
  if (!command) throw new UsageError(`unknown command \`${name}\` (commands: ${commands.map((c) => c.name).join(', ')})`, null);
  return command;
}

/** The version in pg-cluster's package.json: the first one up from this module (src/cli, dist/cli, a test's build). */
function packageVersion(): string {
  for (let folder = dirname(fileURLToPath(import.meta.url)); ; folder = dirname(folder)) {
    const manifest = readManifest(join(folder, 'package.json'));
    if (manifest?.name === 'pg-cluster' && typeof manifest.version === 'string') return manifest.version;
    if (dirname(folder) === folder) return 'unknown';
  }
}

function readManifest(path: string): { name?: unknown; version?: unknown } | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as { name?: unknown; version?: unknown };
  } catch {
    return null;
  }
}

function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}

function isMainModule(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isMainModule()) {
  process.exitCode = await main(process.argv.slice(2));
}
