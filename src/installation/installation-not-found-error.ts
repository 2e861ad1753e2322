import { PgClusterError } from '../errors.js';

/** A candidate discovery saw but could not use, and why. */
export interface UnusableInstallation {
  path: string;
  version: string | null;
  reason: string;
}

/**
 * No installation fits: none was found, or none with the server programs, or none of the
 * requested `major`. Lists where discovery looked (`searched`), what it saw but could not use
 * (`unusable`), and how to install PostgreSQL.
 */
export class InstallationNotFoundError extends PgClusterError {
  declare readonly code: 'INSTALLATION_NOT_FOUND';
  readonly searched: readonly string[];
  readonly unusable: readonly UnusableInstallation[];
  readonly major: number | null;

  constructor(fields: { searched: readonly string[]; unusable: readonly UnusableInstallation[]; major: number | null; npmPackage: string }) {
    const wanted = fields.major === null ? 'a PostgreSQL installation with server programs' : `a PostgreSQL ${fields.major} installation with server programs`;
    const lines = [`Could not find ${wanted}.`, 'Looked in:', ...fields.searched.map((place) => `  - ${place}`)];
    if (fields.unusable.length > 0) {
      lines.push('Found but not usable:', ...fields.unusable.map((u) => `  - ${u.path}${u.version ? ` (${u.version})` : ''}: ${u.reason}`));
    }
    const version = fields.major ?? '<major>';
    lines.push(
      'To install PostgreSQL:',
      `  - Debian, Ubuntu: apt-get install postgresql${fields.major === null ? '' : `-${version}`}`,
      `  - RHEL, Fedora: dnf install postgresql${fields.major === null ? '' : version}-server`,
      `  - macOS: brew install postgresql@${fields.major ?? 17}`,
      `  - into this project (no system packages): npm i ${fields.npmPackage}`,
      'or set PG_CONFIG to the path of a pg_config program.',
    );
    super('INSTALLATION_NOT_FOUND', lines.join('\n'));
    this.searched = [...fields.searched];
    this.unusable = [...fields.unusable];
    this.major = fields.major;
  }
}
