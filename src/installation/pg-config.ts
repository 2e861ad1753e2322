import { CommandError, runCommand, tailOf } from '../control/index.js';
import { expected } from '../errors.js';
import { PgConfigError } from './pg-config-error.js';

/** `pg_config` output as a dictionary: lower-case keys with `-` turned into `_`, values trimmed. */
export type PgConfigDictionary = Record<string, string>;

export interface PgConfigOptions {
  /** Milliseconds to wait for pg_config. Default 10 000. */
  timeout?: number;
  signal?: AbortSignal;
}

/**
 * Reads `pg_config`'s `KEY = value` lines (`BINDIR = /usr/lib/postgresql/15/bin`). Keys are
 * lower-cased with `-` turned into `_` (Debian prints `INCLUDEDIR-SERVER`); the value is the
 * text after the first ` = `, trimmed; a line without `=` is ignored.
 */
export function parsePgConfig(text: string): PgConfigDictionary {
  const dictionary: PgConfigDictionary = {};
  for (const line of text.split(/\r?\n/)) {
    const equals = line.indexOf('=');
    if (equals === -1) continue;
    const key = line.slice(0, equals).trim().toLowerCase().replaceAll('-', '_');
    if (key === '' || /\s/.test(key)) continue;
    dictionary[key] = line.slice(equals + 1).trim();
  }
  return dictionary;
}

/** The dictionaries pgConfigDictionary() returned, so that `new Installation(dictionary)` knows its `type`. */
const pgConfigOutputs = new WeakSet<object>();

/** Whether `value` is a dictionary pgConfigDictionary() returned (not a copy). */
export function isPgConfigOutput(value: unknown): boolean {
  return typeof value === 'object' && value !== null && pgConfigOutputs.has(value);
}

/**
 * Runs the `pg_config` at `pgConfigPath` without arguments and parses its output
 * ({@link parsePgConfig}). Rejects with a {@link PgConfigError} carrying the command, exit code
 * and stderr when the program is missing, fails, or prints no VERSION.
 */
export async function pgConfigDictionary(pgConfigPath: string, options: PgConfigOptions = {}): Promise<PgConfigDictionary> {
  if (typeof pgConfigPath !== 'string' || pgConfigPath === '') throw expected('pgConfigPath', 'the path of a pg_config program', pgConfigPath);
  const { timeout = 10_000, signal } = options;
  let stdout: string;
  try {
    ({ stdout } = await runCommand(pgConfigPath, [], { timeout, ...(signal ? { signal } : {}) }));
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    const notFound = error.code === 'COMMAND_NOT_FOUND';
    throw new PgConfigError(
      notFound ? 'PG_CONFIG_NOT_FOUND' : 'PG_CONFIG_FAILED',
      notFound ? `pg_config not found or not executable: ${pgConfigPath}` : `pg_config failed: ${error.message}`,
      { command: pgConfigPath, args: [], exitCode: error.exitCode, signal: error.signal, stderr: error.stderrTail, stdout: error.stdoutTail, cause: error },
    );
  }
  const dictionary = parsePgConfig(stdout);
  if (dictionary.version === undefined) {
    throw new PgConfigError('PG_CONFIG_OUTPUT_INVALID', `pg_config printed no VERSION line: ${pgConfigPath}`, {
      command: pgConfigPath,
      args: [],
      exitCode: 0,
      stdout: tailOf(stdout),
    });
  }
  pgConfigOutputs.add(dictionary);
  return dictionary;
}
