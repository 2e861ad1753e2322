import { PgClusterError } from '../errors.js';

/** The operation needs a file of an initialized cluster (postgresql.conf, pg_hba.conf) that is not there. */
export class ClusterNotInitializedError extends PgClusterError {
  declare readonly code: 'CLUSTER_NOT_INITIALIZED';
  readonly dataDirectory: string;
  /** The file that is missing. */
  readonly path: string;

  constructor(dataDirectory: string, path: string, cause: unknown, message?: string) {
    super('CLUSTER_NOT_INITIALIZED', message ?? `${path} does not exist: ${dataDirectory} is not an initialized cluster (run init() first)`, { cause });
    this.dataDirectory = dataDirectory;
    this.path = path;
  }
}

/** Turns "no such file" while reading a cluster's file into ClusterNotInitializedError; the rest passes. */
export function missingFileError(dataDirectory: string, path: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' ? new ClusterNotInitializedError(dataDirectory, path, error) : error;
}
