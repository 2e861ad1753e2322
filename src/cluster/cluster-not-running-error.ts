import { PgClusterError } from '../errors.js';

/** The operation needs a running server and the cluster has none. */
export class ClusterNotRunningError extends PgClusterError {
  declare readonly code: 'CLUSTER_NOT_RUNNING';
  readonly dataDirectory: string;

  constructor(dataDirectory: string, operation: string) {
    super('CLUSTER_NOT_RUNNING', `Cannot ${operation}: no server is running for ${dataDirectory}`);
    this.dataDirectory = dataDirectory;
  }
}
