import { PgClusterError } from '../errors.js';

/** `global/pg_control` could not be read as a control file of a major this SDK knows. */
export class PgControlError extends PgClusterError {
  declare readonly code: 'PG_CONTROL_UNREADABLE' | 'PG_CONTROL_UNKNOWN_VERSION';
  readonly path: string;

  constructor(code: 'PG_CONTROL_UNREADABLE' | 'PG_CONTROL_UNKNOWN_VERSION', path: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.path = path;
  }
}
