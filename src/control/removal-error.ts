import { PgClusterError } from '../errors.js';

export type RemovalErrorCode =
  /** The tree cannot be removed safely as asked (its owner has no user entry to run the removal as). */
  | 'REMOVAL_REFUSED'
  /** The removal ran and did not finish: the folder changed meanwhile, an entry could not be removed. */
  | 'REMOVAL_FAILED';

/** A folder could not be removed. What could not be removed is still there; `cause` holds the evidence (a CommandError of `find`). */
export class RemovalError extends PgClusterError {
  declare readonly code: RemovalErrorCode;
  readonly path: string;
  /** The OS user the removal ran as, when not this process's own. */
  readonly user: string | null;

  constructor(code: RemovalErrorCode, message: string, fields: { path: string; user?: string | null; cause?: unknown }) {
    super(code, message, { cause: fields.cause });
    this.path = fields.path;
    this.user = fields.user ?? null;
  }
}
