import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { execa, type StdoutStderrOption } from 'execa';
import { CommandError } from './command-error.js';
import { registerExitCleanup, sleepSync } from './exit-cleanup.js';
import { isProcessAlive } from './process-state.js';
import type { RunAsUser } from './run-as.js';
import { lineSplitter, tailLogFile } from './log-tail.js';
import { READ_NO_FOLLOW } from '../fs/regular-file.js';
import { type FileIdentity, isSameFile, openServerLog } from './server-log-file.js';
import { userCommand } from './user-command.js';
import { startWatchdog, type Watchdog } from './watchdog.js';
import { expected } from '../errors.js';

export type SettingValue = string | number | boolean;

export interface SpawnServerOptions {
  /** Path of the `postgres` program. */
  postgres: string;
  dataDirectory: string;
  /** Given as `-c name=value`, one argv item each (no shell). */
  settings?: Readonly<Record<string, SettingValue>>;
  /** The OS user to run as (see resolveRunAs); null to run as ourselves. */
  user: RunAsUser | null;
  /**
   * A file path (appended to; the child writes to it directly) or a writable stream (we pipe). The
   * path is opened without following a link (see openServerLog: UnsafeLogFileError otherwise).
   */
  logfile: string | Writable;
  /** Signal the server gets if the spawning thread dies (Linux, setpriv). Default SIGQUIT; null: none. */
  parentDeathSignal?: NodeJS.Signals | null;
  /** Extra environment variables. `LC_MESSAGES=C` is always set so messages can be classified. */
  env?: Readonly<Record<string, string>>;
  /** Start from this process's environment (default), or false: `env` alone (pg_ctlcluster's way with Debian's `environment` file). */
  inheritEnv?: boolean;
  /** Receives each line the server writes (followed from the log file, or split from the pipe). */
  onOutputLine?: (line: string) => void;
  /**
   * Leave the server running after this process ends, as `pg_ctl start` does: no parent-death
   * signal, no watchdog, no exit cleanup; `logfile` must be a path. Default false.
   */
  detached?: boolean;
}

export interface ServerExit {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

const TAIL_BYTES = 16_384;

/** A setting name the server could accept: letters, digits, `_`, and `.` for extension settings. */
export function isValidSettingName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(name);
}

/** `-c name=value` argv items; booleans become `on`/`off`. Throws on a bad name or value. */
export function settingsArguments(settings: Readonly<Record<string, SettingValue>>): string[] {
  const args: string[] = [];
  for (const [name, value] of Object.entries(settings)) {
    if (!isValidSettingName(name)) throw expected(`settings.${name}`, 'a valid setting name', name);
    let text: string;
    if (typeof value === 'boolean') text = value ? 'on' : 'off';
    else if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
    else if (typeof value === 'string' && !value.includes('\0')) text = value;
    else throw expected(`settings.${name}`, 'a string, a finite number or a boolean', value);
    args.push('-c', `${name}=${text}`);
  }
  return args;
}

/**
 * A `postgres` server process that this Node process started and owns: it holds the child,
 * its exit status, and the tail of its output. The server is stopped if Node exits first (exit
 * cleanup registry) or is killed (parent-death signal). The child does not keep Node alive.
 */
export class ServerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** The program and arguments as spawned (including setpriv when used). */
  readonly file: string;
  readonly args: readonly string[];
  readonly hasParentDeathSignal: boolean;
  /** Whether the server was started to outlive this process (no exit cleanup, no parent-death signal). */
  readonly detached: boolean;
  /** Stands in for the parent-death signal where setpriv could not give one (see startWatchdog). */
  readonly watchdog: Watchdog | null;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ServerExit>;
  #exit: ServerExit | null = null;
  readonly #logPath: string | null;
  readonly #logOffset: number;
  readonly #logIdentity: FileIdentity | null;
  #buffer = '';
  #holds = 0;
  #closed = false;

  private constructor(
    child: ChildProcess,
    command: { file: string; args: string[]; hasParentDeathSignal: boolean },
    log: { path: string | null; offset: number; identity: FileIdentity | null },
    deathSignal: NodeJS.Signals | null,
    detached: boolean,
  ) {
    this.child = child;
    this.pid = child.pid!;
    this.file = command.file;
    this.args = command.args;
    this.hasParentDeathSignal = command.hasParentDeathSignal;
    this.#logPath = log.path;
    this.#logOffset = log.offset;
    this.#logIdentity = log.identity;
    this.detached = detached;
    // A detached server is meant to outlive us: nothing stops it when this process ends.
    const unregister = detached ? () => undefined : registerExitCleanup(() => stopSync(this.pid), { phase: 'processes' });
    this.watchdog = !detached && deathSignal !== null && !command.hasParentDeathSignal ? startWatchdog(this.pid, deathSignal) : null;
    child.once('close', () => {
      this.#closed = true;
    });
    this.exited = new Promise((resolve) => {
      child.once('exit', (exitCode, signal) => {
        this.#exit = { exitCode, signal };
        this.watchdog?.stop();
        unregister();
        resolve(this.#exit);
      });
    });
  }

  /** Spawns the server. Rejects with a CommandError (`COMMAND_NOT_FOUND`) when it cannot be run. */
  static async spawn(options: SpawnServerOptions): Promise<ServerProcess> {
    const { postgres, dataDirectory, settings = {}, user, logfile, env = {}, inheritEnv = true, onOutputLine, detached = false } = options;
    if (typeof detached !== 'boolean') throw expected('detached', 'a boolean', detached);
    if (detached && typeof logfile !== 'string') throw expected('logfile', 'a file path (a detached server outlives this process and its streams)', logfile);
    const parentDeathSignal = detached ? null : (options.parentDeathSignal === undefined ? 'SIGQUIT' : options.parentDeathSignal);
    const serverArgs = ['-D', dataDirectory, ...settingsArguments(settings)];
    const command = userCommand(postgres, serverArgs, user, parentDeathSignal === null ? {} : { parentDeathSignal });
    const childEnv: NodeJS.ProcessEnv = { ...(inheritEnv ? process.env : {}), ...env, LC_MESSAGES: 'C' };
    // LC_ALL would override LC_MESSAGES and translate the messages we classify.
    delete childEnv['LC_ALL'];

    let fd: number | null = null;
    let logPath: string | null = null;
    let offset = 0;
    let identity: FileIdentity | null = null;
    if (typeof logfile === 'string') {
      logPath = logfile;
      // A log file we create for a server that runs as another user is that user's (as its data
      // directory is), so they can read it and tools they run (pg_ctl -l) can append to it.
      ({ fd, offset, identity } = openServerLog(logfile, user));
    }
    // A descriptor number goes to spawn as it is: the server writes to the file itself, with no
    // pipe through Node (execa's types list only 0-9, hence the cast). Without a file: pipes.
    const output = (fd ?? 'pipe') as StdoutStderrOption;
    const started = Date.now();
    let child;
    try {
      child = execa(command.file, command.args, {
        // The server makes a relative hba_file, ident_file or config_file absolute against the
        // folder it starts in (before it moves into the data directory): start it in the data
        // directory, so those resolve there, as Cluster.hbaFile() says.
        cwd: dataDirectory,
        // A session of its own (setsid): a Ctrl-C typed on our terminal (SIGINT to the whole
        // foreground process group) must not reach the server — we stop it ourselves, in our own
        // order — and a detached server keeps running when our terminal or session ends.
        detached: true,
        stdin: 'ignore',
        stdout: output,
        stderr: output,
        // The whole environment is ours to give: execa would merge process.env back in, LC_ALL too.
        env: childEnv,
        extendEnv: false,
        ...(command.uid !== undefined ? { uid: command.uid, gid: command.gid! } : {}),
        // The exit status is a value (see `exited`), never a rejection.
        reject: false,
        // Piped output is read as it comes (below), never collected.
        buffer: false,
        // No kill on our exit from execa (it would send SIGTERM, a smart shutdown that waits for
        // clients, and its signal-exit listeners would make the exit cleanup registry leave
        // SIGINT/SIGTERM/SIGHUP to the "application"): the registry stops servers, then removes
        // their folders, in that order. Execa skips it for a detached child anyway; say so.
        cleanup: false,
        // A SIGTERM from signal() is a smart shutdown: no SIGKILL 5 s later (callers escalate).
        forceKillAfterDelay: false,
      });
    } finally {
      // The child has its own copy of the descriptor.
      if (fd !== null) closeSync(fd);
    }
    // Spawned, or the reason it was not: Node emits `error` (ENOENT, EACCES), which makes `once`
    // reject; a spawn that throws at once, execa reports only in its result (its stand-in child
    // emits nothing), and that result comes only after the exit of a child that did spawn.
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
        command: postgres,
        args: serverArgs,
        exitCode: null,
        signal: null,
        stdout: '',
        stderr: String((failure as Error).message),
        durationMs: Date.now() - started,
        cause: failure,
      });
    }
    const server = new ServerProcess(child, command, { path: logPath, offset, identity }, parentDeathSignal, detached);
    if (onOutputLine !== undefined && logPath !== null) {
      const tail = tailLogFile(logPath, offset, onOutputLine, identity === null ? {} : { identity });
      void server.exited.then(() => tail.stop());
    }
    if (typeof logfile !== 'string') {
      const splitter = onOutputLine === undefined ? null : lineSplitter(onOutputLine);
      if (splitter !== null) void server.exited.then(() => splitter.flush());
      for (const stream of [child.stdout, child.stderr]) {
        if (stream === null) continue;
        stream.on('data', (chunk: Buffer) => {
          server.#remember(chunk.toString('utf8'));
          splitter?.push(chunk.toString('utf8'));
          logfile.write(chunk);
        });
        (stream as unknown as { unref?: () => void }).unref?.();
      }
    }
    child.unref();
    return server;
  }

  /**
   * Waits at most `ms` for the exit status (null if it does not come). The child does not keep
   * Node alive, so while someone waits here it is held referenced: otherwise a script whose last
   * step is `await cluster.stop()` could see its event loop empty before the exit event arrives.
   */
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

  /** The exit status once the process has exited, else null. */
  get exit(): ServerExit | null {
    return this.#exit;
  }

  get hasExited(): boolean {
    return this.#exit !== null || !isProcessAlive(this.pid);
  }

  /** Where the server's output goes, when it is a file. */
  get logPath(): string | null {
    return this.#logPath;
  }

  /**
   * The end of what the server wrote since this start (from the log file, or the pipe). The log is
   * read only while it is the file the server was given: a link or another file put in its place
   * (by the server's OS user, say) gives ''.
   */
  async outputTail(bytes = TAIL_BYTES): Promise<string> {
    if (this.#logPath === null) {
      // Piped output may still be in flight when the exit event comes: wait (briefly) for the
      // pipes to close. The server's own children hold them too, hence the bound.
      if (this.#exit !== null && !this.#closed) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([once(this.child, 'close'), new Promise((resolve) => (timer = setTimeout(resolve, 500)))]);
        clearTimeout(timer);
      }
      return this.#buffer;
    }
    let handle;
    try {
      handle = await open(this.#logPath, READ_NO_FOLLOW);
      const stats = await handle.stat();
      if (this.#logIdentity !== null && !isSameFile(stats, this.#logIdentity)) return '';
      const size = stats.size;
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

  /** Sends a signal; false when the process is already gone. */
  signal(signal: NodeJS.Signals): boolean {
    if (this.#exit !== null) return false;
    try {
      return this.child.kill(signal);
    } catch {
      return false;
    }
  }

  #remember(text: string): void {
    this.#buffer = (this.#buffer + text).slice(-TAIL_BYTES);
  }
}

/** Immediate shutdown, waiting (synchronously, at most 5 s) for the server to be gone. */
function stopSync(pid: number): void {
  try {
    process.kill(pid, 'SIGQUIT');
  } catch {
    return;
  }
  const deadline = Date.now() + 5_000;
  while (isProcessAlive(pid) && Date.now() < deadline) sleepSync(5);
  if (isProcessAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone after all
    }
  }
}
