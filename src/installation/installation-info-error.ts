import { PgClusterError } from '../errors.js';

/**
 * The information an {@link Installation} is built from is unusable: not a dictionary (a
 * `pg_config` path given where a dictionary was expected), a value that is not a string, or a
 * version string that cannot be read. `key` names the offending entry (`null`: the whole argument).
 */
export class InstallationInfoError extends PgClusterError {
  declare readonly code: 'INVALID_INSTALLATION_INFO';
  readonly key: string | null;
  readonly value: unknown;

  constructor(key: string | null, value: unknown, message: string, options?: { cause?: unknown }) {
    super('INVALID_INSTALLATION_INFO', message, options);
    this.key = key;
    this.value = value;
  }
}
