import { PgClusterError } from '../errors.js';

/** `save()` refused to overwrite a file that changed on disk since it was read. */
export class AuthFileChangedError extends PgClusterError {
  readonly path: string;

  constructor(path: string) {
    super('AUTH_FILE_CHANGED', `${path} changed on disk since it was read; load it again and redo the edit`);
    this.path = path;
  }
}
