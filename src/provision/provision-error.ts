import { PgClusterError } from '../errors.js';

/** The stable codes of {@link ProvisionError}. */
export type ProvisionErrorCode =
  /** The server could not be reached or refused the superuser's connection. */
  | 'TARGET_UNREACHABLE'
  /** The call edits pg_hba.conf, which needs a `Cluster` (the file is on this machine), not a bare `ConnectionInfo`. */
  | 'CLUSTER_REQUIRED'
  /** `deprovision` without `force` while sessions of the user (or in the database to drop) are open. */
  | 'SESSIONS_OPEN'
  /** The server refused the pg_hba.conf line `allowClient` wrote (the file was restored). */
  | 'HBA_RULE_REFUSED'
  /** A name is already taken by something pg-cluster must not change (the bootstrap superuser, a role it may not alter). */
  | 'NAME_CONFLICT'
  /** The connection's user is not a superuser. */
  | 'NOT_SUPERUSER'
  /** The server is in recovery (read-only): provision on its primary. */
  | 'HOT_STANDBY'
  /** A statement failed half-way; what this call had created was removed again. */
  | 'PROVISION_FAILED'
  /** Another writer held the credentials file's lock (`<file>.lock`, a live process's pid) for longer than the wait. */
  | 'CREDENTIALS_LOCKED';

/** A provisioning call that could not be done; `code` says why, `cause` holds the server's error. */
export class ProvisionError extends PgClusterError {
  declare readonly code: ProvisionErrorCode;

  constructor(code: ProvisionErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
