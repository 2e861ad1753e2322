import { InstallationInfoError } from './installation-info-error.js';

/** Release states, from least to most mature. `final` is a release such as 15.18. */
export const versionStates = ['devel', 'alpha', 'beta', 'rc', 'final'] as const;
export type VersionState = (typeof versionStates)[number];

/**
 * py-postgresql's `version_info` tuple as an object. `PostgreSQL 9.6.24` is
 * `{ major: 9, minor: 6, patch: 24 }`; from 10 on the second number is the minor release
 * (`15.18` is `{ major: 15, minor: 18, patch: 0 }`). `level` is the N of `betaN`, `rcN`, `alphaN`.
 */
export interface VersionInfo {
  major: number;
  minor: number;
  patch: number;
  state: VersionState;
  level: number;
}

// `PostgreSQL 15.18 (Debian 15.18-0+deb12u1)`, `PostgreSQL 9.0devel`, `PostgreSQL 16beta2`.
const versionPattern = /^\s*PostgreSQL\s+(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:(devel|alpha|beta|rc)(\d*))?(?=$|[\s(,])/;

/** Reads a `pg_config --version` style string. Throws {@link InstallationInfoError} (key `version`). */
export function parseVersion(version: string): VersionInfo {
  const match = typeof version === 'string' ? versionPattern.exec(version) : null;
  if (match === null) {
    throw new InstallationInfoError(
      'version',
      version,
      `Cannot read the PostgreSQL version from ${JSON.stringify(version)}: expected something like "PostgreSQL 15.18", "PostgreSQL 16beta2" or "PostgreSQL 9.0devel"`,
    );
  }
  const [, major, minor, patch, state, level] = match;
  return {
    major: Number(major),
    minor: minor === undefined ? 0 : Number(minor),
    patch: patch === undefined ? 0 : Number(patch),
    state: (state ?? 'final') as VersionState,
    level: level === undefined || level === '' ? 0 : Number(level),
  };
}

/** Orders versions: negative when `a` is older than `b`. `16beta2` < `16rc1` < `16.0` < `16.1`. */
export function compareVersions(a: VersionInfo, b: VersionInfo): number {
  return (
    a.major - b.major ||
    a.minor - b.minor ||
    a.patch - b.patch ||
    versionStates.indexOf(a.state) - versionStates.indexOf(b.state) ||
    a.level - b.level
  );
}
