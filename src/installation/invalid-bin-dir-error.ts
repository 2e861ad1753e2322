import { PgClusterError } from '../errors.js';

/**
 * A directory that {@link Installation.fromBinDir} cannot read as a PostgreSQL bin directory:
 * it does not exist, has no `postgres` program, or `postgres --version` failed or printed
 * something else (`output`). A failed command is the `cause`.
 */
export class InvalidBinDirError extends PgClusterError {
  declare readonly code: 'INVALID_BINDIR';
  readonly bindir: string;
  /** What `postgres --version` printed, when it ran. */
  readonly output: string | null;

  constructor(bindir: string, message: string, options?: { output?: string; cause?: unknown }) {
    super('INVALID_BINDIR', message, options);
    this.bindir = bindir;
    this.output = options?.output ?? null;
  }
}
