import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { execa, type StdoutStderrOption } from 'execa';
import { CommandError } from './command-error.js';
import { registerExitCleanup, sleepSync } from './exit-cleanup.js';
import { isProcessAlive } from './process-state.js';
import type { RunAsUser } from './run-as.js';
import type { ServerExit } from './server-process.js';
import { openServerLog } from './server-log-file.js';
import { userCommand } from './user-command.js';
import { startWatchdog, type Watchdog } from './watchdog.js';
import { READ_NO_FOLLOW } from '../fs/regular-file.js';

export interface SpawnDaemonOptions {
  /** The program (an absolute path) and its arguments: no shell. */
  file: string;
  args: readonly string[];
  /** The OS user to run as (see resolveRunAs); null to run as ourselves. */
  user: RunAsUser | null;
  /** Where stdout and stderr go (appended to; opened without following a link, owned by `user`). */
  logfile: string;
  cwd: string;
  /** The whole environment of the program (nothing of ours is merged in). */
  env: Readonly<Record<string, string>>;
  /** Signal the program gets when the spawning thread dies (setpriv --pdeathsig, else a watchdog). Default SIGTERM. */
  parentDeathSignal?: NodeJS.Signals;
  /**
   * Stop it if Node exits first: `stopSignal`, then SIGKILL after `stopTimeout` ms. Default
   * true; false when the caller registers one cleanup for several daemons (to stop them in its order).
   */
  exitCleanup?: boolean;
  stopSignal?: NodeJS.Signals;
  stopTimeout?: number;
}

/**
 * A long-running program other than `postgres` that this Node process started and owns (etcd,
 * Patroni under its subreaper): run as the server's OS user, in a session of its own, with a
 * parent-death signal and an exit cleanup, as {@link ServerProcess} runs a server. The child
 * does not keep Node alive.
 */
export class DaemonProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** The program and arguments as spawned (including setpriv when used). */
  readonly file: string;
  readonly args: readonly string[];
  readonly hasParentDeathSignal: boolean;
  readonly watchdog: Watchdog | null;
  readonly logPath: string;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ServerExit>;
  #exit: ServerExit | null = null;
  readonly #logOffset: number;
  #holds = 0;

  private constructor(child: ChildProcess, command: { file: string; args: string[]; hasParentDeathSignal: boolean }, options: SpawnDaemonOptions, logOffset: number) {
    this.child = child;
    this.pid = child.pid!;
    this.file = command.file;
    this.args = command.args;
    this.hasParentDeathSignal = command.hasParentDeathSignal;
    this.logPath = options.logfile;
    this.#logOffset = logOffset;
    const { parentDeathSignal = 'SIGTERM', exitCleanup = true, stopSignal = 'SIGTERM', stopTimeout = 10_000 } = options;
    const unregister = exitCleanup ? registerExitCleanup(() => stopProcessesSync([this.pid], stopSignal, stopTimeout), { phase: 'processes' }) : () => undefined;
    this.watchdog = command.hasParentDeathSignal ? null : startWatchdog(this.pid, parentDeathSignal);
    this.exited = new Promise((resolve) => {
      child.once('exit', (exitCode, signal) => {
        this.#exit = { exitCode, signal };
        this.watchdog?.stop();
        unregister();
        resolve(this.#exit);
      });
    });
  }

  /** Spawns the program. Rejects with a CommandError (`COMMAND_NOT_FOUND`) when it cannot be run. */
  static async spawn(options: SpawnDaemonOptions): Promise<DaemonProcess> {
    const { file, args, user, logfile, cwd, env, parentDeathSignal = 'SIGTERM' } = options;
    const command = userCommand(file, args, user, { parentDeathSignal });
    const { fd, offset } = openServerLog(logfile, user);
    const started = Date.now();
    let child;
    try {
      child = execa(command.file, command.args, {
        cwd,
        // A session of its own: a Ctrl-C on our terminal must not reach it; we stop it in our order.
        detached: true,
        stdin: 'ignore',
        stdout: fd as StdoutStderrOption,
        stderr: fd as StdoutStderrOption,
        env: { ...env },
        extendEnv: false,
        ...(command.uid !== undefined ? { uid: command.uid, gid: command.gid! } : {}),
        reject: false,
        buffer: false,
        // The exit cleanup registry stops it (see ServerProcess for why execa's must not).
        cleanup: false,
        forceKillAfterDelay: false,
      });
    } finally {
      closeSync(fd);
    }
    const failure = await Promise.race([
      once(child, 'spawn').then(
        () => null,
        (error: unknown) => error,
      ),
      child.then((result) => (result.failed && child.pid === undefined ? (result.cause ?? result) : null)),
    ]);
    if (failure !== null) {
      const code = (failure as NodeJS.ErrnoException).code;
      throw new CommandError(code === 'ENOENT' || code === 'EACCES' ? 'COMMAND_NOT_FOUND' : 'COMMAND_FAILED', {
        command: file,
        args: [...args],
        exitCode: null,
        signal: null,
        stdout: '',
        stderr: String((failure as Error).message),
        durationMs: Date.now() - started,
        cause: failure,
      });
    }
    const daemon = new DaemonProcess(child, command, options, offset);
    child.unref();
    return daemon;
  }

  /** The exit status once the process has exited, else null. */
  get exit(): ServerExit | null {
    return this.#exit;
  }

  get hasExited(): boolean {
    return this.#exit !== null || !isProcessAlive(this.pid);
  }

  /** Waits at most `ms` for the exit status (null if it does not come); holds Node's event loop meanwhile. */
  async exitWithin(ms: number): Promise<ServerExit | null> {
    if (this.#exit !== null) return this.#exit;
    if (this.#holds++ === 0) this.child.ref();
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([this.exited, new Promise<null>((resolve) => (timer = setTimeout(resolve, ms, null)))]);
    } finally {
      clearTimeout(timer);
      if (--this.#holds === 0) this.child.unref();
    }
  }

  /** Sends a signal; false when the process is already gone. */
  signal(signal: NodeJS.Signals): boolean {
    if (this.#exit !== null) return false;
    try {
      return this.child.kill(signal);
    } catch {
      return false;
    }
  }

  /** `signal`, then SIGKILL when it has not exited within `timeout` ms; resolves once it has exited. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeout = 10_000): Promise<ServerExit> {
    this.signal(signal);
    const exit = await this.exitWithin(timeout);
    if (exit !== null) return exit;
    this.signal('SIGKILL');
    return this.exited;
  }

  /** The end of what it wrote since this start. */
  async outputTail(bytes = 16_384): Promise<string> {
    let handle;
    try {
      handle = await open(this.logPath, READ_NO_FOLLOW);
      const size = (await handle.stat()).size;
      const from = Math.max(this.#logOffset, size - bytes);
      const buffer = Buffer.alloc(Math.max(0, size - from));
      await handle.read(buffer, 0, buffer.length, from);
      return buffer.toString('utf8');
    } catch {
      return '';
    } finally {
      await handle?.close();
    }
  }
}

/**
 * Sends `signal` to every pid at once and waits (synchronously: for exit handlers) at most
 * `timeout` ms for all of them to be gone, then SIGKILLs what remains.
 */
export function stopProcessesSync(pids: readonly number[], signal: NodeJS.Signals, timeout: number): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // gone already
    }
  }
  const deadline = Date.now() + timeout;
  while (pids.some(isProcessAlive) && Date.now() < deadline) sleepSync(10);
  for (const pid of pids.filter(isProcessAlive)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone after all
    }
  }
}
