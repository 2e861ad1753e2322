import { PgClusterError } from '../errors.js';

/**
 * A program the HA part needs is not installed: `patroni`, `etcd` or `tini` (the subreaper each
 * Patroni runs under). Names the Debian package that provides it.
 */
export class HaPackageMissingError extends PgClusterError {
  declare readonly code: 'HA_PACKAGE_MISSING';
  /** The program looked for, as an absolute path. */
  readonly program: string;
  /** The Debian package that installs it (`patroni`, `etcd-server`, `tini`). */
  readonly package: string;

  constructor(program: string, packageName: string, purpose: string) {
    super(
      'HA_PACKAGE_MISSING',
      `${program} is not installed, needed to ${purpose}. Install it with \`apt-get install ${packageName}\` (Debian's package ${packageName}).`,
    );
    this.program = program;
    this.package = packageName;
  }
}
