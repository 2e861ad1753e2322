import { PgClusterError } from '../errors.js';

export type TemporaryClusterErrorCode =
  | 'UNSAFE_DIRECTORY'
  | 'NO_FREE_PORT'
  | 'SOCKET_PATH_TOO_LONG'
  | 'TEMPLATE_INVALID'
  | 'START_FAILED'
  | 'DISPOSED';

/**
 * A throwaway-cluster operation failed. `code` says which; `path` names the directory involved
 * when there is one; the underlying error (an `InitDBError`, a `ClusterStartupError`, a system
 * error) is kept as `cause`.
 */
export class TemporaryClusterError extends PgClusterError {
  declare readonly code: TemporaryClusterErrorCode;
  readonly path: string | null;

  constructor(code: TemporaryClusterErrorCode, message: string, options: { path?: string | null; cause?: unknown } = {}) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.path = options.path ?? null;
  }
}
