import type { CliIo } from './cli-io.js';

/** An option of a command, in `node:util` parseArgs terms. */
export interface CliOption {
  name: string;
  type: 'boolean' | 'string';
  short?: string;
  /** Placeholder for the value of a string option in the help text. */
  value?: string;
  /** A string option that may be given more than once: its value is the array of them all. */
  multiple?: boolean;
  description: string;
}

/** The values of a command's options after parsing, and its positional arguments. */
export interface ParsedCommandLine {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/**
 * A subcommand of `pg-cluster`: its name, a one-line summary, its options, and what it does.
 * `run` resolves to the exit status; it prints through `io` only.
 */
export interface CliCommand {
  name: string;
  summary: string;
  /** Text after `pg-cluster <name>` in the usage line, e.g. `[--json]`. */
  usage: string;
  options: readonly CliOption[];
  /** Whether the command takes positional arguments (default: it takes none). */
  positionals?: boolean;
  /**
   * Whether the positionals are a command to run, after `--` (`tmp -- psql …`): a word before
   * `--` is then a usage error that says to put `--` before the command, and `--` must be
   * followed by one.
   */
  runsCommand?: boolean;
  run(commandLine: ParsedCommandLine, io: CliIo): Promise<number>;
}
