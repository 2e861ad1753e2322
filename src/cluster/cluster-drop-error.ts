import { PgClusterError } from '../errors.js';

export type ClusterDropErrorCode =
  /** The data directory path is a file, a symbolic link or something else that is not a directory (`force` does not change this). */
  | 'DROP_NOT_A_DIRECTORY'
  /** The directory holds files but no `PG_VERSION`: it is not a data directory. `force: true` removes it anyway. */
  | 'DROP_NOT_A_CLUSTER'
  /** The directory holds a cluster that pg-cluster did not create (no `pg-cluster.json` marker). `force: true` removes it anyway. */
  | 'DROP_NOT_OURS';

/** drop() refused to remove the data directory; nothing was removed and no server was stopped. */
export class ClusterDropError extends PgClusterError {
  declare readonly code: ClusterDropErrorCode;
  readonly dataDirectory: string;
  /** The file whose presence or absence decided. */
  readonly path: string;

  constructor(code: ClusterDropErrorCode, message: string, fields: { dataDirectory: string; path: string }) {
    super(code, message);
    this.dataDirectory = fields.dataDirectory;
    this.path = fields.path;
  }
}
