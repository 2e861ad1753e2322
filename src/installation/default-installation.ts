import { expected } from '../errors.js';
import { findExecutableSync } from './executable-file.js';
import { searchInstallations, type FindInstallationsOptions } from './find-installations.js';
import { InstallationNotFoundError, type UnusableInstallation } from './installation-not-found-error.js';
import { Installation } from './installation.js';
import { embeddedPostgresPackage } from './npm-packages.js';

export interface DefaultInstallationOptions extends FindInstallationsOptions {
  /** Use this pg_config; nothing else is searched. */
  pgConfig?: string;
  /** Use this bin directory (its pg_config when it has one); nothing else is searched. */
  bindir?: string;
  /** The major version wanted (`15`, or `9` for 9.x). Searches every source. */
  major?: number;
}

/**
 * The installation to use when the caller names none. An explicit `pgConfig` or `bindir`, then
 * `$PG_CONFIG` (unless it is client-only), wins; otherwise the system's installations (package managers, pg_config on PATH)
 * rank before npm-shipped binaries, and the newest wins within a rank. With `major`, the best
 * installation of that major from any source. Client-only installations are never picked.
 * Rejects with {@link InstallationNotFoundError} when nothing fits.
 */
export async function defaultInstallation(options: DefaultInstallationOptions = {}): Promise<Installation> {
  const { pgConfig, bindir, major, ...findOptions } = options;
  const { timeout = 10_000, signal, platform, env = process.env } = findOptions;
  if (major !== undefined && !(Number.isInteger(major) && major > 0)) throw expected('major', 'a positive integer', major);
  const commandOptions = { timeout, ...(signal ? { signal } : {}), ...(platform ? { platform } : {}) };

  if (pgConfig !== undefined) return Installation.fromPgConfig(pgConfig, commandOptions);
  if (bindir !== undefined) {
    const binPgConfig = findExecutableSync(bindir, 'pg_config', platform);
    return binPgConfig ? Installation.fromPgConfig(binPgConfig, commandOptions) : Installation.fromBinDir(bindir, commandOptions);
  }
  if (major === undefined && env.PG_CONFIG) {
    // A client-only $PG_CONFIG (set to build extensions against libpq) is not a server to run:
    // search on, and list it among the unusable ones if nothing else fits.
    const fromEnv = await Installation.fromPgConfig(env.PG_CONFIG, commandOptions);
    if (fromEnv.hasServer) return fromEnv;
  }

  const { installations, searched, failures } = await searchInstallations(findOptions);
  const unusable: UnusableInstallation[] = failures.map((failure) => ({ path: failure.path, version: null, reason: failure.error.message.split('\n')[0] ?? '' }));
  for (const found of installations) {
    const { installation } = found;
    if (found.clientOnly) {
      unusable.push({ path: found.path, version: installation.version, reason: 'client only: no initdb, postgres or pg_ctl in its bin directory' });
      continue;
    }
    if (major !== undefined && installation.versionInfo.major !== major) {
      unusable.push({ path: found.path, version: installation.version, reason: `not PostgreSQL ${major}` });
      continue;
    }
    // Sorted by rank, then newest first: the first usable one is the answer.
    return installation;
  }
  throw new InstallationNotFoundError({
    searched,
    unusable,
    major: major ?? null,
    npmPackage: embeddedPostgresPackage(platform ?? process.platform, findOptions.arch ?? process.arch),
  });
}
