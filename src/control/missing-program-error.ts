import { PgClusterError } from '../errors.js';

/**
 * A PostgreSQL program this operation needs is not in the installation (the npm server
 * packages have no `pg_controldata`, `pg_config` or `psql`, for example).
 */
export class MissingProgramError extends PgClusterError {
  declare readonly code: 'PROGRAM_MISSING';
  readonly program: string;
  /** Where it was looked for, when known. */
  readonly bindir: string | null;

  constructor(program: string, bindir: string | null, purpose?: string) {
    super(
      'PROGRAM_MISSING',
      `The installation${bindir === null ? '' : ` at ${bindir}`} has no \`${program}\`${purpose === undefined ? '' : `, needed to ${purpose}`}. ` +
        `Use an installation that includes it (the system PostgreSQL packages do).`,
    );
    this.program = program;
    this.bindir = bindir;
  }
}
