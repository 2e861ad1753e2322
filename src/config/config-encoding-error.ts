import { PgClusterError } from '../errors.js';

/** A configuration file that is not valid UTF-8: it could not be edited without changing bytes. */
export class ConfigEncodingError extends PgClusterError {
  readonly path: string;

  constructor(path: string) {
    super('CONFIG_NOT_UTF8', `${path} is not valid UTF-8; pg-cluster edits only UTF-8 configuration files`);
    this.path = path;
  }
}
