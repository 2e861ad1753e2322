import { PgClusterError } from '../index.js';

/** The `<cluster>` of a command names no cluster: `status` exits 3 with it, the other commands 1. */
export class NoSuchClusterError extends PgClusterError {
  declare readonly code: 'NO_SUCH_CLUSTER';
  /** The `<cluster>` as given. */
  readonly spec: string;
  /** The data directory it was taken to mean. */
  readonly dataDirectory: string;

  constructor(spec: string, dataDirectory: string, reason: string) {
    super('NO_SUCH_CLUSTER', `No cluster \`${spec}\`: ${reason}`);
    this.spec = spec;
    this.dataDirectory = dataDirectory;
  }
}
