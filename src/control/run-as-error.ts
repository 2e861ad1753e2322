import { PgClusterError } from '../errors.js';

export type RunAsErrorCode =
  /** Running as root and no unprivileged user to run the server programs as. */
  | 'RUN_AS_REQUIRED'
  /** The requested OS user does not exist (pg-cluster never creates users). */
  | 'RUN_AS_USER_NOT_FOUND'
  /** Not root, so the programs cannot run as another user. */
  | 'RUN_AS_NOT_PERMITTED'
  /** The user the server runs as cannot reach a path (a parent it cannot traverse, a program it cannot run). */
  | 'PATH_NOT_ACCESSIBLE'
  /** An existing folder the server's user would need is not theirs, and pg-cluster never gives one away. */
  | 'PATH_NOT_OWNED'
  /** A folder the server's user would need is a symbolic link, which pg-cluster never follows there. */
  | 'PATH_IS_SYMLINK'
  /** As root: the server found for the data directory runs as another OS user than the run-as user, and is not signalled. */
  | 'SERVER_NOT_OURS';

/** Running a PostgreSQL program as another OS user is not possible as asked. Says what to do. */
export class RunAsError extends PgClusterError {
  declare readonly code: RunAsErrorCode;
  /** The OS user involved, when there is one. */
  readonly user: string | null;
  /** The path that user cannot reach (`PATH_NOT_ACCESSIBLE`). */
  readonly path: string | null;

  constructor(code: RunAsErrorCode, message: string, fields: { user?: string | null; path?: string | null; cause?: unknown } = {}) {
    super(code, message, { cause: fields.cause });
    this.user = fields.user ?? null;
    this.path = fields.path ?? null;
  }
}
