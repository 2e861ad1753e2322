import { PgClusterError } from '../errors.js';

/** A file pg-cluster keeps secrets in is not safe to use: not a regular file, or owned by another user. */
export class UnsafeFileError extends PgClusterError {
  declare readonly code: 'UNSAFE_FILE';
  readonly path: string;

  constructor(path: string, message: string) {
    super('UNSAFE_FILE', message);
    this.path = path;
  }
}
