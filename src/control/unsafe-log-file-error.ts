import { PgClusterError } from '../errors.js';

/**
 * The server log path is not a file pg-cluster may open: a symbolic link, something other than a
 * regular file, a file with more than one name (a hard link), one owned by neither this process
 * nor the server's OS user, or a path through a link that user could have planted. Nothing was
 * opened, created or written. `reason` says which.
 */
export class UnsafeLogFileError extends PgClusterError {
  declare readonly code: 'UNSAFE_LOG_FILE';
  readonly path: string;
  readonly reason: string;

  constructor(path: string, reason: string, options: { cause?: unknown } = {}) {
    super('UNSAFE_LOG_FILE', `Refusing to open the server log ${path}: ${reason}; remove it or pass another \`logfile\``, options);
    this.path = path;
    this.reason = reason;
  }
}
