import { constants as fsConstants } from 'node:fs';
import { access, mkdtemp, open, readdir, realpath, stat, writeFile, unlink } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { inspect, type InspectOptionsStylized } from 'node:util';
import pg from 'pg';
import {
  assertAccessible,
  childPids,
  clearServerRemains,
  chownTree,
  classifyStartupFailure,
  CommandError,
  ensureOwned,
  findServerProcesses,
  hasDsmSegment,
  isPostmasterOf,
  isRoot,
  lastLines,
  mappedDsmSegments,
  parseShmemKey,
  readControlData,
  readPostmasterPid,
  processUid,
  readSysvSegments,
  removeTree,
  resolveRunAs,
  RunAsError,
  runCommand,
  linkedFileAccessAs,
  ServerProcess,
  settingsArguments,
  userCommand,
  waitForExit,
  waitForReady,
  type ControlData,
  type PostmasterPid,
  type RunAsUser,
  type ServerExit,
  type ServerRemains,
  type SettingValue,
  UnsafeLogFileError,
  validateProgressListener,
} from '../control/index.js';
import { formatBoolean, type AllowedSettingValues, type ConfigValue } from '../config/index.js';
import { expected } from '../errors.js';
import { ownLinkAccess, readFileNoFollow, type LinkedFileAccess, type SymlinkOptions } from '../fs/regular-file.js';
import { HbaFile, IdentFile } from '../hba/index.js';
import { describeSettings, Installation, reachableInstallation } from '../installation/index.js';
import { ClusterSettings } from './cluster-settings.js';
import type { FindClustersOptions } from './find-clusters.js';
import type { FoundCluster } from './found-cluster.js';
import type { FromFoundOptions } from './found-cluster-open.js';
import { carryOutDrop, dropConfiguration, planDrop, type DropOptions, type DropResult } from './cluster-drop.js';
import { writeClusterMarker } from './cluster-marker.js';
import { placeConfigFiles, refuseExistingTargets, type ConfigPlacement } from './config-placement.js';
import { resolveClusterLayout, type ClusterLayout, type ClusterLayoutOptions } from './cluster-layout.js';
import { recordWalDirectory } from './wal-directory-record.js';
import { clientHostFor, resolveClusterAddress, type ClusterAddress } from './cluster-address.js';
import { settingNamesArgument, unknownSettingNames, type DescribeSettings } from './setting-names.js';
import { invalidSettingValues, type InvalidSettingValue } from './setting-values.js';
import { ClusterInitializationError } from './cluster-initialization-error.js';
import type { ClusterEvent, ClusterLog } from './cluster-events.js';
import { ClusterNotRunningError } from './cluster-not-running-error.js';
import { missingFileError } from './cluster-not-initialized-error.js';
import { ClusterStartupError } from './cluster-startup-error.js';
import { ClusterTimeoutError } from './cluster-timeout-error.js';
import { InitDBError } from './init-db-error.js';
import { chooseAuthentication, initdbArguments, PEER_MAP, type InitOptions } from './init-arguments.js';
import { writePeerMap } from './peer-map.js';
import { reloadAndReport } from './reload-report.js';
import { nextStopMode, stopSignals, isStopMode, type StopMode } from './stop-mode.js';

/** Cluster.fromDebian's options: fromFound's, and where to look (findClusters' `debianConfigRoot`, `root`, `installations`). */
export interface FromDebianOptions extends FromFoundOptions, Pick<FindClustersOptions, 'debianConfigRoot' | 'root' | 'installations'> {}

/** What a Cluster needs of an installation: the Installation class fits, and so does a faux one. */
export interface ClusterInstallation {
  readonly version?: string;
  readonly versionInfo: { readonly major: number };
  readonly paths: Readonly<Record<string, string | null | undefined>>;
}

export interface ClusterOptions extends ClusterLayoutOptions {
  /**
   * The OS user that runs initdb and postgres when this process is root (they refuse to run as
   * root). Default `postgres`. Not root: leave unset (or name yourself); null: "as myself".
   */
  runAs?: string | null;
  /** Receives typed events; the library prints nothing. */
  log?: ClusterLog;
  /** The superuser name for connectionOptions() when this object did not run init(). Default: the OS user the server runs as. */
  superuser?: string;
  /** The superuser's password for connectionOptions() when this object did not run init() (never shown by inspect or toJSON). */
  password?: string;
  /**
   * The signal the server gets when the Node thread that started it dies, even by SIGKILL
   * (Linux, through setpriv --pdeathsig). Default `SIGQUIT` (immediate shutdown). null turns it
   * off; the exit cleanup (normal exit, SIGINT, SIGTERM, SIGHUP, uncaught exception) still applies.
   */
  parentDeathSignal?: NodeJS.Signals | null;
  /** Also send each line the server writes to `log`, as `{ type: 'server-log', line }` events. */
  serverLog?: boolean;
  /**
   * Read and write postgresql.conf, pg_hba.conf, pg_ident.conf (and what they include) through a
   * symbolic link. Default false: a link is refused with SymlinkedFileError (`FILE_IS_SYMLINK`)
   * and an included one is a diagnostic. As root with a server user, the link's target is read and
   * written as that user (RunAsError `PATH_NOT_ACCESSIBLE` where it may not), never as root.
   */
  followSymlinks?: boolean;
  /** `-c` settings every start gives the server, under the start's own `settings` (a Debian cluster's socket directory and pg_ctl.conf `-o "-c …"`). */
  serverSettings?: Readonly<Record<string, SettingValue>>;
  /** The server's environment in place of this process's (a Debian cluster's `environment` file, as pg_ctlcluster sets it); `LC_MESSAGES=C` is added. */
  serverEnvironment?: Readonly<Record<string, string>>;
  /** The default server log (logPath) in place of `<dataDirectory>.log`: an absolute path. */
  logfile?: string;
  /**
   * Awaited before this object starts a server (`'start'`) and before it signals a running one to
   * stop (`'stop'`: stop, shutdown, kill, restart, drop); what it throws refuses the action,
   * nothing done. Cluster.fromDebian() refuses both while a systemd unit runs the cluster.
   */
  beforeControl?: (action: 'start' | 'stop') => Promise<void>;
}

export interface StartOptions {
  /** A file path (appended to) or a writable stream for the server's output. Default: `<dataDirectory>.log`. */
  logfile?: string | Writable;
  /** Given to the server as `-c name=value`. */
  settings?: Readonly<Record<string, SettingValue>>;
  /** Milliseconds to wait for readiness; default 10,000. */
  timeout?: number;
  /** Longest pause between readiness checks in milliseconds; default 50. */
  delay?: number;
  signal?: AbortSignal;
  /** Wait until the server accepts connections (default). `false` returns once it is spawned. */
  wait?: boolean;
  /**
   * Leave the server running after this Node process ends, as `pg_ctl start` does (what the CLI's
   * `start` uses): a session of its own, no parent-death signal, no exit cleanup, and dispose
   * leaves it running; its output goes to `logfile`, which must then be a path. stop() (from
   * this or any other process) stops it. Default false.
   */
  detached?: boolean;
}

export interface StartResult {
  pid: number;
  /** True when a server was already running: nothing was started. */
  alreadyRunning: boolean;
  /** Where the server's output goes, when it is a file. */
  logfile: string | null;
  /** Whether the server started by this call outlives this process (`detached`); false when nothing was started. */
  detached: boolean;
}

export interface StopOptions {
  /** Default `smart` for stop(); shutdown() is `fast`, kill() is `kill`. */
  mode?: StopMode;
  /** Milliseconds the requested mode gets before escalating (or failing); default 10,000. */
  timeout?: number;
  /** Escalate to the next mode when the timeout runs out (default true); false: ClusterTimeoutError. */
  escalate?: boolean;
  /** Milliseconds each escalation step gets; default 5,000. */
  escalationTimeout?: number;
  signal?: AbortSignal;
  /** Wait until the server is gone (default). */
  wait?: boolean;
}

export interface StopResult {
  /** False when there was no server to stop (the call returned at once). */
  wasRunning: boolean;
  pid: number | null;
  /** The mode asked for. */
  mode: StopMode;
  /** The mode that finally stopped the server (differs from `mode` after escalation). */
  finalMode: StopMode;
  /** The modes escalated to, in order (empty when the requested mode sufficed). */
  escalations: StopMode[];
  /** Whether the server is known to be gone (false only with `wait: false`). */
  stopped: boolean;
  /** The exit status, when this object started the server. */
  exit: ServerExit | null;
  /**
   * True when the postmaster had died without cleaning up (killed outright, crashed, or
   * stopped with `kill`): what it left was looked for and ended or removed (the fields below).
   */
  crashed: boolean;
  /** Processes of the dead postmaster (its orphaned backends) that this call ended. */
  orphans: number[];
  /** Shared memory the dead server left that this call removed: `/dev/shm/PostgreSQL.<n>` files, `SysV <key> <id>` segments. */
  removedSharedMemory: string[];
  /** What is still there after this call: processes that would not end, shared memory that could not be removed. Empty lists when nothing is left. */
  remains: ServerRemains;
  durationMs: number;
}

export interface WaitUntilOptions {
  timeout?: number;
  delay?: number;
  signal?: AbortSignal;
}

export interface ConnectionOptions {
  /** The socket directory, or the TCP host when Unix sockets are off. */
  host: string;
  port: number;
  user: string;
  database?: string;
  /** Set when the server listens on a Unix socket. */
  socketDirectory?: string;
  /** Only when this object's init() was given one. */
  password?: string;
}

/** What `JSON.stringify(cluster)` and `inspect(cluster)` show: never a password. */
export interface ClusterDescription {
  dataDirectory: string;
  /** The installation's version string, when it has one. */
  version: string | null;
  major: number;
  /** The superuser connectionOptions() names, when known. */
  superuser: string | null;
  /** Whether this object holds the superuser's password (from init()); the password itself is never shown. */
  hasPassword: boolean;
}

export interface AddressOptions {
  /**
   * The `-c` settings a start would give (they override the files), e.g. those you will pass to
   * `start()`. Default: the `settings` of this object's last `start()`, which `restart()` reuses.
   */
  settings?: Readonly<Record<string, SettingValue>>;
}

/** `connection()` and `connect()`: node-postgres options laid over `connectionOptions()`'s (`database` picks the database). */
export type ConnectOptions = Omit<pg.ClientConfig, 'host' | 'port' | 'connectionString'>;

export interface ReloadResult {
  pid: number;
  /** Whether the report below comes from the server (false when no connection could be made). */
  checked: boolean;
  /** Lines of the configuration files the server could not apply (`pg_file_settings.error`). */
  errors: Array<{ sourcefile: string | null; sourceline: number | null; name: string | null; error: string }>;
  /**
   * Settings changed in the files to values the server takes, which take effect only after a
   * restart (`pg_settings.pending_restart`; a setting whose line is in `invalid` is not here).
   */
  pendingRestart: string[];
  /**
   * Lines of `errors` whose value the server refuses (`shared_buffers = 'plenty'`), with its
   * reason (`pg_file_settings` says "setting could not be applied" for these and for a
   * restart-only change alike; each such value is put to the server's own check).
   */
  invalid: Array<{ sourcefile: string | null; sourceline: number | null; name: string; value: string; reason: string; allowed: AllowedSettingValues }>;
  /** Why the report could not be made, when `checked` is false. */
  reason?: string;
}

const DEFAULT_TIMEOUT = 10_000;
const DEFAULT_DELAY = 50;
const DEFAULT_ESCALATION_TIMEOUT = 5_000;
/** The oldest server whose postmaster.pid has the status line that readiness is read from. */
const MIN_MAJOR = 10;

/**
 * A PostgreSQL cluster: a data directory and, while it runs, its server process. Follows
 * py-postgresql's `postgresql.cluster.Cluster` in camelCase, with times in milliseconds.
 * A server started by this object is its child: it is stopped on stop(), on dispose, when Node
 * exits, and (Linux) when Node is killed. Servers started by others are controlled through
 * the pid in `postmaster.pid`, after checking that it is that data directory's postmaster.
 */
export class Cluster {
  readonly installation: ClusterInstallation;
  readonly dataDirectory: string;
  readonly #runAs: string | null | undefined;
  readonly #log: ClusterLog | undefined;
  readonly #parentDeathSignal: NodeJS.Signals | null;
  readonly #serverLog: boolean;
  readonly #links: SymlinkOptions;
  readonly #layout: ClusterLayout;
  readonly #serverSettings: Readonly<Record<string, SettingValue>>;
  readonly #serverEnvironment: Readonly<Record<string, string>> | null;
  readonly #logfile: string | null;
  readonly #beforeControl: ((action: 'start' | 'stop') => Promise<void>) | null;
  #superuser: string | undefined;
  #password: string | undefined;
  #server: ServerProcess | null = null;
  #reachable: Promise<Installation> | null = null;
  #lastServer: ServerProcess | null = null;
  /** The directory (device and inode) the last server this object started runs in: see #isReplaced. */
  #startedIn: { dev: number; ino: number } | null = null;
  #starting: Promise<StartResult> | null = null;
  readonly #readyServers = new WeakSet<ServerProcess>();
  /** The `/dev/shm` segments each server we started had mapped once ready (its DSM control segment). */
  readonly #serverSegments = new WeakMap<ServerProcess, string[]>();
  #lastStart: { logfile?: string | Writable; settings?: Readonly<Record<string, SettingValue>>; detached?: boolean } = {};
  /** The cluster's postgresql.conf as a mapping (py-postgresql's `Cluster.settings`). */
  readonly settings: ClusterSettings;

  constructor(installation: ClusterInstallation, dataDirectory: string, options: ClusterOptions = {}) {
    if (installation === null || typeof installation !== 'object' || typeof installation.paths !== 'object' || !Number.isInteger(installation.versionInfo?.major)) {
      throw expected('installation', 'an Installation (paths and versionInfo.major)', installation);
    }
    if (typeof dataDirectory !== 'string' || !isAbsolute(dataDirectory)) {
      throw expected('dataDirectory', 'an absolute path', dataDirectory);
    }
    const { runAs, log, superuser, password, parentDeathSignal = 'SIGQUIT', serverLog = false, followSymlinks = false } = options;
    if (typeof followSymlinks !== 'boolean') throw expected('followSymlinks', 'a boolean', followSymlinks);
    if (runAs !== undefined && runAs !== null && (typeof runAs !== 'string' || runAs === '')) throw expected('runAs', 'a user name or null', runAs);
    if (log !== undefined && typeof log !== 'function') throw expected('log', 'a function', log);
    if (password !== undefined && (typeof password !== 'string' || password === '')) throw expected('password', 'a non-empty string', '<redacted>');
    this.installation = installation;
    this.dataDirectory = resolve(dataDirectory);
    this.#layout = resolveClusterLayout(this.dataDirectory, options);
    const { serverSettings = {}, serverEnvironment, logfile, beforeControl } = options;
    if (serverSettings === null || typeof serverSettings !== 'object') throw expected('serverSettings', 'an object of setting names to values', serverSettings);
    settingsArguments(serverSettings);
    if (serverEnvironment !== undefined && (serverEnvironment === null || typeof serverEnvironment !== 'object' || Object.values(serverEnvironment).some((value) => typeof value !== 'string'))) {
      throw expected('serverEnvironment', 'an object of variable names to strings', serverEnvironment);
    }
    if (logfile !== undefined && (typeof logfile !== 'string' || !isAbsolute(logfile))) throw expected('logfile', 'an absolute path', logfile);
    if (beforeControl !== undefined && typeof beforeControl !== 'function') throw expected('beforeControl', 'a function', beforeControl);
    this.#serverSettings = { ...serverSettings };
    this.#serverEnvironment = serverEnvironment === undefined ? null : { ...serverEnvironment };
    this.#logfile = logfile ?? null;
    this.#beforeControl = beforeControl ?? null;
    this.#runAs = runAs;
    this.#log = log;
    this.#superuser = superuser;
    this.#password = password;
    this.#parentDeathSignal = parentDeathSignal;
    this.#serverLog = serverLog;
    this.#links = followSymlinks ? { followSymlinks, linkAccess: this.#linkAccess() } : {};
    this.settings = new ClusterSettings(
      this.dataDirectory,
      installation.versionInfo.major,
      (names) => this.unknownSettings(names),
      (entries) => invalidSettingValues(this.daemonPath, this.#describeSettings(), this.installation, entries),
      this.#links,
      async () => ((await this.running()) ? this.reload().catch((error: unknown) => (error instanceof ClusterNotRunningError ? null : Promise.reject(error))) : null),
      this.#layout.isSplit ? this.#layout.configFile : undefined,
    );
  }

  /** The postgresql.conf the server reads: `<dataDirectory>/postgresql.conf` unless `configDirectory` or `configFile` says otherwise. */
  get configFile(): string {
    return this.#layout.configFile;
  }

  /** The folder of the configuration files when they are not in the data directory (`configDirectory`, or the folder of `configFile`), else null. */
  get configDirectory(): string | null {
    return this.#layout.configDirectory;
  }

  /**
   * A ready Cluster for the Debian/Ubuntu cluster `/etc/postgresql/<version>/<name>` (found as
   * findClusters() finds it): its config folder, run as its owner, with its pg_ctl.conf options
   * and `environment` file as pg_ctlcluster runs it; start and stop refused (DebianClusterError
   * `SYSTEMD_UNIT_ACTIVE`) while systemd runs it, unless `force`. DebianClusterError
   * `CLUSTER_NOT_FOUND` when there is no such cluster.
   */
  static async fromDebian(version: string | number, name: string, options: FromDebianOptions = {}): Promise<Cluster> {
    if (!/^\d+(?:\.\d+)?$/.test(String(version))) throw expected('version', 'a major version such as `15`', version);
    if (typeof name !== 'string' || !/^[^/\s'"]+$/.test(name) || name === '.' || name === '..') throw expected('name', 'a cluster name such as `main`', name);
    const { debianConfigRoot, root, installations, ...rest } = options;
    const [{ findClusters }, { DebianClusterError }] = await Promise.all([import('./find-clusters.js'), import('./debian-cluster-error.js')]);
    const found = (
      await findClusters({ sources: ['debian'], ...(debianConfigRoot !== undefined ? { debianConfigRoot } : {}), ...(root !== undefined ? { root } : {}), ...(installations !== undefined ? { installations } : {}) })
    ).find((cluster) => cluster.debian?.version === String(version) && cluster.debian.name === name);
    if (found === undefined) throw new DebianClusterError('CLUSTER_NOT_FOUND', `There is no Debian cluster ${version}/${name} (no ${join(debianConfigRoot ?? '/etc/postgresql', String(version), name, 'postgresql.conf')})`);
    return Cluster.fromFound(found, rest);
  }

  /** A ready Cluster for a cluster findClusters() found (see {@link fromDebian} for a Debian one). InstallationNotFoundError when no installation of its major is known. */
  static async fromFound(found: FoundCluster, options: FromFoundOptions = {}): Promise<Cluster> {
    const { openFoundCluster } = await import('./found-cluster-open.js');
    return openFoundCluster(found, options);
  }

  /** The program that runs the server (`postgres`), or null if the installation has none. */
  get daemonPath(): string | null {
    return this.installation.paths['postgres'] ?? null;
  }

  /** The server process this object started (kept after it exits, with its exit status), or null. */
  get daemonProcess(): ServerProcess | null {
    return this.#server ?? this.#lastServer;
  }

  /** The default server log: the `logfile` option, else a file beside the data directory. */
  get logPath(): string {
    return this.#logfile ?? `${this.dataDirectory}.log`;
  }

  /**
   * The path to run `name` from as `user`: the installation's own, or — when that user cannot
   * reach it (npm-installed binaries in a project under /root, say) — the same program in a
   * copy of the installation that user can reach (see `reachableInstallation`).
   */
  async #programFor(name: 'initdb' | 'postgres', path: string, user: RunAsUser | null): Promise<string> {
    if (user === null || !isRoot() || !(this.installation instanceof Installation)) return path;
    this.#reachable ??= reachableInstallation(this.installation, user).catch((error: unknown) => {
      this.#reachable = null;
      throw error;
    });
    return (await this.#reachable).paths[name] ?? path;
  }

  /** How a followed link's target is reached: as the server's user when we are root, else as ourselves. */
  #linkAccess(): LinkedFileAccess {
    const access = async (): Promise<LinkedFileAccess> => {
      const user = await resolveRunAs(this.#runAs);
      return user !== null && isRoot() ? linkedFileAccessAs(user) : ownLinkAccess();
    };
    return {
      read: async (path) => (await access()).read(path),
      write: async (path, data) => (await access()).write(path, data),
    };
  }

  /** The OS user the server programs run as (null: this process's own user). */
  async runAsUser(): Promise<RunAsUser | null> {
    return resolveRunAs(this.#runAs);
  }

  // ── initialization ────────────────────────────────────────────────────────────────────────

  /** Whether the data directory exists and looks like a cluster: `PG_VERSION` and `base` in it, and its `postgresql.conf` ({@link configFile}). */
  async initialized(): Promise<boolean> {
    const [version, conf, base] = await Promise.all(
      [join(this.dataDirectory, 'PG_VERSION'), this.configFile, join(this.dataDirectory, 'base')].map((path) => stat(path).catch(() => null)),
    );
    return Boolean(version?.isFile() && conf?.isFile() && base?.isDirectory());
  }

  /**
   * Runs `initdb` on the data directory. Refuses a non-empty directory, an existing cluster
   * (of any version) and a path inside another cluster. The password goes through a
   * temporary file of mode 0600, removed afterwards. Authentication, unless chosen: with a
   * password `scram-sha-256` everywhere; without, `peer` on the socket for the OS user running
   * this, root and the server's OS user (as the superuser, through the pg_ident.conf map
   * {@link PEER_MAP}) and `reject` over TCP.
   */
  async init(options: InitOptions = {}): Promise<void> {
    const { password, timeout = DEFAULT_TIMEOUT, signal } = options;
    validateTimeout(timeout);
    validateProgressListener(options.onProgress);
    signal?.throwIfAborted();
    if (password !== undefined && (typeof password !== 'string' || password.includes('\n') || password.includes('\0'))) {
      throw expected('password', 'a string without newlines', '<redacted>');
    }
    const initdb = this.installation.paths['initdb'] ?? null;
    if (initdb === null || !(await isExecutable(initdb))) {
      throw new ClusterInitializationError(
        'INITDB_MISSING',
        `The installation has no${initdb === null ? '' : ' executable'} initdb${initdb === null ? '' : ` at ${initdb}`}: cannot initialize ${this.dataDirectory}`,
        { dataDirectory: this.dataDirectory, path: initdb },
      );
    }
    await this.#refuseOccupied();
    const placements = this.#configPlacements();
    await refuseExistingTargets(this.dataDirectory, placements);
    const user = await resolveRunAs(this.#runAs);
    const { mapsPeer, ...authentication } = chooseAuthentication(options);
    const args = initdbArguments(this.dataDirectory, { ...options, ...authentication }, this.installation.versionInfo.major);

    const created: string[] = [];
    // Only a WAL directory init() makes is removed by drop(): one that was there stays.
    const makesWaldir = options.waldir !== undefined && !(await exists(options.waldir));
    const program = await this.#programFor('initdb', initdb, user);
    if (user !== null && isRoot()) {
      // initdb runs as `user`, who must be able to create the data directory: make it for them.
      assertAccessible(program, user, 'execute');
      for (const folder of [this.dataDirectory, options.waldir]) {
        if (folder === undefined) continue;
        assertAccessible(folder, user);
        if (!(await exists(folder))) created.push(folder);
        await ensureOwned(folder, user, { mode: 0o700 });
      }
    }
    let secretFolder: string | null = null;
    try {
      if (password !== undefined) {
        secretFolder = await mkdtemp(join(tmpdir(), 'pg-cluster-pw-'));
        const pwfile = join(secretFolder, 'pwfile');
        await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
        await chownTree(secretFolder, user);
        if (user !== null && isRoot()) assertAccessible(pwfile, user);
        args.push(`--pwfile=${pwfile}`);
      }
      const command = userCommand(program, args, user);
      this.#emit({ type: 'init', message: `initdb ${this.dataDirectory}`, dataDirectory: this.dataDirectory, command: initdb, args });
      options.onProgress?.({ step: 'initdb', message: `running initdb for ${this.dataDirectory}` });
      const started = Date.now();
      try {
        const result = await runCommand(command.file, command.args, {
          timeout,
          ...(signal !== undefined ? { signal } : {}),
          ...(command.uid !== undefined ? { uid: command.uid, gid: command.gid! } : {}),
        });
        if (options.logfile !== undefined) await writeCommandOutput(options.logfile, result.stdout, result.stderr);
      } catch (error) {
        for (const folder of created) await removeTree(folder);
        if (error instanceof CommandError) {
          if (options.logfile !== undefined) await writeCommandOutput(options.logfile, error.stdoutTail, error.stderrTail).catch(() => undefined);
          throw new InitDBError(this.dataDirectory, initdb, args, error);
        }
        throw error;
      }
      if (mapsPeer) {
        const me = currentUserName();
        await writePeerMap(join(this.dataDirectory, 'pg_hba.conf'), join(this.dataDirectory, 'pg_ident.conf'), {
          map: PEER_MAP,
          superuser: options.user ?? user?.user ?? me,
          systemUsers: [me, 'root', user?.user ?? me],
          major: this.installation.versionInfo.major,
        }).catch(async (error: unknown) => {
          for (const folder of created) await removeTree(folder).catch(() => undefined);
          throw error;
        });
      }
      await writeClusterMarker(this.dataDirectory);
      await placeConfigFiles(this.dataDirectory, placements, user).catch(async (error: unknown) => {
        for (const folder of created) await removeTree(folder).catch(() => undefined);
        throw error;
      });
      if (makesWaldir) await recordWalDirectory(this.dataDirectory, resolve(options.waldir!));
      this.#emit({ type: 'initialized', message: `initialized ${this.dataDirectory}`, dataDirectory: this.dataDirectory, durationMs: Date.now() - started });
    } finally {
      // Given to the server's user for initdb: removed without following what it may have put there.
      if (secretFolder !== null) await removeTree(secretFolder);
    }
    this.#superuser = options.user ?? this.#superuser ?? user?.user;
    this.#password = password;
  }

  /** Where init() puts the configuration files initdb writes: the layout's places (the data directory unless split). */
  #configPlacements(): ConfigPlacement[] {
    const layout = this.#layout;
    return [
      { name: 'postgresql.conf', target: layout.configFile },
      { name: 'pg_hba.conf', target: layout.hbaFile ?? join(layout.defaultDirectory, 'pg_hba.conf') },
      { name: 'pg_ident.conf', target: layout.identFile ?? join(layout.defaultDirectory, 'pg_ident.conf') },
    ];
  }

  async #refuseOccupied(): Promise<void> {
    const dataDirectory = this.dataDirectory;
    const entries = await readdir(dataDirectory).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      if (error.code === 'ENOTDIR') {
        throw new ClusterInitializationError('DATA_DIRECTORY_NOT_EMPTY', `${dataDirectory} exists and is not a directory`, { dataDirectory, path: dataDirectory });
      }
      throw error;
    });
    if (entries !== null && entries.includes('PG_VERSION')) {
      // The folder may be the server's user's: never read through a link (its target would be
      // quoted in the message) nor from a FIFO, and quote only what looks like a version.
      const text = (await readFileNoFollow(join(dataDirectory, 'PG_VERSION')).catch(() => null))?.toString('utf8').trim() ?? '?';
      const version = /^\d+(\.\d+)?$/.test(text) ? text : '?';
      const mine = String(this.installation.versionInfo.major);
      throw new ClusterInitializationError(
        'ALREADY_INITIALIZED',
        `${dataDirectory} already holds a PostgreSQL ${version} cluster${version === mine ? '' : ` (this installation is ${mine})`}`,
        { dataDirectory, path: join(dataDirectory, 'PG_VERSION') },
      );
    }
    if (entries !== null && entries.length > 0) {
      throw new ClusterInitializationError('DATA_DIRECTORY_NOT_EMPTY', `${dataDirectory} is not empty (${entries.length} entries); initdb needs an empty or missing directory`, {
        dataDirectory,
        path: dataDirectory,
      });
    }
    for (let folder = dirname(dataDirectory); ; folder = dirname(folder)) {
      if (await exists(join(folder, 'PG_VERSION')) && (await exists(join(folder, 'global', 'pg_control')))) {
        throw new ClusterInitializationError('INSIDE_ANOTHER_CLUSTER', `${dataDirectory} is inside the data directory of another cluster, ${folder}`, {
          dataDirectory,
          path: folder,
        });
      }
      if (dirname(folder) === folder) break;
    }
  }

  // ── state ─────────────────────────────────────────────────────────────────────────────────

  /**
   * The running postmaster: ours while it lives, else the one named by postmaster.pid (checked),
   * else one found in /proc working in the data directory, also when that directory was removed
   * or renamed under it (see findServerProcesses): such a server still runs, and is ours to stop.
   */
  async #target(): Promise<{ pid: number; server: ServerProcess | null } | null> {
    const server = this.#server;
    if (server !== null && !server.hasExited) return { pid: server.pid, server };
    if (await this.#isReplaced()) return null;
    const lock = await readPostmasterPid(this.dataDirectory);
    if (lock !== null && isPostmasterOf(lock.pid, this.dataDirectory)) return { pid: lock.pid, server: null };
    const found = findServerProcesses(this.dataDirectory, { uid: await this.#serverUid(), postmasterPid: lock?.pid ?? this.#lastServer?.pid ?? null });
    if (found.postmaster !== null) return { pid: found.postmaster, server: null };
    return null;
  }

  /**
   * Whether the data directory path now names another directory than the one this object's last
   * server was started in: the server's user (who may own the folder above, as in a throwaway
   * cluster) replaced it by a link to, or a copy of, someone else's. Then nothing found by the
   * path — a postmaster.pid, processes working there, shared memory — is ours to signal or
   * remove. A path that is gone is not replaced (a removed or renamed directory is still followed
   * to its server).
   */
  async #isReplaced(): Promise<boolean> {
    const known = this.#startedIn;
    if (known === null) return false;
    const now = await stat(this.dataDirectory).catch(() => null);
    return now !== null && (now.dev !== known.dev || now.ino !== known.ino);
  }

  /**
   * As root, a server this object did not start is signalled only when it runs as the run-as
   * user: the data directory's path is the server user's to change (a `data` folder swapped for a
   * link to another OS user's running data directory), and root must not stop that other server.
   */
  async #refuseForeignServer(target: { pid: number; server: ServerProcess | null }): Promise<void> {
    if (target.server !== null || !isRoot()) return;
    const user = await resolveRunAs(this.#runAs).catch(() => null);
    const uid = processUid(target.pid);
    if (user === null || uid === null || uid === user.uid) return;
    throw new RunAsError(
      'SERVER_NOT_OURS',
      `The server of ${this.dataDirectory} (pid ${target.pid}) runs as uid ${uid}, not as \`${user.user}\` (uid ${user.uid}), the user this Cluster runs servers as: it is not signalled. If that server is meant to be controlled here, pass its OS user as \`runAs\`.`,
      { user: user.user, path: this.dataDirectory },
    );
  }

  /** The uid the server runs as: as root the run-as user's; else the data directory's owner (the server insists on it), else ours. */
  async #serverUid(): Promise<number> {
    const runAs = await resolveRunAs(this.#runAs).catch(() => null);
    if (isRoot() && runAs !== null) return runAs.uid;
    const owner = (await stat(this.dataDirectory).catch(() => null))?.uid;
    return owner ?? runAs?.uid ?? process.getuid?.() ?? 0;
  }

  /** The server's pid, or null when no server is running. */
  async pid(): Promise<number | null> {
    return (await this.#target())?.pid ?? null;
  }

  /** Whether a server process is running for this data directory (ready or not). */
  async running(): Promise<boolean> {
    return (await this.#target()) !== null;
  }

  /**
   * true: accepting connections (status `ready`: a primary, or a hot standby); false: starting,
   * stopping, or in recovery and not accepting (status `standby`: a standby with hot_standby off);
   * null: not running.
   */
  async readyForConnections(): Promise<boolean | null> {
    const target = await this.#target();
    if (target === null) return null;
    const lock = await readPostmasterPid(this.dataDirectory);
    if (lock === null || lock.pid !== target.pid) return false;
    return lock.status === 'ready';
  }

  /** The lock file of the running server, or null. */
  async postmaster(): Promise<PostmasterPid | null> {
    const target = await this.#target();
    if (target === null) return null;
    const lock = await readPostmasterPid(this.dataDirectory);
    return lock !== null && lock.pid === target.pid ? lock : null;
  }

  // ── start ─────────────────────────────────────────────────────────────────────────────────

  /**
   * Starts `postgres` as a child of this process unless a server already runs for this data
   * directory (then a no-op with `alreadyRunning: true`). Waits until it accepts connections
   * unless `wait: false`. On failure the child is gone and the error carries the log tail.
   */
  async start(options: StartOptions = {}): Promise<StartResult> {
    if (this.#starting !== null) return this.#starting;
    this.#starting = this.#start(options);
    try {
      return await this.#starting;
    } finally {
      this.#starting = null;
    }
  }

  /**
   * start() for a data directory this process has just made itself as a copy of its own template,
   * in a folder of its own handed to the server's user (a throwaway cluster): no server can run
   * there and no crash can have left anything, so the look for a running server and for crash
   * remains (scans of /proc), the check that it is initialized and the checks that the user can
   * reach the program, the directory and the socket directory (made by the caller) are skipped.
   */
  protected async startFreshCopy(options: StartOptions = {}): Promise<StartResult> {
    if (this.#starting !== null) return this.#starting;
    this.#starting = this.#start(options, true);
    try {
      return await this.#starting;
    } finally {
      this.#starting = null;
    }
  }

  async #start(options: StartOptions, isFreshCopy = false): Promise<StartResult> {
    const { logfile = this.logPath, settings = {}, timeout = DEFAULT_TIMEOUT, delay = DEFAULT_DELAY, signal, wait = true, detached = false } = options;
    validateTimeout(timeout);
    if (typeof detached !== 'boolean') throw expected('detached', 'a boolean', detached);
    if (detached && typeof logfile !== 'string') throw expected('logfile', 'a file path (a detached server outlives this process and its streams)', logfile);
    if (settings === null || typeof settings !== 'object') throw expected('settings', 'an object of setting names to values', settings);
    if (typeof logfile !== 'string' && (logfile === null || typeof (logfile as Writable).write !== 'function')) {
      throw expected('logfile', 'a file path or a writable stream', logfile);
    }
    settingsArguments(settings); // validates names and values before anything happens
    signal?.throwIfAborted();
    const major = this.installation.versionInfo.major;
    if (major < MIN_MAJOR) {
      // Readiness is read from the status line of postmaster.pid, which older servers do not write.
      throw new ClusterStartupError('UNSUPPORTED_VERSION', `PostgreSQL ${major} cannot be started by pg-cluster: it needs ${MIN_MAJOR} or newer`, {
        dataDirectory: this.dataDirectory,
      });
    }
    this.#lastStart = { logfile, settings, detached };

    const running = isFreshCopy ? null : await this.#target();
    if (running !== null) {
      if (wait) await this.waitUntilStarted({ timeout, delay, ...(signal !== undefined ? { signal } : {}) });
      return { pid: running.pid, alreadyRunning: true, logfile: running.server?.logPath ?? null, detached: false };
    }
    const postgres = this.daemonPath;
    if (postgres === null || !(await isExecutable(postgres))) {
      const what = postgres === null ? 'no postgres program' : `no executable postgres at ${postgres}`;
      throw new ClusterStartupError('PROGRAM_MISSING', `The installation has ${what}: cannot start ${this.dataDirectory}`, {
        dataDirectory: this.dataDirectory,
      });
    }
    if (!isFreshCopy && !(await this.initialized())) {
      const conf = this.#layout.isSplit ? `, or no ${this.configFile}` : '';
      throw new ClusterStartupError('NOT_INITIALIZED', `${this.dataDirectory} is not a PostgreSQL data directory (no PG_VERSION, postgresql.conf or base${conf}); run init() first`, {
        dataDirectory: this.dataDirectory,
      });
    }
    const layoutSettings = await this.#layoutSettings();
    if (this.#beforeControl !== null) await this.#beforeControl('start');
    const user = await resolveRunAs(this.#runAs);
    const program = await this.#programFor('postgres', postgres, user);
    if (!isFreshCopy) {
      if (user !== null && isRoot()) {
        assertAccessible(program, user, 'execute');
        assertAccessible(this.dataDirectory, user);
      }
      await this.#prepareSocketDirectories({ ...this.#serverSettings, ...settings }, user);
      await this.#clearCrashRemains();
    }

    const server = await ServerProcess.spawn({
      postgres: program,
      dataDirectory: this.dataDirectory,
      settings: { lc_messages: 'C', ...layoutSettings, ...this.#serverSettings, ...settings },
      ...(this.#serverEnvironment !== null ? { env: this.#serverEnvironment, inheritEnv: false } : {}),
      user,
      logfile,
      parentDeathSignal: detached ? null : this.#parentDeathSignal,
      detached,
      ...(this.#serverLog && this.#log !== undefined
        ? { onOutputLine: (line: string) => this.#emit({ type: 'server-log', message: line, dataDirectory: this.dataDirectory, line }) }
        : {}),
    }).catch((error: unknown) => {
      if (error instanceof CommandError) {
        throw new ClusterStartupError('PROGRAM_MISSING', `Could not run ${postgres}: ${error.message}`, {
          dataDirectory: this.dataDirectory,
          command: postgres,
          cause: error,
        });
      }
      if (error instanceof UnsafeLogFileError) {
        throw new ClusterStartupError('UNSAFE_LOG_FILE', error.message, { dataDirectory: this.dataDirectory, logfile: error.path, cause: error });
      }
      const code = (error as NodeJS.ErrnoException).code;
      if (typeof logfile === 'string' && (code === 'EACCES' || code === 'ENOENT' || code === 'EROFS' || code === 'EISDIR')) {
        throw new ClusterStartupError('PERMISSIONS', `Cannot open the server log ${logfile} (${code}); pass another \`logfile\``, {
          dataDirectory: this.dataDirectory,
          logfile,
          cause: error,
        });
      }
      throw error;
    });
    this.#server = server;
    this.#lastServer = server;
    this.#startedIn = await stat(this.dataDirectory).then(
      ({ dev, ino }) => ({ dev, ino }),
      () => null,
    );
    const spawnedAt = Date.now();
    void server.exited.then((exit) => {
      this.#emit({ type: 'exit', message: `server ${server.pid} exited`, dataDirectory: this.dataDirectory, pid: server.pid, exitCode: exit.exitCode, signal: exit.signal });
    });
    this.#emit({
      type: 'spawn',
      message: `started postgres (pid ${server.pid}) for ${this.dataDirectory}`,
      dataDirectory: this.dataDirectory,
      pid: server.pid,
      command: server.file,
      args: server.args,
      logfile: server.logPath,
    });
    if (wait) {
      try {
        await this.waitUntilStarted({ timeout, delay, ...(signal !== undefined ? { signal } : {}) });
      } catch (error) {
        // A start that did not succeed leaves nothing behind.
        if (!server.hasExited) {
          server.signal('SIGQUIT');
          await waitForExit(server.pid, server, { timeout: DEFAULT_ESCALATION_TIMEOUT });
          if (!server.hasExited) server.signal('SIGKILL');
        }
        this.#server = null;
        throw error;
      }
      this.#serverSegments.set(server, mappedDsmSegments([server.pid]));
      this.#emit({ type: 'ready', message: `server ${server.pid} is ready`, dataDirectory: this.dataDirectory, pid: server.pid, durationMs: Date.now() - spawnedAt });
    }
    return { pid: server.pid, alreadyRunning: false, logfile: server.logPath, detached };
  }

  /**
   * What the server is told of a split layout: `config_file`, and `hba_file`/`ident_file` as
   * hbaFile()/identFile() resolve them (an option, postgresql.conf, else the config directory),
   * since the server's own default is the `-D` folder. A `data_directory` in postgresql.conf
   * (Debian writes one) must name this data directory: it would win over `-D`.
   */
  async #layoutSettings(): Promise<Record<string, string>> {
    const layout = this.#layout;
    const given = (await this.settings.effective().catch(() => null))?.settings.get('data_directory')?.value ?? null;
    if (given !== null && given !== '') {
      const named = await realpath(resolve(this.dataDirectory, given)).catch(() => resolve(this.dataDirectory, given));
      const ours = await realpath(this.dataDirectory).catch(() => this.dataDirectory);
      if (named !== ours) {
        throw new ClusterStartupError('DATA_DIRECTORY_MISMATCH', `${this.configFile} sets data_directory = '${given}', which is not ${this.dataDirectory}: the server would run that directory instead`, {
          dataDirectory: this.dataDirectory,
        });
      }
    }
    const settings: Record<string, string> = {};
    if (layout.isSplit) settings['config_file'] = layout.configFile;
    if (layout.isSplit || layout.hbaFile !== null) settings['hba_file'] = await this.hbaFile();
    if (layout.isSplit || layout.identFile !== null) settings['ident_file'] = await this.identFile();
    return settings;
  }

  /**
   * The socket directories (from `settings`, else from the configuration files) must be writable
   * by the server's user: a missing one is created (mode 0755), as root for that user (not root:
   * where we can; the server reports one it cannot use). An existing
   * one is never changed: as root it must be a directory (not a link) that user owns or can already
   * write (/tmp); anything else, a folder root owns included, is a RunAsError (PATH_NOT_OWNED,
   * PATH_IS_SYMLINK) that says what to do.
   */
  async #prepareSocketDirectories(settings: Readonly<Record<string, SettingValue>>, user: RunAsUser | null): Promise<void> {
    let value = settings['unix_socket_directories'];
    if (value === undefined) {
      value = (await this.settings.effective().catch(() => null))?.settings.get('unix_socket_directories')?.value ?? undefined;
    }
    if (typeof value !== 'string' || value.trim() === '') return;
    for (const folder of value.split(',').map((item) => item.trim().replace(/^'|'$/g, ''))) {
      if (!isAbsolute(folder)) continue;
      if (user !== null && isRoot()) assertAccessible(folder, user);
      // Not root, nothing is given away: a folder we cannot create is the server's to report.
      await ensureOwned(folder, user, { mode: 0o755, acceptWritable: true }).catch((error: unknown) => {
        if (user !== null && isRoot()) throw error;
      });
    }
  }

  /**
   * What a crash leaves behind, handled before a start: a lock file whose process is gone (or is
   * a zombie, or another program) is removed, as the server would (it cannot see through a
   * zombie); children of a dead postmaster still working in the data directory are asked to quit
   * (SIGQUIT, then SIGKILL), as the server's own hint says, since they hold its shared memory.
   */
  async #clearCrashRemains(): Promise<void> {
    if (await this.#isReplaced()) return;
    const lock = await readPostmasterPid(this.dataDirectory);
    const stale = lock !== null && !isPostmasterOf(lock.pid, this.dataDirectory);
    await this.#clearServerRemains(stale ? lock : null, [], DEFAULT_ESCALATION_TIMEOUT);
    if (stale) await unlink(join(this.dataDirectory, 'postmaster.pid')).catch(() => undefined);
  }

  /** clearServerRemains for this data directory, with what this object knows of the last server it started. */
  async #clearServerRemains(lock: PostmasterPid | null, processes: number[], timeout: number, segments: string[] = []) {
    const last = this.#lastServer;
    // Another directory at our path: what is found there (its lock, its processes) is not ours.
    if (await this.#isReplaced()) return { endedProcesses: [], removedSharedMemory: [], remains: { processes: [], sharedMemory: [] } };
    return clearServerRemains({
      dataDirectory: this.dataDirectory,
      uid: await this.#serverUid(),
      lock,
      processes,
      segments: [...segments, ...(last === null ? [] : (this.#serverSegments.get(last) ?? []))],
      timeout,
    });
  }

  /**
   * Waits until the server has started: it accepts connections (`ready`) or, as pg_ctl counts it,
   * it is a standby with hot_standby off, up for good but never accepting (`standby`; then
   * readyForConnections() stays false). Raises ClusterNotRunningError (no server),
   * ClusterStartupError (it exited meanwhile; `code` says why, `logTail` shows it) or
   * ClusterTimeoutError.
   */
  async waitUntilStarted(options: WaitUntilOptions = {}): Promise<void> {
    const { timeout = DEFAULT_TIMEOUT, delay = DEFAULT_DELAY, signal } = options;
    validateTimeout(timeout);
    const server = this.#server;
    const outcome = await waitForReady(this.dataDirectory, server, { timeout, delay, ...(signal !== undefined ? { signal } : {}) });
    switch (outcome.outcome) {
      case 'ready':
        if (server !== null) this.#readyServers.add(server);
        return;
      case 'aborted':
        throw outcome.reason;
      case 'not-running':
        throw new ClusterNotRunningError(this.dataDirectory, 'wait until started');
      case 'exited': {
        this.#server = null;
        // A server that had been ready and has since stopped (or crashed) is not running; only
        // one that died before it was ever ready failed to start.
        if (server !== null && this.#readyServers.has(server)) throw new ClusterNotRunningError(this.dataDirectory, 'wait until started');
        const output = server === null ? '' : await server.outputTail();
        const tail = lastLines(output);
        const code = classifyStartupFailure(output);
        const exit = outcome.exit;
        throw new ClusterStartupError(
          code,
          `The server for ${this.dataDirectory} exited while starting (${describeExit(exit)}; ${code})${tail === '' ? '' : `:\n${tail}`}`,
          {
            dataDirectory: this.dataDirectory,
            exitCode: exit?.exitCode ?? null,
            signal: exit?.signal ?? null,
            pid: server?.pid ?? null,
            command: server?.file ?? null,
            args: server?.args ?? [],
            logTail: tail,
            logfile: server?.logPath ?? null,
          },
        );
      }
      case 'timeout':
        throw new ClusterTimeoutError({
          dataDirectory: this.dataDirectory,
          operation: 'start',
          timeout,
          pid: server?.pid ?? outcome.postmaster?.pid ?? null,
          status: outcome.postmaster?.status ?? null,
          logTail: server === null ? '' : lastLines(await server.outputTail()),
        });
    }
  }

  // ── stop ──────────────────────────────────────────────────────────────────────────────────

  /**
   * Stops the server: `smart` (default; waits for clients to leave), `fast`, `immediate` or
   * `kill`. When the mode's timeout runs out it escalates (smart → fast → immediate → kill)
   * and says so in the result, so it never hangs. A server that is not running: returns at once.
   */
  async stop(options: StopOptions = {}): Promise<StopResult> {
    const { mode = 'smart', timeout = DEFAULT_TIMEOUT, escalate = true, escalationTimeout = DEFAULT_ESCALATION_TIMEOUT, signal, wait = true } = options;
    if (!isStopMode(mode)) throw expected('mode', "'smart', 'fast', 'immediate' or 'kill'", mode);
    validateTimeout(timeout);
    validateTimeout(escalationTimeout, 'escalationTimeout');
    // An aborted signal stops nothing: the server is not asked to shut down.
    signal?.throwIfAborted();
    const started = Date.now();
    const target = await this.#target();
    if (target === null) {
      // No postmaster; but one that died outright (kill -9, the OOM killer) leaves backends
      // running on (a busy one for seconds) and its shared memory: end and remove them.
      const lock = await readPostmasterPid(this.dataDirectory);
      const last = this.#lastServer;
      const cleared = await this.#clearServerRemains(lock, [], escalationTimeout);
      this.#server = null;
      const crashed = cleared.endedProcesses.length > 0 || cleared.removedSharedMemory.length > 0 || cleared.remains.processes.length > 0 || cleared.remains.sharedMemory.length > 0;
      const wasRunning = cleared.endedProcesses.length > 0 || cleared.remains.processes.length > 0;
      const pid = crashed ? (lock?.pid ?? last?.pid ?? null) : null;
      if (crashed && pid !== null) {
        this.#emit({ type: 'stop', message: `server ${pid} had died: ended ${cleared.endedProcesses.length} orphaned processes, removed ${cleared.removedSharedMemory.length} shared memory segments`, dataDirectory: this.dataDirectory, pid, durationMs: Date.now() - started });
      }
      return {
        wasRunning,
        pid,
        mode,
        finalMode: mode,
        escalations: [],
        stopped: cleared.remains.processes.length === 0,
        exit: last?.exit ?? null,
        crashed,
        orphans: cleared.endedProcesses,
        removedSharedMemory: cleared.removedSharedMemory,
        remains: cleared.remains,
        durationMs: Date.now() - started,
      };
    }
    await this.#refuseForeignServer(target);
    if (this.#beforeControl !== null) await this.#beforeControl('stop');
    const { pid, server } = target;
    let current: StopMode = mode;
    const escalations: StopMode[] = [];
    // What a postmaster that does not get to clean up leaves, known before it goes: its shared
    // memory (postmaster.pid's key, the /dev/shm segments it maps) and, for SIGKILL, its children.
    const lock = await readPostmasterPid(this.dataDirectory);
    const segments = mappedDsmSegments([pid]);
    let children = current === 'kill' ? childPids(pid) : [];
    this.#signal(pid, server, stopSignals[current]);
    if (!wait) {
      return { wasRunning: true, pid, mode, finalMode: mode, escalations, stopped: false, exit: null, crashed: false, orphans: [], removedSharedMemory: [], remains: { processes: [], sharedMemory: [] }, durationMs: Date.now() - started };
    }
    let budget = timeout;
    for (;;) {
      const outcome = await waitForExit(pid, server, { timeout: budget, ...(signal !== undefined ? { signal } : {}) });
      if (outcome.outcome === 'aborted') throw outcome.reason;
      if (outcome.outcome === 'stopped') break;
      const next = escalate ? nextStopMode(current) : null;
      if (next === null) {
        throw new ClusterTimeoutError({ dataDirectory: this.dataDirectory, operation: 'stop', timeout: budget, pid, status: (await readPostmasterPid(this.dataDirectory))?.status ?? null });
      }
      this.#emit({ type: 'escalate', message: `server ${pid} did not stop in ${current} mode within ${budget} ms: ${next}`, dataDirectory: this.dataDirectory, pid, from: current, to: next });
      escalations.push(next);
      current = next;
      budget = escalationTimeout;
      if (current === 'kill') children = childPids(pid);
      this.#signal(pid, server, stopSignals[current]);
    }
    const exit = server === null ? null : await server.exitWithin(1_000);
    const ownLock = lock !== null && lock.pid === pid ? lock : null;
    // A postmaster that shut down (any mode but kill) waited for its children and removed its
    // shared memory; one killed outright did neither.
    const crashed = current === 'kill' || exit?.signal === 'SIGKILL' || (await hasSharedMemoryLeft(ownLock, segments));
    const cleared = crashed ? await this.#clearServerRemains(ownLock, children, escalationTimeout, segments) : null;
    if (server !== null && this.#server === server) this.#server = null;
    this.#emit({ type: 'stop', message: `server ${pid} stopped (${current})`, dataDirectory: this.dataDirectory, pid, durationMs: Date.now() - started });
    return {
      wasRunning: true,
      pid,
      mode,
      finalMode: current,
      escalations,
      stopped: (cleared?.remains.processes.length ?? 0) === 0,
      exit,
      crashed,
      orphans: cleared?.endedProcesses ?? [],
      removedSharedMemory: cleared?.removedSharedMemory ?? [],
      remains: cleared?.remains ?? { processes: [], sharedMemory: [] },
      durationMs: Date.now() - started,
    };
  }

  /** Fast shutdown: closes client connections, then stops cleanly (SIGINT). */
  async shutdown(options: Omit<StopOptions, 'mode'> = {}): Promise<StopResult> {
    return this.stop({ ...options, mode: 'fast' });
  }

  /**
   * SIGKILL to the postmaster, as py-postgresql documents: no shutdown at all; the next start
   * runs crash recovery. Waits until the postmaster is gone, then ends its children (SIGQUIT,
   * then SIGKILL) and removes the shared memory it left (see StopResult's `removedSharedMemory`).
   */
  async kill(options: Omit<StopOptions, 'mode' | 'escalate'> = {}): Promise<StopResult> {
    return this.stop({ ...options, mode: 'kill', escalate: false });
  }

  /** Waits until no server runs for this data directory; ClusterTimeoutError when the time runs out. */
  async waitUntilStopped(options: WaitUntilOptions = {}): Promise<void> {
    const { timeout = DEFAULT_TIMEOUT, delay: pause = DEFAULT_DELAY, signal } = options;
    validateTimeout(timeout);
    const target = await this.#target();
    if (target === null) return;
    const outcome = await waitForExit(target.pid, target.server, { timeout, delay: pause, ...(signal !== undefined ? { signal } : {}) });
    if (outcome.outcome === 'aborted') throw outcome.reason;
    if (outcome.outcome === 'timeout') {
      throw new ClusterTimeoutError({ dataDirectory: this.dataDirectory, operation: 'stop', timeout, pid: target.pid, status: (await readPostmasterPid(this.dataDirectory))?.status ?? null });
    }
    if (target.server !== null && this.#server === target.server) this.#server = null;
  }

  /** Stops (smart, escalating) and starts again with `logfile`, `settings` and `detached` (default: those of the last start). */
  async restart(options: StartOptions & { mode?: StopMode } = {}): Promise<StartResult> {
    const { mode = 'smart', timeout = DEFAULT_TIMEOUT, signal } = options;
    await this.stop({ mode, timeout, ...(signal !== undefined ? { signal } : {}) });
    return this.start({
      ...this.#lastStart,
      ...options,
    });
  }

  /** Stops what this object started (fast), so `await using cluster = …` leaves nothing running; a server started `detached` is left running. */
  async [Symbol.asyncDispose](): Promise<void> {
    const server = this.#server;
    if (server !== null && !server.detached && !server.hasExited) await this.stop({ mode: 'fast' });
  }

  #signal(pid: number, server: ServerProcess | null, signal: NodeJS.Signals): void {
    this.#emit({ type: 'signal', message: `${signal} to server ${pid}`, dataDirectory: this.dataDirectory, pid, signal });
    if (server !== null && server.pid === pid) {
      server.signal(signal);
      return;
    }
    try {
      process.kill(pid, signal);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ESRCH') return;
      if (code === 'EPERM') {
        throw new RunAsError(
          'RUN_AS_NOT_PERMITTED',
          `Cannot send ${signal} to the server of ${this.dataDirectory} (pid ${pid}): it belongs to another OS user. Run as that user or as root.`,
          { path: this.dataDirectory, cause: error },
        );
      }
      throw error;
    }
  }

  // ── reload, drop, information ─────────────────────────────────────────────────────────────

  /**
   * SIGHUP: the server rereads its configuration files. Where a connection can be made
   * (connectionOptions()), the result reports lines the server refused and settings that need a
   * restart. ClusterNotRunningError when no server runs.
   */
  async reload(options: { timeout?: number } = {}): Promise<ReloadResult> {
    const target = await this.#target();
    if (target === null) throw new ClusterNotRunningError(this.dataDirectory, 'reload');
    await this.#refuseForeignServer(target);
    this.#emit({ type: 'reload', message: `reload server ${target.pid}`, dataDirectory: this.dataDirectory, pid: target.pid });
    const connection = await this.connectionOptions().catch(() => null);
    const checkValues = (entries: ReadonlyArray<readonly [string, string]>) => invalidSettingValues(this.daemonPath, this.#describeSettings(), this.installation, entries);
    return reloadAndReport(connection, target.pid, () => this.#signal(target.pid, target.server, 'SIGHUP'), { ...options, checkValues });
  }

  /**
   * Stops the server if it runs (fast, escalating) and removes the data directory, the WAL
   * directory its init() made and the default log file. Refuses (ClusterDropError, nothing
   * removed) a path that is not a directory, and a directory without `PG_VERSION` and
   * pg-cluster's marker unless `force`. Never follows a link out of the data directory: the
   * link goes, its target stays and the result lists it in `kept`.
   */
  async drop(options: DropOptions = {}): Promise<DropResult> {
    const { force = false, removeConfiguration = false, ...stopOptions } = options;
    if (typeof force !== 'boolean') throw expected('force', 'a boolean', force);
    if (typeof removeConfiguration !== 'boolean') throw expected('removeConfiguration', 'a boolean', removeConfiguration);
    const plan = await planDrop(this.dataDirectory, force);
    const outside = await this.#configurationOutside();
    await this.stop({ mode: 'fast', ...stopOptions });
    stopOptions.signal?.throwIfAborted();
    const result = await carryOutDrop(plan, this.logPath);
    await dropConfiguration(outside, removeConfiguration, result);
    // A directory made at this path from now on is a new one, not a replacement.
    this.#startedIn = null;
    this.#emit({ type: 'drop', message: `dropped ${this.dataDirectory}`, dataDirectory: this.dataDirectory });
    return result;
  }

  /** The configuration files outside the data directory (and the configDirectory given), for drop(). */
  async #configurationOutside(): Promise<{ directory: string | null; files: string[] }> {
    const layout = this.#layout;
    const inside = (path: string) => path.startsWith(`${this.dataDirectory}/`);
    const hba = await this.hbaFile().catch(() => layout.hbaFile);
    const ident = await this.identFile().catch(() => layout.identFile);
    const files = [layout.configFile, hba, ident].filter((path): path is string => path !== null && !inside(path));
    return { directory: layout.defaultDirectory === this.dataDirectory ? null : layout.defaultDirectory, files: [...new Set(files)] };
  }

  /** The pg_hba.conf the server reads: the `hbaFile` option, else the `hba_file` setting, by default `<configDirectory or dataDirectory>/pg_hba.conf`. */
  async hbaFile(): Promise<string> {
    if (this.#layout.hbaFile !== null) return this.#layout.hbaFile;
    return this.settings.pathSetting('hba_file', 'pg_hba.conf', this.dataDirectory, this.#layout.defaultDirectory);
  }

  /** pg_hba.conf in the lossless editor; `save()` keeps the file's owner and mode. Call reload() after. */
  async hba(): Promise<HbaFile> {
    const path = await this.hbaFile();
    // The server's major decides the grammar (include lines and regexes from 16, methods by major).
    return HbaFile.load(path, { major: this.installation.versionInfo.major, ...this.#links }).catch((error: unknown) => {
      throw missingFileError(this.dataDirectory, path, error);
    });
  }

  /**
   * The names among `names` that this cluster's server does not know, each with the nearest
   * known name (`wrok_mem` → `work_mem`). Names with a dot (custom settings) always pass; the
   * others are looked up in `postgres --describe-config`, and those it does not list (developer
   * options) are put to the server itself with `postgres -C <name> -D <dataDirectory>`. When the
   * server cannot be asked, nothing is reported. `settings.set()` and `update()` use it.
   */
  async unknownSettings(names: Iterable<string>): Promise<Array<{ name: string; suggestion: string | null }>> {
    const list = settingNamesArgument(names);
    const configArgs = this.#layout.isSplit ? ['-c', `config_file=${this.configFile}`] : [];
    return unknownSettingNames(this.daemonPath, this.#describeSettings(), this.dataDirectory, list, configArgs);
  }

  /**
   * The values among `settings` (`{ name: value }`, as `settings.update()` takes them) that this
   * cluster's server refuses, each with the server's reason and what the setting accepts
   * (`allowed`). Checked against `postgres --describe-config` (type, bounds) and the server's
   * answers (base unit, enum values); a value that check refuses is put to the server itself
   * (`postgres -C <name> -c <name>=<value>`, no data directory), and only its refusal counts.
   * Strings, names it does not describe, and what depends on other settings are not checked.
   * `settings.set()` and `update()` use it.
   */
  async invalidSettings(settings: Readonly<Record<string, ConfigValue>>): Promise<InvalidSettingValue[]> {
    if (settings === null || typeof settings !== 'object') throw expected('settings', 'an object of setting names to values', settings);
    const entries = Object.entries(settings).map(([name, value]) => [name, typeof value === 'boolean' ? formatBoolean(value) : String(value)] as const);
    return invalidSettingValues(this.daemonPath, this.#describeSettings(), this.installation, entries);
  }

  /** How to read the installation's `--describe-config`: an Installation keeps what it read; a plain description of one is read each time. */
  #describeSettings(): DescribeSettings {
    const installation = this.installation as ClusterInstallation & { describeSettings?: DescribeSettings };
    return typeof installation.describeSettings === 'function'
      ? () => installation.describeSettings!()
      : () => describeSettings(this.daemonPath, { bindir: this.installation.paths['bindir'] ?? null });
  }

  /** The pg_ident.conf the server reads: the `identFile` option, else the `ident_file` setting, by default `<configDirectory or dataDirectory>/pg_ident.conf`. */
  async identFile(): Promise<string> {
    if (this.#layout.identFile !== null) return this.#layout.identFile;
    return this.settings.pathSetting('ident_file', 'pg_ident.conf', this.dataDirectory, this.#layout.defaultDirectory);
  }

  /** pg_ident.conf in the lossless editor, read with the server's major; `save()` keeps owner and mode. Call reload() after. */
  async ident(): Promise<IdentFile> {
    const path = await this.identFile();
    return IdentFile.load(path, { major: this.installation.versionInfo.major, ...this.#links }).catch((error: unknown) => {
      throw missingFileError(this.dataDirectory, path, error);
    });
  }

  /** `pg_controldata`, parsed. MissingProgramError where the installation has none (the npm binaries). */
  async controlData(options: { timeout?: number; signal?: AbortSignal } = {}): Promise<ControlData> {
    return readControlData(this.installation.paths['pg_controldata'] ?? null, this.dataDirectory, {
      bindir: this.installation.paths['bindir'] ?? null,
      ...options,
    });
  }

  /**
   * How to reach the running server, from its `postmaster.pid`: the socket directory (or the TCP
   * host when Unix sockets are off), the port, the superuser and `database` (default `postgres`).
   * ClusterNotRunningError when none runs.
   */
  async connectionOptions(options: { database?: string } = {}): Promise<ConnectionOptions> {
    if (options === null || typeof options !== 'object') throw expected('options', 'an object', options);
    const { database = 'postgres' } = options;
    if (typeof database !== 'string' || database === '' || database.includes('\0')) throw expected('database', 'a non-empty string', database);
    const lock = await this.postmaster();
    if (lock === null) throw new ClusterNotRunningError(this.dataDirectory, 'connect');
    const user = this.#superuser ?? (await resolveRunAs(this.#runAs))?.user ?? currentUserName();
    const tcpHost = lock.listenAddresses === null ? null : clientHostFor(lock.listenAddresses);
    const host = lock.socketDirectory ?? tcpHost;
    if (host === null) throw new ClusterNotRunningError(this.dataDirectory, 'connect (the server listens on neither a socket nor TCP)');
    return {
      host,
      port: lock.port,
      user,
      database,
      ...(lock.socketDirectory !== null ? { socketDirectory: lock.socketDirectory } : {}),
      ...(this.#password !== undefined ? { password: this.#password } : {}),
    };
  }

  /** The cluster's place and version, for logs and snapshots; never the password. */
  toJSON(): ClusterDescription {
    return {
      dataDirectory: this.dataDirectory,
      version: this.installation.version ?? null,
      major: this.installation.versionInfo.major,
      superuser: this.#superuser ?? null,
      hasPassword: this.#password !== undefined,
    };
  }

  /** What `inspect()` (and so the console) shows: {@link toJSON}, no password, even with `showHidden`. */
  [inspect.custom](_depth: number, options: InspectOptionsStylized, show: typeof inspect): string {
    return `${this.constructor.name} ${show(this.toJSON(), options)}`;
  }

  /**
   * node-postgres options for the running server (py-postgresql's `connector()` is
   * `connectionOptions()`): `connectionOptions({ database })` without `socketDirectory`, with
   * `options` laid over it (`user`, `password`, `application_name`, timeouts, …).
   * ClusterNotRunningError when none runs.
   */
  async connection(options: ConnectOptions = {}): Promise<pg.ClientConfig> {
    if (options === null || typeof options !== 'object') throw expected('options', 'an object', options);
    const { database, ...rest } = options;
    const { socketDirectory: _socket, ...reach } = await this.connectionOptions(database === undefined ? {} : { database });
    return { ...reach, ...rest };
  }

  /**
   * A node-postgres client connected to the running server with `connection(options)`. The
   * caller closes it (`await client.end()`). A failed connection leaves no client open and
   * rejects with node-postgres's error (the server's `code` and message); no server:
   * ClusterNotRunningError.
   */
  async connect(options: ConnectOptions = {}): Promise<pg.Client> {
    const client = new pg.Client(await this.connection(options));
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    return client;
  }

  /**
   * Where the server listens as its settings say, running or not (connectionOptions() reads the
   * running server's `postmaster.pid`): `port`, `listen_addresses` and `unix_socket_directories`
   * read as the server reads its files (postgresql.conf, its includes, postgresql.auto.conf), then
   * `settings` (default: those of this object's last start) on top; what none sets is the
   * server's default: port 5432, `localhost`, and the socket directory compiled into the
   * installation (`postgres --describe-config`; `/tmp` when that cannot be asked).
   */
  async address(options: AddressOptions = {}): Promise<ClusterAddress> {
    if (options === null || typeof options !== 'object') throw expected('options', 'an object', options);
    const { settings = this.#lastStart.settings ?? {} } = options;
    if (settings === null || typeof settings !== 'object') throw expected('settings', 'an object of setting names to values', settings);
    await this.settings.load(); // ClusterNotInitializedError when there is no postgresql.conf
    const files = (await this.settings.effective()).settings;
    const read = (name: string): string | undefined => {
      const given = settings[name] ?? this.#serverSettings[name];
      if (given !== undefined) return typeof given === 'boolean' ? formatBoolean(given) : String(given);
      return files.get(name)?.value ?? undefined;
    };
    const described = await this.#describeSettings()().catch(() => []);
    const socketDirectories = described.find((entry) => entry.name === 'unix_socket_directories')?.bootValue ?? '/tmp';
    const values = { port: read('port'), listen_addresses: read('listen_addresses'), unix_socket_directories: read('unix_socket_directories') };
    return resolveClusterAddress(values, { port: 5432, listenAddresses: 'localhost', socketDirectories }, this.dataDirectory);
  }

  #emit(event: ClusterEvent): void {
    if (this.#log === undefined) return;
    try {
      this.#log(event);
    } catch {
      // A failing log callback must not break the lifecycle.
    }
  }
}

/** Whether the shared memory of a server that has exited is still there (it did not clean up). */
async function hasSharedMemoryLeft(lock: PostmasterPid | null, segments: readonly string[]): Promise<boolean> {
  const sysv = parseShmemKey(lock?.shmemKey ?? null);
  if (sysv !== null && (await readSysvSegments()).some((row) => row.id === sysv.id && row.key === sysv.key)) return true;
  for (const path of segments) if (await hasDsmSegment(path)) return true;
  return false;
}

function validateTimeout(value: unknown, name = 'timeout'): void {
  if (!(typeof value === 'number' && value >= 0 && !Number.isNaN(value))) throw expected(name, 'a non-negative number', value);
}

function describeExit(exit: ServerExit | null): string {
  if (exit === null) return 'exit status unknown';
  return exit.signal !== null ? `killed by ${exit.signal}` : `exit code ${exit.exitCode}`;
}

async function isExecutable(path: string): Promise<boolean> {
  return access(path, fsConstants.X_OK).then(
    () => true,
    () => false,
  );
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** A program's output to the caller's log: a path (appended to, mode 0600 when new, never through a link) or a stream. */
async function writeCommandOutput(logfile: string | Writable, stdout: string, stderr: string): Promise<void> {
  const text = [stdout, stderr].filter((part) => part !== '').map((part) => (part.endsWith('\n') ? part : `${part}\n`)).join('');
  if (typeof logfile !== 'string') {
    await new Promise<void>((done, fail) => logfile.write(text, (error) => (error ? fail(error) : done())));
    return;
  }
  const handle = await open(logfile, fsConstants.O_WRONLY | fsConstants.O_APPEND | fsConstants.O_CREAT | fsConstants.O_NOFOLLOW, 0o600);
  try {
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
}

function currentUserName(): string {
  return userInfo().username;
}
