import { PgClusterError } from '../errors.js';

export type DebianClusterErrorCode =
  /** No `/etc/postgresql/<major>/<name>/postgresql.conf`. */
  | 'CLUSTER_NOT_FOUND'
  /** start.conf, pg_ctl.conf or environment has a line postgresql-common would refuse. */
  | 'DEBIAN_FILE_INVALID'
  /** pg_ctl.conf asks for a pg_ctl option pg-cluster cannot honour when it starts postgres itself. */
  | 'PG_CTL_OPTION_UNSUPPORTED'
  /** start.conf says `disabled`: pg_ctlcluster refuses to start it, and so does pg-cluster. */
  | 'CLUSTER_DISABLED'
  /** systemd runs the cluster (`postgresql@<major>-<name>` is active): start it with systemctl, or pass `force`. */
  | 'SYSTEMD_UNIT_ACTIVE'
  /** As root: the log the `log` link names is not a file the cluster's owner has (or could create). */
  | 'UNSAFE_LOG_FILE'
  /** As root: the `environment` file sets a variable the dynamic loader acts on (LD_PRELOAD, …), in a process of root's. */
  | 'UNSAFE_ENVIRONMENT';

/** A Debian (postgresql-common) cluster that cannot be read or driven as asked. `path` and `line` point at the file when one decided. */
export class DebianClusterError extends PgClusterError {
  declare readonly code: DebianClusterErrorCode;
  readonly path: string | null;
  readonly line: number | null;

  constructor(code: DebianClusterErrorCode, message: string, fields: { path?: string | null; line?: number | null } = {}) {
    super(code, message);
    this.path = fields.path ?? null;
    this.line = fields.line ?? null;
  }
}
