import { PgClusterError } from '../errors.js';

/** The stable codes of {@link ReplicationError}. */
export type ReplicationErrorCode =
  /** The primary needs a setting changed that takes a restart (`wal_level`, `max_wal_senders`, …): pass `restartPrimary: true`. */
  | 'PRIMARY_RESTART_REQUIRED'
  /** The primary is itself in recovery (a standby): make standbys of the primary. */
  | 'PRIMARY_IN_RECOVERY'
  /** No server runs in the primary's data directory (or it listens on neither TCP nor a socket). */
  | 'PRIMARY_NOT_RUNNING'
  /** A standby of that `name` (application_name) streams from the primary already. */
  | 'NAME_IN_USE'
  /** The standby's installation is of another major version than the primary's server. */
  | 'MAJOR_MISMATCH'
  /** A program the call needs is missing from the installation (`pg_basebackup` for a standby on another host). */
  | 'PROGRAM_MISSING'
  /** The standby's data directory is not empty, or is a link. */
  | 'DIRECTORY_NOT_EMPTY'
  /** The base backup (pg_basebackup or the low-level backup API and the copy) failed; what it had made was removed. */
  | 'BASE_BACKUP_FAILED'
  /** The low-level copy on this host needs what is not there (the same OS user for both servers, no tablespaces). */
  | 'COPY_NOT_POSSIBLE'
  /** The standby's server stopped before it streamed (the message ends with its log tail). */
  | 'STANDBY_FAILED'
  /** The standby did not stream from the primary (or replay, or accept writes) in time. */
  | 'TIMEOUT'
  /** waitForReplay could not reach the standby's primary (as its `primary_conninfo` names it). */
  | 'PRIMARY_UNREACHABLE'
  /** The server is not a standby (promote, waitForReplay) or has no `primary_conninfo`. */
  | 'NOT_A_STANDBY'
  /** No server of the topology matches the asked `targetSessionAttrs`. */
  | 'NO_MATCHING_SERVER'
  /** A replication slot of that name exists already and is in use. */
  | 'SLOT_IN_USE';

/** A replication call that could not be done; `code` says why, `cause` holds the underlying error. */
export class ReplicationError extends PgClusterError {
  declare readonly code: ReplicationErrorCode;
  /** The data directory the error is about, when there is one. */
  readonly dataDirectory: string | null;
  /** For PRIMARY_RESTART_REQUIRED: the settings that need the restart, with the value they need. */
  readonly settings: Readonly<Record<string, string>>;

  constructor(code: ReplicationErrorCode, message: string, options: { cause?: unknown; dataDirectory?: string; settings?: Record<string, string> } = {}) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.dataDirectory = options.dataDirectory ?? null;
    this.settings = Object.freeze({ ...(options.settings ?? {}) });
  }
}
