import { execa } from 'execa';
import { expected } from '../errors.js';
import { CommandError } from './command-error.js';

export interface RunInheritedOptions {
  /** Variables added to (or overriding) the current environment. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Aborting sends the program SIGTERM (SIGKILL if it is still there 5 s later) and rejects. */
  signal?: AbortSignal;
  /**
   * Signals this process receives while the program runs that are passed on to the program
   * instead of ending this process; the call still resolves only when the program has exited,
   * so the caller can clean up after it. Default: SIGINT, SIGTERM and SIGHUP. `[]` forwards none.
   */
  forwardSignals?: readonly NodeJS.Signals[];
}

export interface InheritedResult {
  /** The exit status, or `null` when a signal ended the program. */
  exitCode: number | null;
  /** The signal that ended the program, or `null` when it exited. */
  signal: NodeJS.Signals | null;
  /** The signals this process passed on to the program while it ran, in order. */
  forwarded: NodeJS.Signals[];
  durationMs: number;
}

const defaultForwardSignals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Runs a program in the foreground, without a shell: it shares this process's stdin, stdout and
 * stderr (an interactive `psql` works, output streams live). Resolves once it has exited, however
 * it exited (a non-zero status or a signal is a value here, not an error). Rejects with a
 * {@link CommandError}: `COMMAND_NOT_FOUND` when the file is missing or not executable,
 * `COMMAND_FAILED` with `isCanceled` when `signal` aborted it.
 */
export async function runInherited(file: string, args: readonly string[] = [], options: RunInheritedOptions = {}): Promise<InheritedResult> {
  const { env, cwd, signal, forwardSignals = defaultForwardSignals } = options;
  if (typeof file !== 'string' || file === '') throw expected('file', 'a non-empty string', file);
  if (!Array.isArray(args) || args.some((arg) => typeof arg !== 'string')) throw expected('args', 'an array of strings', args);
  if (!Array.isArray(forwardSignals) || forwardSignals.some((name) => typeof name !== 'string' || !/^SIG[A-Z0-9]+$/.test(name))) {
    throw expected('forwardSignals', 'an array of signal names', forwardSignals);
  }

  const subprocess = execa(file, args, {
    reject: false,
    stdio: 'inherit',
    ...(signal !== undefined ? { cancelSignal: signal } : {}),
    ...(env !== undefined ? { env } : {}),
    ...(cwd !== undefined ? { cwd } : {}),
  });
  const forwarded: NodeJS.Signals[] = [];
  const forward = (name: NodeJS.Signals) => {
    forwarded.push(name);
    subprocess.kill(name);
  };
  // Our own listener also tells the exit-cleanup hook to leave the signal to us: the caller
  // cleans up once the program has finished with what it is cleaning up.
  for (const name of forwardSignals) process.on(name, forward);
  let result;
  try {
    result = await subprocess;
  } finally {
    for (const name of forwardSignals) process.removeListener(name, forward);
  }

  if (!result.isCanceled && (result.exitCode !== undefined || result.signal !== undefined)) {
    return { exitCode: result.exitCode ?? null, signal: result.signal ?? null, forwarded, durationMs: result.durationMs };
  }
  // A spawn failure has neither an exit code nor a signal; its cause is the system error.
  const systemCode = (result.cause as { code?: unknown } | undefined)?.code ?? (result as { code?: unknown }).code;
  const notFound = !result.isCanceled && (systemCode === 'ENOENT' || systemCode === 'EACCES');
  throw new CommandError(notFound ? 'COMMAND_NOT_FOUND' : 'COMMAND_FAILED', {
    command: file,
    args,
    exitCode: result.exitCode ?? null,
    signal: result.signal ?? null,
    stdout: '',
    stderr: '',
    durationMs: result.durationMs,
    isCanceled: result.isCanceled,
    cause: result.cause ?? result,
  });
}
