import { parseArgs } from 'node:util';
import type { CliCommand, ParsedCommandLine } from './cli-command.js';
import { UsageError } from './usage-error.js';

/** Parses a command's arguments strictly: an unknown option or a missing value is a {@link UsageError}. */
export function parseCommandLine(command: CliCommand, args: readonly string[]): ParsedCommandLine {
  const options: Record<string, { type: 'boolean' | 'string'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const option of command.options) {
    options[option.name] = option.short ? { type: option.type, short: option.short } : { type: option.type };
  }
  try {
    const { values, positionals } = parseArgs({ args: [...args], options, strict: true, allowPositionals: command.positionals ?? false });
    return { values: values as ParsedCommandLine['values'], positionals };
  } catch (error) {
    // parseArgs's messages explain the problem but suggest `--` for positionals; keep the first sentence.
    const message = error instanceof Error ? (error.message.split('. ')[0] ?? error.message).replace(/\.$/, '') : String(error);
    throw new UsageError(message, command.name, { cause: error });
  }
}
