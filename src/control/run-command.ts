import { execa } from 'execa';
import { expected } from '../errors.js';
import { CommandError } from './command-error.js';

export interface RunCommandOptions {
  /** Milliseconds before the program is killed (SIGTERM) and the call rejects. No limit by default. */
  timeout?: number;
  /** Cancels the program (SIGTERM) and rejects. */
  signal?: AbortSignal;
  /** Variables added to (or overriding) the current environment. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Run as this user and group id (Node switches; needs root). Prefer userCommand's setpriv wrapping. */
  uid?: number;
  gid?: number;
  /** Text written to the program's stdin (then closed); default: stdin is closed at once. */
  input?: string;
}

export interface CommandResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  durationMs: number;
}

/**
 * Runs a program to completion without a shell, stdin closed, output collected (the final
 * newline removed). Resolves when it exits with status 0; otherwise rejects with a
 * {@link CommandError}: `COMMAND_NOT_FOUND` when the file is missing or not executable,
 * `COMMAND_FAILED` for a non-zero exit, a signal, a timeout or a cancellation.
 */
export async function runCommand(file: string, args: readonly string[] = [], options: RunCommandOptions = {}): Promise<CommandResult> {
  const { timeout, signal, env, cwd, uid, gid, input } = options;
  if (typeof file !== 'string' || file === '') throw expected('file', 'a non-empty string', file);
  if (!Array.isArray(args) || args.some((arg) => typeof arg !== 'string')) throw expected('args', 'an array of strings', args);
  if (timeout !== undefined && !(typeof timeout === 'number' && Number.isFinite(timeout) && timeout >= 0)) {
    throw expected('timeout', 'a non-negative number', timeout);
  }

  const result = await execa(file, args, {
    reject: false,
    ...(input !== undefined ? { input } : { stdin: 'ignore' as const }),
    ...(timeout !== undefined && timeout > 0 ? { timeout } : {}),
    ...(signal !== undefined ? { cancelSignal: signal } : {}),
    ...(env !== undefined ? { env } : {}),
    ...(cwd !== undefined ? { cwd } : {}),
    ...(uid !== undefined ? { uid } : {}),
    ...(gid !== undefined ? { gid } : {}),
  });

  const stdout = typeof result.stdout === 'string' ? result.stdout : '';
  const stderr = typeof result.stderr === 'string' ? result.stderr : '';
  if (!result.failed && result.exitCode === 0) {
    return { stdout, stderr, exitCode: 0, durationMs: result.durationMs };
  }
  // A spawn failure has no exit code; its cause is the system error (ENOENT, EACCES).
  const systemCode = (result.cause as { code?: unknown } | undefined)?.code ?? (result as { code?: unknown }).code;
  const notFound = result.exitCode === undefined && result.signal === undefined && (systemCode === 'ENOENT' || systemCode === 'EACCES');
  throw new CommandError(notFound ? 'COMMAND_NOT_FOUND' : 'COMMAND_FAILED', {
    command: file,
    args,
    exitCode: result.exitCode ?? null,
    signal: result.signal ?? null,
    stdout,
    stderr,
    durationMs: result.durationMs,
    timedOut: result.timedOut,
    isCanceled: result.isCanceled,
    cause: result.cause ?? result,
  });
}
