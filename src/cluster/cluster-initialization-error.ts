import { PgClusterError } from '../errors.js';

export type ClusterInitializationErrorCode =
  /** The installation has no `initdb`. */
  | 'INITDB_MISSING'
  /** The data directory exists and holds files. */
  | 'DATA_DIRECTORY_NOT_EMPTY'
  /** The data directory already holds a cluster (possibly of another major version). */
  | 'ALREADY_INITIALIZED'
  /** The data directory lies inside another cluster's data directory. */
  | 'INSIDE_ANOTHER_CLUSTER'
  /** `initdb` ran and failed: see InitDBError. */
  | 'INITDB_FAILED'
  /** pg_hba.conf or pg_ident.conf, to be given the peer map after initdb, is not a regular file (a symbolic link, say): it is not followed. */
  | 'AUTH_FILE_NOT_REGULAR'
  /** A split layout's postgresql.conf, pg_hba.conf or pg_ident.conf is there already: init() does not overwrite it. */
  | 'CONFIG_FILE_EXISTS';

/** The cluster could not be initialized. `path` is the file or folder in the way, when there is one. */
export class ClusterInitializationError extends PgClusterError {
  declare readonly code: ClusterInitializationErrorCode;
  readonly dataDirectory: string;
  readonly path: string | null;

  constructor(code: ClusterInitializationErrorCode, message: string, fields: { dataDirectory: string; path?: string | null; cause?: unknown }) {
    super(code, message, { cause: fields.cause });
    this.dataDirectory = fields.dataDirectory;
    this.path = fields.path ?? null;
  }
}
