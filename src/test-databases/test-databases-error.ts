import { PgClusterError } from '../errors.js';

export type TestDatabasesErrorCode =
  /** `migrate` (or a file of `migrations`) failed: the template was not built; `cause` is the error. */
  | 'MIGRATION_FAILED'
  /** `hashFiles` or `migrations` named nothing, or a file could not be read. */
  | 'NO_FILES'
  /** restore() of a snapshot name that this database has not taken. */
  | 'SNAPSHOT_NOT_FOUND'
  /** The database was released or kept, or its TestDatabases disposed: it can no longer be used. */
  | 'RELEASED'
  /** acquire() or keep() after dispose(). */
  | 'DISPOSED'
  /** keep() of a database another TestDatabases handed out. */
  | 'NOT_OURS'
  /** A database that the run keeps after a failed test (what a fixture reports through the runner). */
  | 'KEPT';

/**
 * A test-database operation failed. `code` says which; `database` names the database involved
 * when there is one; the underlying error (a server error, a migration's error) is `cause`.
 */
export class TestDatabasesError extends PgClusterError {
  declare readonly code: TestDatabasesErrorCode;
  readonly database: string | null;

  constructor(code: TestDatabasesErrorCode, message: string, options: { database?: string | null; cause?: unknown } = {}) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.database = options.database ?? null;
  }
}
