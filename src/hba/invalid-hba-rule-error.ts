import { PgClusterError } from '../errors.js';

/** A rule (or mapping) given to an editing operation that PostgreSQL would not accept; the file is left unchanged. */
export class InvalidHbaRuleError extends PgClusterError {
  /** The field at fault (`type`, `database`, `address`, `options.map`, …), or `rule` for the whole rule. */
  readonly field: string;
  readonly value: unknown;
  readonly reason: string;

  constructor(field: string, value: unknown, reason: string) {
    super('HBA_INVALID_RULE', `Invalid \`${field}\`: ${reason}`);
    this.field = field;
    this.value = value;
    this.reason = reason;
  }
}
