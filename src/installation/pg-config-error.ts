import { PgClusterError } from '../errors.js';

export type PgConfigErrorCode = 'PG_CONFIG_NOT_FOUND' | 'PG_CONFIG_FAILED' | 'PG_CONFIG_OUTPUT_INVALID';

/**
 * Running `pg_config` did not give a dictionary: the program is missing or not executable
 * (`PG_CONFIG_NOT_FOUND`), it failed (`PG_CONFIG_FAILED`: exit code, signal or timeout), or its
 * output has no `KEY = value` lines with a VERSION (`PG_CONFIG_OUTPUT_INVALID`). The underlying
 * `CommandError`, when there is one, is the `cause`.
 */
export class PgConfigError extends PgClusterError {
  declare readonly code: PgConfigErrorCode;
  /** The pg_config program as given. */
  readonly command: string;
  readonly args: readonly string[];
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** The end of what pg_config wrote to standard error. */
  readonly stderr: string;
  /** The end of what pg_config wrote to standard output (for `PG_CONFIG_OUTPUT_INVALID`). */
  readonly stdout: string;

  constructor(
    code: PgConfigErrorCode,
    message: string,
    fields: { command: string; args: readonly string[]; exitCode: number | null; signal?: string | null; stderr?: string; stdout?: string; cause?: unknown },
  ) {
    super(code, message, { cause: fields.cause });
    this.command = fields.command;
    this.args = [...fields.args];
    this.exitCode = fields.exitCode;
    this.signal = fields.signal ?? null;
    this.stderr = fields.stderr ?? '';
    this.stdout = fields.stdout ?? '';
  }
}
