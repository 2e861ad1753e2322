import { PgClusterError } from '../errors.js';

/** No rule (or mapping) matched the pattern an operation needed (`insertBefore`, `insertAfter`). */
export class HbaRuleNotFoundError extends PgClusterError {
  readonly pattern: unknown;

  constructor(pattern: unknown) {
    super('HBA_RULE_NOT_FOUND', `No entry matches ${typeof pattern === 'function' ? 'the given predicate' : JSON.stringify(pattern)}`);
    this.pattern = pattern;
  }
}
