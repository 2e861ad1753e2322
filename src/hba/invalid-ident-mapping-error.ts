import { PgClusterError } from '../errors.js';

/** A mapping given to an IdentFile operation that PostgreSQL would not read back as given; the file is left unchanged. */
export class InvalidIdentMappingError extends PgClusterError {
  /** The field at fault (`map`, `systemUser`, `pgUser`, `comments`), or `mapping`. */
  readonly field: string;
  readonly value: unknown;
  readonly reason: string;

  constructor(field: string, value: unknown, reason: string) {
    super('IDENT_INVALID_MAPPING', `Invalid \`${field}\`: ${reason}`);
    this.field = field;
    this.value = value;
    this.reason = reason;
  }
}
