import { PgClusterError } from '../errors.js';

export type HaErrorCode =
  /** A member or the DCS did not get where asked within the timeout. */
  | 'HA_TIMEOUT'
  /** `patroni` or `etcd` exited while it was being started or waited for. */
  | 'HA_START_FAILED'
  /** `patroni --validate-config` rejected a generated configuration. */
  | 'HA_CONFIG_INVALID'
  /** No member has that name. */
  | 'HA_MEMBER_NOT_FOUND'
  /** The installation lacks a program Patroni needs (pg_basebackup, pg_rewind, pg_controldata). */
  | 'HA_INSTALLATION_INCOMPLETE'
  /** The cluster was disposed of. */
  | 'HA_DISPOSED';

/** An HA cluster operation failed; `detail` carries the evidence (a log tail, the members seen). */
export class HaError extends PgClusterError {
  declare readonly code: HaErrorCode;
  /** The member concerned, when there is one. */
  readonly member: string | null;
  /** Evidence: the tail of the program's output, or what members() last reported. */
  readonly detail: string;

  constructor(code: HaErrorCode, message: string, fields: { member?: string | null; detail?: string; cause?: unknown } = {}) {
    super(code, fields.detail === undefined || fields.detail === '' ? message : `${message}\n${fields.detail}`, { cause: fields.cause });
    this.member = fields.member ?? null;
    this.detail = fields.detail ?? '';
  }
}
