import type { StartupFailureCode } from '../control/index.js';
import { PgClusterError } from '../errors.js';

export type ClusterStartupErrorCode = StartupFailureCode | 'NOT_INITIALIZED' | 'PROGRAM_MISSING' | 'UNSUPPORTED_VERSION' | 'UNSAFE_LOG_FILE' | 'DATA_DIRECTORY_MISMATCH';

/**
 * The server did not start: it exited while we waited for it, or could not be run at all.
 * `code` says why where we recognise it (PORT_IN_USE, LOCK_FILE_EXISTS, INVALID_SETTING, …),
 * `logTail` holds the server's last words.
 */
export class ClusterStartupError extends PgClusterError {
  declare readonly code: ClusterStartupErrorCode;
  readonly dataDirectory: string;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly pid: number | null;
  /** The command line that was spawned (including setpriv when used). */
  readonly command: string | null;
  readonly args: readonly string[];
  readonly logTail: string;
  readonly logfile: string | null;

  constructor(
    code: ClusterStartupErrorCode,
    message: string,
    fields: {
      dataDirectory: string;
      exitCode?: number | null;
      signal?: string | null;
      pid?: number | null;
      command?: string | null;
      args?: readonly string[];
      logTail?: string;
      logfile?: string | null;
      cause?: unknown;
    },
  ) {
    super(code, message, { cause: fields.cause });
    this.dataDirectory = fields.dataDirectory;
    this.exitCode = fields.exitCode ?? null;
    this.signal = fields.signal ?? null;
    this.pid = fields.pid ?? null;
    this.command = fields.command ?? null;
    this.args = [...(fields.args ?? [])];
    this.logTail = fields.logTail ?? '';
    this.logfile = fields.logfile ?? null;
  }
}
