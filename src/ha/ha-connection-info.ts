import { expected } from '../errors.js';
import { TopologyConnectionInfo, type TargetSessionAttrs, type TopologyEnv } from '../replication/index.js';

const TARGETS: readonly TargetSessionAttrs[] = ['any', 'read-write', 'read-only', 'primary', 'standby', 'prefer-standby'];

export interface HaHost {
  /** The Patroni member's name. */
  name: string;
  host: string;
  port: number;
}

export interface HaConnectionOptions {
  /** Default `read-write`: the leader. */
  targetSessionAttrs?: TargetSessionAttrs;
  /** Default the cluster's (`postgres`). */
  database?: string;
}

/** A node-postgres config for one host (node-postgres reads neither multi-host URIs nor target_session_attrs). */
export interface HaClientConfig {
  host: string;
  port: number;
  user: string;
  database: string;
  password: string;
}

/**
 * How clients reach an HA cluster: every member, and (kept current from `GET /cluster` by the
 * HaCluster) which of them leads. `uri()` is libpq's multi-host form, which finds the leader
 * itself on each connect; `clientConfig()` is the current leader (or a replica) for node-postgres:
 * ask again on reconnect.
 */
export class HaConnectionInfo {
  readonly hosts: readonly HaHost[];
  readonly user: string;
  readonly database: string;
  readonly #password: string;
  readonly #roles: () => { leader: string | null; replicas: readonly string[] };

  constructor(fields: { hosts: readonly HaHost[]; user: string; database: string; password: string; roles: () => { leader: string | null; replicas: readonly string[] } }) {
    this.hosts = fields.hosts;
    this.user = fields.user;
    this.database = fields.database;
    this.#password = fields.password;
    this.#roles = fields.roles;
  }

  /** `postgresql://user:password@h1:p1,h2:p2,h3:p3/db?target_session_attrs=read-write` (psql, libpq drivers). */
  uri(options: HaConnectionOptions = {}): string {
    const { targetSessionAttrs = 'read-write', database = this.database } = checkOptions(options);
    return this.#topology(database).uri({ targetSessionAttrs });
  }

  /** libpq's keyword/value form of every member: `host=h1,h2,h3 port=p1,p2,p3 … target_session_attrs=…`. */
  connectionString(options: HaConnectionOptions = {}): string {
    const { targetSessionAttrs = 'read-write', database = this.database } = checkOptions(options);
    return this.#topology(database).connectionString({ targetSessionAttrs });
  }

  /** `PGHOST=h1,h2,h3 PGPORT=… PGTARGETSESSIONATTRS=…` for psql and every libpq tool. */
  env(options: HaConnectionOptions = {}): TopologyEnv {
    const { targetSessionAttrs = 'read-write', database = this.database } = checkOptions(options);
    return this.#topology(database).env({ targetSessionAttrs });
  }

  /** The members as replication's multi-host connection info (one URI, string and environment for all of them). */
  #topology(database: string): TopologyConnectionInfo {
    return new TopologyConnectionInfo(this.hosts.map(({ host, port }) => ({ host, port, user: this.user, database, password: this.#password })));
  }

  /**
   * The member that fits `targetSessionAttrs` as last seen: the leader for `read-write` and
   * `primary`, a replica for `read-only` and `standby` (the leader when there is none for
   * `prefer-standby`), the first member for `any` or before a leader was seen.
   */
  clientConfig(options: HaConnectionOptions = {}): HaClientConfig {
    const { targetSessionAttrs = 'read-write', database = this.database } = checkOptions(options);
    const { leader, replicas } = this.#roles();
    let name: string | null = null;
    if (targetSessionAttrs === 'read-write' || targetSessionAttrs === 'primary') name = leader;
    else if (targetSessionAttrs === 'read-only' || targetSessionAttrs === 'standby') name = replicas[0] ?? null;
    else if (targetSessionAttrs === 'prefer-standby') name = replicas[0] ?? leader;
    const chosen = this.hosts.find((host) => host.name === name) ?? this.hosts[0]!;
    return { host: chosen.host, port: chosen.port, user: this.user, database, password: this.#password };
  }

  /** Without the password. */
  toJSON(): { hosts: readonly HaHost[]; user: string; database: string; password: string } {
    return { hosts: this.hosts, user: this.user, database: this.database, password: '<redacted>' };
  }
}

function checkOptions(options: HaConnectionOptions): HaConnectionOptions {
  if (typeof options !== 'object' || options === null) throw expected('options', 'an object', options);
  if (options.targetSessionAttrs !== undefined && !TARGETS.includes(options.targetSessionAttrs)) {
    throw expected('targetSessionAttrs', `one of ${TARGETS.map((t) => `\`${t}\``).join(', ')}`, options.targetSessionAttrs);
  }
  if (options.database !== undefined && (typeof options.database !== 'string' || options.database === '')) throw expected('database', 'a non-empty string', options.database);
  return options;
}
