import { isAbsolute } from 'node:path';
import { stringify } from 'yaml';
import { expected } from '../errors.js';
import type { Installation } from '../installation/installation.js';

/** Patroni's own default timings (seconds), which patroniConfig keeps unless told otherwise. */
export const PATRONI_DEFAULT_TIMINGS = { ttl: 30, loopWait: 10, retryTimeout: 10 } as const;

/** A DCS of the etcd v3 API (`etcd3:`), or of the v2 API (`etcd:`, off by default in etcd 3.4). */
export type PatroniDcs = { etcd3: EtcdDcs } | { etcd: EtcdDcs };

export interface EtcdDcs {
  /** `host:port` of each etcd member's client URL. */
  hosts: readonly string[];
  /** Default `http`. */
  protocol?: 'http' | 'https';
  username?: string;
  password?: string;
}

export interface PatroniCredentials {
  /** Default `postgres` (superuser), `replicator` (replication). */
  username?: string;
  password: string;
}

export interface PatroniConfigOptions {
  /** The cluster's name, the same on every member (Patroni's `scope`). */
  scope: string;
  /** This member's name, unique in the cluster. */
  name: string;
  dcs: PatroniDcs;
  /** Gives `postgresql.bin_dir`; without it Patroni runs the programs on its PATH. */
  installation?: Installation;
  /** An absolute path: `postgresql.data_dir`. */
  dataDirectory: string;
  /** `host:port` PostgreSQL listens on (`0.0.0.0:5432`). */
  listen: string;
  /** `host:port` the other members and clients reach it at (`db1:5432`). */
  connectAddress: string;
  restApi: {
    listen: string;
    connectAddress: string;
    /**
     * Basic authentication of the REST API's write endpoints (switchover, failover, restart,
     * config): required; `null` leaves them open, for a network nobody else reaches.
     */
    auth: { username: string; password: string } | null;
  };
  /** Patroni's `synchronous_mode`: a commit waits for one standby, and only that standby is promoted. Default false. */
  synchronous?: boolean;
  superuser: PatroniCredentials;
  replication: PatroniCredentials;
  /**
   * The user pg_rewind connects as (PostgreSQL 11+; Patroni creates it with the grants pg_rewind
   * needs). Default: none, pg_rewind then connects as the superuser.
   */
  rewind?: PatroniCredentials;
  /** Server settings, the same on every member (bootstrap `dcs.postgresql.parameters`). */
  settings?: Readonly<Record<string, string | number | boolean>>;
  /**
   * pg_hba.conf lines Patroni writes (`postgresql.pg_hba`). Default: the local socket by peer;
   * loopback and the server's own subnets (`samenet`) by scram-sha-256, for clients and replication.
   */
  hba?: readonly string[];
  /** Seconds (Patroni's own defaults 30, 10, 10). `loopWait + 2 * retryTimeout` must not exceed `ttl`. */
  ttl?: number;
  loopWait?: number;
  retryTimeout?: number;
  /** `unix_socket_directories` of this member (a local setting). Default: PostgreSQL's. */
  socketDirectory?: string;
  /** Where Patroni keeps the password file it uses for pg_basebackup and pg_rewind. Default `<dataDirectory>/../<name>.pgpass`. */
  pgpass?: string;
}

/**
 * One member's Patroni configuration as YAML text, for a real deployment (`patroni member.yml`
 * on each host) or for the members createHaCluster starts. Synchronous, no I/O. It holds the
 * passwords: write it with mode 0600.
 */
export function patroniConfig(options: PatroniConfigOptions): string {
  // Every string double-quoted: Patroni reads the file with PyYAML (YAML 1.1), which takes a bare
  // `yes`, `on`, `12:30` or `=` for a boolean, a number or a tag where YAML 1.2 writers see text.
  return stringify(buildPatroniConfig(options), { lineWidth: 0, defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' });
}

/** The configuration as the object patroniConfig prints (validated). */
export function buildPatroniConfig(options: PatroniConfigOptions): Record<string, unknown> {
  if (typeof options !== 'object' || options === null) throw expected('options', 'an object', options);
  const { scope, name, dcs, installation, dataDirectory, listen, connectAddress, restApi, synchronous = false, superuser, replication, settings = {}, hba, socketDirectory, pgpass } = options;
  const { ttl = PATRONI_DEFAULT_TIMINGS.ttl, loopWait = PATRONI_DEFAULT_TIMINGS.loopWait, retryTimeout = PATRONI_DEFAULT_TIMINGS.retryTimeout } = options;
  checkName('scope', scope);
  checkName('name', name);
  if (typeof dataDirectory !== 'string' || !isAbsolute(dataDirectory)) throw expected('dataDirectory', 'an absolute path', dataDirectory);
  checkHostPort('listen', listen);
  checkHostPort('connectAddress', connectAddress);
  if (typeof restApi !== 'object' || restApi === null) throw expected('restApi', 'an object with listen, connectAddress and auth', restApi);
  checkHostPort('restApi.listen', restApi.listen);
  checkHostPort('restApi.connectAddress', restApi.connectAddress);
  if (restApi.auth === undefined) throw expected('restApi.auth', '{ username, password } (or null to leave the write endpoints open)', restApi.auth);
  if (restApi.auth !== null) {
    checkName('restApi.auth.username', restApi.auth.username);
    checkSecret('restApi.auth.password', restApi.auth.password);
  }
  if (typeof synchronous !== 'boolean') throw expected('synchronous', 'a boolean', synchronous);
  const superuserName = credentialName('superuser', superuser, 'postgres');
  const replicationName = credentialName('replication', replication, 'replicator');
  if (superuserName === replicationName) throw expected('replication.username', `another name than the superuser's`, replicationName);
  const rewindName = options.rewind === undefined ? null : credentialName('rewind', options.rewind, 'rewind');
  if (rewindName !== null && (rewindName === superuserName || rewindName === replicationName)) throw expected('rewind.username', 'another name than the superuser\'s and the replication user\'s', rewindName);
  for (const [key, value] of [['ttl', ttl], ['loopWait', loopWait], ['retryTimeout', retryTimeout]] as const) {
    if (!Number.isInteger(value) || value < 1) throw expected(key, 'a positive whole number of seconds', value);
  }
  if (loopWait + 2 * retryTimeout > ttl) throw expected('ttl', `at least loopWait + 2 * retryTimeout (${loopWait + 2 * retryTimeout}), as Patroni requires`, ttl);
  if (typeof settings !== 'object' || settings === null) throw expected('settings', 'an object of setting names and values', settings);
  const parameters: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(settings)) {
    if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(key)) throw expected(`settings.${key}`, 'a valid setting name', key);
    if (!['string', 'number', 'boolean'].includes(typeof value)) throw expected(`settings.${key}`, 'a string, number or boolean', value);
    parameters[key] = value;
  }
  const hbaLines = hba ?? defaultHba(superuserName, replicationName);
  if (!Array.isArray(hbaLines) || hbaLines.some((line) => typeof line !== 'string' || line.includes('\n') || line.trim() === '')) {
    throw expected('hba', 'an array of pg_hba.conf lines', hba);
  }
  if (socketDirectory !== undefined && (typeof socketDirectory !== 'string' || !isAbsolute(socketDirectory))) throw expected('socketDirectory', 'an absolute path', socketDirectory);
  if (pgpass !== undefined && (typeof pgpass !== 'string' || !isAbsolute(pgpass))) throw expected('pgpass', 'an absolute path', pgpass);
  const [dcsKey, dcsConfig] = checkDcs(dcs);
  let binDir: string | null = null;
  if (installation !== undefined) {
    binDir = installation?.paths?.bindir ?? null;
    if (binDir === null) throw expected('installation', 'an Installation with a bin directory', installation);
  }

  const local: Record<string, unknown> = {};
  if (socketDirectory !== undefined) local['unix_socket_directories'] = socketDirectory;
  return {
    scope,
    name,
    restapi: {
      listen: restApi.listen,
      connect_address: restApi.connectAddress,
      ...(restApi.auth === null ? {} : { authentication: { username: restApi.auth.username, password: restApi.auth.password } }),
    },
    [dcsKey]: dcsConfig,
    bootstrap: {
      dcs: {
        ttl,
        loop_wait: loopWait,
        retry_timeout: retryTimeout,
        maximum_lag_on_failover: 1_048_576,
        synchronous_mode: synchronous,
        postgresql: {
          use_pg_rewind: true,
          use_slots: true,
          parameters: { wal_level: 'replica', hot_standby: 'on', wal_log_hints: 'on', ...parameters },
        },
      },
      initdb: [{ encoding: 'UTF8' }, 'data-checksums'],
      // Patroni 3.0.2's validator still asks for it here; postgresql.pg_hba (below) is what it writes.
      pg_hba: [...hbaLines],
    },
    postgresql: {
      listen,
      connect_address: connectAddress,
      data_dir: dataDirectory,
      ...(binDir === null ? {} : { bin_dir: binDir }),
      pgpass: pgpass ?? `${dataDirectory.replace(/\/+$/, '')}.pgpass`,
      authentication: {
        superuser: { username: superuserName, password: superuser.password },
        replication: { username: replicationName, password: replication.password },
        ...(rewindName === null ? {} : { rewind: { username: rewindName, password: options.rewind!.password } }),
      },
      parameters: local,
      pg_hba: [...hbaLines],
    },
    tags: { nofailover: false, noloadbalance: false, clonefrom: false, nosync: false },
  };
}

/** The pg_hba.conf lines a member gets when `hba` is not given. */
export function defaultHba(superuser: string, replication: string): string[] {
  return [
    'local all all peer',
    `host replication ${replication} 127.0.0.1/32 scram-sha-256`,
    `host replication ${replication} ::1/128 scram-sha-256`,
    `host replication ${replication} samenet scram-sha-256`,
    `host all ${superuser} 127.0.0.1/32 scram-sha-256`,
    `host all ${superuser} ::1/128 scram-sha-256`,
    'host all all 127.0.0.1/32 scram-sha-256',
    'host all all ::1/128 scram-sha-256',
    'host all all samenet scram-sha-256',
  ];
}

function checkName(argument: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(value)) {
    throw expected(argument, 'a name of letters, digits, `_`, `.` and `-`', value);
  }
}

function checkSecret(argument: string, value: unknown): void {
  // Shown redacted: it is a password.
  if (typeof value !== 'string' || value === '' || /[\0\n\r]/.test(value)) throw expected(argument, 'a non-empty password without line breaks', '<redacted>');
}

function credentialName(argument: string, value: PatroniCredentials | undefined, fallback: string): string {
  if (typeof value !== 'object' || value === null) throw expected(argument, 'an object with a password', value);
  const name = value.username ?? fallback;
  checkName(`${argument}.username`, name);
  checkSecret(`${argument}.password`, value.password);
  return name;
}

const HOST_PORT = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.*-]+|[0-9A-Fa-f:]+):(\d{1,5})$/;

function checkHostPort(argument: string, value: unknown): void {
  const match = typeof value === 'string' ? HOST_PORT.exec(value) : null;
  const port = match === null ? NaN : Number(match[1]);
  if (!(port >= 1 && port <= 65535)) throw expected(argument, 'a `host:port` address', value);
}

function checkDcs(dcs: unknown): ['etcd3' | 'etcd', Record<string, unknown>] {
  const keys = typeof dcs === 'object' && dcs !== null ? Object.keys(dcs) : [];
  const key = keys[0];
  if (keys.length !== 1 || (key !== 'etcd3' && key !== 'etcd')) throw expected('dcs', '`{ etcd3: { hosts } }` or `{ etcd: { hosts } }`', dcs);
  const config = (dcs as Record<string, EtcdDcs>)[key];
  if (typeof config !== 'object' || config === null || !Array.isArray(config.hosts) || config.hosts.length === 0) {
    throw expected(`dcs.${key}.hosts`, 'a non-empty array of `host:port`', config?.hosts);
  }
  config.hosts.forEach((host, index) => checkHostPort(`dcs.${key}.hosts[${index}]`, host));
  const out: Record<string, unknown> = { hosts: [...config.hosts] };
  if (config.protocol !== undefined) {
    if (config.protocol !== 'http' && config.protocol !== 'https') throw expected(`dcs.${key}.protocol`, '`http` or `https`', config.protocol);
    out['protocol'] = config.protocol;
  }
  if (config.username !== undefined || config.password !== undefined) {
    checkName(`dcs.${key}.username`, config.username);
    checkSecret(`dcs.${key}.password`, config.password);
    out['username'] = config.username;
    out['password'] = config.password;
  }
  return [key, out];
}
