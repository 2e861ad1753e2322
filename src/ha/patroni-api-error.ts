import { PgClusterError } from '../errors.js';

export type PatroniApiErrorCode =
  /** The REST API could not be reached (connection refused, timeout). */
  | 'PATRONI_UNREACHABLE'
  /** Patroni answered with an HTTP error other than a refusal below. */
  | 'PATRONI_REQUEST_FAILED'
  /** Patroni refused the request as it stands (HTTP 412): for a switchover in synchronous mode to a member that is not the sync standby, "candidate name does not match with sync_standby". */
  | 'PATRONI_PRECONDITION_FAILED'
  /** The REST API wants credentials (HTTP 401) and those given were missing or wrong. */
  | 'PATRONI_UNAUTHORIZED';

/** A request to Patroni's REST API failed; `message` carries Patroni's own words. */
export class PatroniApiError extends PgClusterError {
  declare readonly code: PatroniApiErrorCode;
  /** `GET /cluster`, `POST /switchover`, … */
  readonly request: string;
  /** The member's REST API address asked. */
  readonly url: string;
  /** The HTTP status, null when there was no answer. */
  readonly status: number | null;
  /** What Patroni answered (its reason), as text. */
  readonly body: string;

  constructor(code: PatroniApiErrorCode, fields: { request: string; url: string; status: number | null; body: string; cause?: unknown }) {
    const said = fields.body.trim();
    super(
      code,
      fields.status === null
        ? `Patroni's REST API at ${fields.url} did not answer ${fields.request}${said === '' ? '' : `: ${said}`}`
        : `Patroni refused ${fields.request} (HTTP ${fields.status}): ${said === '' ? '(no reason given)' : said}`,
      { cause: fields.cause },
    );
    this.request = fields.request;
    this.url = fields.url;
    this.status = fields.status;
    this.body = fields.body;
  }
}
