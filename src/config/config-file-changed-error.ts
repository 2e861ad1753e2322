import { PgClusterError } from '../errors.js';

/** `save()` refused: the file on disk is not what was loaded (someone else edited it). */
export class ConfigFileChangedError extends PgClusterError {
  readonly path: string;

  constructor(path: string) {
    super('CONFIG_FILE_CHANGED', `${path} changed on disk since it was read; load it again and redo the edit`);
    this.path = path;
  }
}
