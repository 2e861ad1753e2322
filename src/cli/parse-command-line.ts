import { parseArgs } from 'node:util';
import type { CliCommand, ParsedCommandLine } from './cli-command.js';
import { UsageError } from './usage-error.js';

type ParseArgsOptions = Record<string, { type: 'boolean' | 'string'; short?: string; multiple?: boolean }>;

/**
 * Parses a command's arguments strictly with `node:util`'s parseArgs, the one parser of every
 * command: an unknown option or a missing value is a {@link UsageError}. For a command that runs
 * a command (`tmp -- cmd args…`), everything after `--` is the command, and a word before it
 * (`tmp psql -XAtc …`) is an error that says to put `--` before the command.
 */
export function parseCommandLine(command: CliCommand, args: readonly string[]): ParsedCommandLine {
  const options: ParseArgsOptions = { help: { type: 'boolean', short: 'h' } };
  for (const option of command.options) {
    options[option.name] = { type: option.type, ...(option.short ? { short: option.short } : {}), ...(option.multiple ? { multiple: true } : {}) };
  }
  if (command.runsCommand === true) return parseWithCommand(command, options, args);
  try {
    const { values, positionals } = parseArgs({ args: [...args], options, strict: true, allowPositionals: command.positionals ?? false });
    return { values: values as ParsedCommandLine['values'], positionals };
  } catch (error) {
    throw usageErrorOf(error, command.name);
  }
}

function parseWithCommand(command: CliCommand, options: ParseArgsOptions, args: readonly string[]): ParsedCommandLine {
  // Where the command starts: after `--`, or (a mistake) at the first word that is no option or option value.
  const { tokens } = parseArgs({ args: [...args], options, strict: false, allowPositionals: true, tokens: true });
  const terminator = tokens.find((token) => token.kind === 'option-terminator');
  const stray = tokens.find((token) => token.kind === 'positional' && (terminator === undefined || token.index < terminator.index));
  if (stray !== undefined && stray.kind === 'positional') {
    throw new UsageError(`\`${stray.value}\` is not an option of ${command.name}: put \`--\` before the command (pg-cluster ${command.name} [options] -- ${args.slice(stray.index).join(' ')})`, command.name);
  }
  const own = terminator === undefined ? [...args] : args.slice(0, terminator.index);
  const rest = terminator === undefined ? [] : args.slice(terminator.index + 1);
  if (terminator !== undefined && rest.length === 0) throw new UsageError('`--` must be followed by a command to run', command.name);
  try {
    const { values } = parseArgs({ args: own, options, strict: true, allowPositionals: false });
    return { values: values as ParsedCommandLine['values'], positionals: rest };
  } catch (error) {
    throw usageErrorOf(error, command.name);
  }
}

function usageErrorOf(error: unknown, command: string): UsageError {
  // parseArgs's messages explain the problem but suggest `--` for positionals; keep the first sentence.
  const message = error instanceof Error ? (error.message.split('\n')[0]!.split('. ')[0] ?? error.message).replace(/\.$/, '') : String(error);
  return new UsageError(message, command, { cause: error });
}
