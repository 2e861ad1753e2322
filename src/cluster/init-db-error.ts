import type { CommandError } from '../control/index.js';
import { ClusterInitializationError } from './cluster-initialization-error.js';

/** `initdb` ran and failed. Carries its command line (never a password), exit code and output tails. */
export class InitDBError extends ClusterInitializationError {
  declare readonly code: 'INITDB_FAILED';
  readonly command: string;
  readonly args: readonly string[];
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stdoutTail: string;
  readonly stderrTail: string;
  readonly durationMs: number;
  readonly timedOut: boolean;
  readonly isCanceled: boolean;

  constructor(dataDirectory: string, command: string, args: readonly string[], failure: CommandError) {
    const reason = failure.timedOut
      ? `timed out after ${Math.round(failure.durationMs)} ms`
      : failure.isCanceled
        ? 'was cancelled'
        : failure.signal !== null
          ? `was killed with ${failure.signal}`
          : `exited with code ${failure.exitCode ?? 'unknown'}`;
    const detail = failure.stderrTail.trim();
    super('INITDB_FAILED', `initdb ${reason} for ${dataDirectory}${detail === '' ? '' : `:\n${detail}`}`, { dataDirectory, cause: failure });
    this.command = command;
    this.args = [...args];
    this.exitCode = failure.exitCode;
    this.signal = failure.signal;
    this.stdoutTail = failure.stdoutTail;
    this.stderrTail = failure.stderrTail;
    this.durationMs = failure.durationMs;
    this.timedOut = failure.timedOut;
    this.isCanceled = failure.isCanceled;
  }
}
