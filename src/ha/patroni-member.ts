import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { READ_NO_FOLLOW } from '../fs/regular-file.js';
import { DaemonProcess, stopProcessesSync } from '../control/daemon-process.js';
import { readPostmasterPid } from '../control/postmaster-pid.js';
import { childPids, isPostmasterOf, processName } from '../control/process-state.js';
import type { RunAsUser } from '../control/run-as.js';
import { HaError } from './ha-error.js';
import type { HaPrograms } from './ha-programs.js';
import { PatroniClient } from './patroni-client.js';
import { programEnvironment } from './program-environment.js';

export interface PatroniMemberOptions {
  name: string;
  /** The member's own folder (server user's): data directory, pgpass, socket, patroni.log. */
  folder: string;
  dataDirectory: string;
  /** Its YAML file (mode 0600, the server user's). */
  configFile: string;
  host: string;
  port: number;
  restPort: number;
  user: RunAsUser | null;
  programs: HaPrograms;
  auth: { username: string; password: string } | null;
}

/**
 * One Patroni member started here: `tini -s -- /usr/bin/patroni <file>` as the server's OS user
 * (tini is the subreaper that reaps the postmaster Patroni double-forks), with SIGTERM as its
 * parent-death signal, which tini passes on to Patroni, which stops its own PostgreSQL.
 */
export class PatroniMember {
  readonly name: string;
  readonly folder: string;
  readonly dataDirectory: string;
  readonly configFile: string;
  readonly host: string;
  readonly port: number;
  readonly restPort: number;
  readonly client: PatroniClient;
  readonly logFile: string;
  readonly #options: PatroniMemberOptions;
  #process: DaemonProcess | null = null;

  constructor(options: PatroniMemberOptions) {
    this.#options = options;
    this.name = options.name;
    this.folder = options.folder;
    this.dataDirectory = options.dataDirectory;
    this.configFile = options.configFile;
    this.host = options.host;
    this.port = options.port;
    this.restPort = options.restPort;
    this.logFile = join(options.folder, 'patroni.log');
    this.client = new PatroniClient({ url: `http://${options.host}:${options.restPort}`, auth: options.auth });
  }

  /** The subreaper (tini) process, while one started here runs. */
  get process(): DaemonProcess | null {
    return this.#process;
  }

  get isRunning(): boolean {
    return this.#process !== null && !this.#process.hasExited;
  }

  /** Starts Patroni (it bootstraps, clones or rejoins as the DCS says). No-op while running. */
  async start(): Promise<void> {
    if (this.isRunning) return;
    const { programs, user } = this.#options;
    this.#process = await DaemonProcess.spawn({
      file: programs.tini,
      args: ['-s', '--', programs.patroni, this.configFile],
      user,
      logfile: this.logFile,
      cwd: this.folder,
      env: programEnvironment(this.folder),
      parentDeathSignal: 'SIGTERM',
      // HaCluster stops all members at once, then the DCS (they delete their keys on the way out).
      exitCleanup: false,
    });
  }

  /** SIGTERM: Patroni stops PostgreSQL (fast) and leaves; SIGKILL after `timeout`, then the postmaster if it is left. */
  async stop(timeout = 30_000): Promise<void> {
    const daemon = this.#process;
    if (daemon !== null) await daemon.stop('SIGTERM', timeout);
    await this.killLeftoverPostmaster();
  }

  /** Patroni's own pid (tini's child), or null. */
  patroniPid(): number | null {
    const daemon = this.#process;
    if (daemon === null || daemon.hasExited) return null;
    return childPids(daemon.pid).find((pid) => processName(pid) !== 'postgres') ?? null;
  }

  /** The running postmaster's pid (from postmaster.pid, checked against the process), or null. */
  async postgresPid(): Promise<number | null> {
    const file = await readPostmasterPid(this.dataDirectory).catch(() => null);
    return file !== null && isPostmasterOf(file.pid, this.dataDirectory) ? file.pid : null;
  }

  /** After Patroni is gone: a postmaster of its data directory still running gets SIGQUIT. */
  async killLeftoverPostmaster(): Promise<void> {
    const pid = await this.postgresPid();
    if (pid === null) return;
    try {
      process.kill(pid, 'SIGQUIT');
    } catch {
      return;
    }
    const deadline = Date.now() + 5_000;
    while (isPostmasterOf(pid, this.dataDirectory) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  /** killLeftoverPostmaster for exit handlers (synchronous; postmaster.pid read without following a link). */
  killLeftoverPostmasterSync(): void {
    let text = '';
    try {
      const fd = openSync(join(this.dataDirectory, 'postmaster.pid'), READ_NO_FOLLOW);
      try {
        text = readFileSync(fd, 'utf8');
      } finally {
        closeSync(fd);
      }
    } catch {
      return;
    }
    const pid = Number(text.split('\n')[0]);
    if (isPostmasterOf(pid, this.dataDirectory)) stopProcessesSync([pid], 'SIGQUIT', 5_000);
  }

  /** The tail of its output, for errors. */
  async outputTail(bytes = 4_096): Promise<string> {
    return (await this.#process?.outputTail(bytes)) ?? '';
  }

  /** Throws HA_START_FAILED with the output tail when Patroni has exited. */
  async assertRunning(): Promise<void> {
    if (this.isRunning) return;
    throw new HaError('HA_START_FAILED', `Patroni member ${this.name} exited (${JSON.stringify(this.#process?.exit ?? null)})`, {
      member: this.name,
      detail: (await this.outputTail()).trim(),
    });
  }
}

