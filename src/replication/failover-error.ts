import { PgClusterError } from '../errors.js';

/** The stable codes of {@link FailoverError}. */
export type FailoverErrorCode =
  /** The old primary still answers at its address: failover would make a second primary (pass `force` if it is fenced). */
  | 'PRIMARY_ALIVE'
  /** None of the given standbys runs and is in recovery (or could be read). */
  | 'NO_CANDIDATE'
  /** More than one of the given servers is a primary already. */
  | 'SEVERAL_PRIMARIES'
  /** The server is not what the call needs (a standby of that primary, a running primary). */
  | 'WRONG_ROLE'
  /** The shutdown checkpoint's location cannot be read here (no pg_controldata, no known pg_control layout). */
  | 'CHECKPOINT_UNKNOWN'
  /** The standby did not replay the primary's shutdown checkpoint in time: the primary was started again, nothing was promoted. */
  | 'CHECKPOINT_NOT_REPLAYED'
  /** A standby did not stream from the new primary, or the promoted one did not accept writes, in time. */
  | 'TIMEOUT'
  /** Neither pg_rewind nor a fresh base backup brought the old primary back as a standby. */
  | 'REJOIN_FAILED';

/** failover, switchover or rejoin could not be done; `code` says why, `cause` holds the underlying error. */
export class FailoverError extends PgClusterError {
  declare readonly code: FailoverErrorCode;
  /** The data directory (or the `host:port`, for PRIMARY_ALIVE) the error is about, when there is one. */
  readonly target: string | null;

  constructor(code: FailoverErrorCode, message: string, options: { cause?: unknown; target?: string } = {}) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.target = options.target ?? null;
  }
}
