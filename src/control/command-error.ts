import { PgClusterError } from '../errors.js';

/** How much of a failed command's output an error keeps: the end, where the reason usually is. */
export const OUTPUT_TAIL_BYTES = 4096;

export type CommandErrorCode = 'COMMAND_FAILED' | 'COMMAND_NOT_FOUND';

export interface CommandErrorFields {
  command: string;
  args: readonly string[];
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut?: boolean;
  isCanceled?: boolean;
  cause?: unknown;
}

/**
 * A program that could not be run (`COMMAND_NOT_FOUND`: the file does not exist or is not
 * executable) or that failed (`COMMAND_FAILED`: non-zero exit, killed by a signal, timed out,
 * cancelled). Carries the command line, exit code or signal, and the tails of its output.
 */
export class CommandError extends PgClusterError {
  declare readonly code: CommandErrorCode;
  readonly command: string;
  readonly args: readonly string[];
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** The last {@link OUTPUT_TAIL_BYTES} characters of standard output. */
  readonly stdoutTail: string;
  /** The last {@link OUTPUT_TAIL_BYTES} characters of standard error. */
  readonly stderrTail: string;
  readonly durationMs: number;
  readonly timedOut: boolean;
  readonly isCanceled: boolean;

  constructor(code: CommandErrorCode, fields: CommandErrorFields) {
    const stdoutTail = tailOf(fields.stdout);
    const stderrTail = tailOf(fields.stderr);
    super(code, describeFailure(code, fields, stderrTail), { cause: fields.cause });
    this.command = fields.command;
    this.args = [...fields.args];
    this.exitCode = fields.exitCode;
    this.signal = fields.signal;
    this.stdoutTail = stdoutTail;
    this.stderrTail = stderrTail;
    this.durationMs = fields.durationMs;
    this.timedOut = fields.timedOut ?? false;
    this.isCanceled = fields.isCanceled ?? false;
  }

  /** The command line, quoted for a POSIX shell, for messages and logs. */
  get commandLine(): string {
    return formatCommandLine(this.command, this.args);
  }
}

/** Keeps the end of a (possibly long) output. */
export function tailOf(text: string, limit = OUTPUT_TAIL_BYTES): string {
  return text.length <= limit ? text : `…${text.slice(text.length - limit)}`;
}

/** `file arg 'arg with space'`: quoted only where a shell would need it. */
export function formatCommandLine(command: string, args: readonly string[]): string {
  return [command, ...args].map(quoteForShell).join(' ');
}

function quoteForShell(word: string): string {
  if (word !== '' && /^[\w@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

function describeFailure(code: CommandErrorCode, fields: CommandErrorFields, stderrTail: string): string {
  const line = formatCommandLine(fields.command, fields.args);
  let what: string;
  if (code === 'COMMAND_NOT_FOUND') what = `Command not found or not executable: ${line}`;
  else if (fields.timedOut) what = `Command timed out after ${Math.round(fields.durationMs)} ms: ${line}`;
  else if (fields.isCanceled) what = `Command was cancelled: ${line}`;
  else if (fields.signal !== null) what = `Command was killed with ${fields.signal}: ${line}`;
  else what = `Command failed with exit code ${fields.exitCode ?? 'unknown'}: ${line}`;
  const detail = stderrTail.trim();
  return detail === '' ? what : `${what}\n${detail}`;
}
