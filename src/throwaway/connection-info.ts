import { isAbsolute } from 'node:path';
import { inspect, type InspectOptionsStylized } from 'node:util';
import { expected } from '../errors.js';

/** What `toJSON()` and `inspect()` show instead of a password. */
export const REDACTED = '<redacted>';

/** The plain fields of a {@link ConnectionInfo}: what `toParameters({ includePassword: true })` gives and `ConnectionInfo.from` reads. */
export interface ConnectionParameters {
  /** A Unix socket directory (an absolute path) or a host name / IP address. */
  host: string;
  port: number;
  user: string;
  database: string;
  password?: string;
}

/** An object node-postgres (`new pg.Client(config)`) and postgres.js (`postgres(config)`) both accept. */
export interface ClientConfig {
  host: string;
  port: number;
  user: string;
  database: string;
  password?: string;
}

/** libpq's environment variables for the connection, for `psql` and every libpq tool (a type, so it fits `process.env`). */
export type ConnectionEnv = {
  PGHOST: string;
  PGPORT: string;
  PGUSER: string;
  PGDATABASE: string;
  PGPASSWORD?: string;
};

/**
 * Everything a client needs to reach one database of a server, in the shapes clients take:
 * a libpq keyword/value string, a URI, a client config object, environment variables.
 * Immutable; {@link ConnectionInfo.withDatabase} gives another database on the same server.
 */
export class ConnectionInfo implements ConnectionParameters {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
  readonly password?: string;

  constructor(parameters: ConnectionParameters) {
    const { host, port, user, database, password } = parameters ?? ({} as ConnectionParameters);
    if (typeof host !== 'string' || host === '') throw expected('host', 'a socket directory or a host name', host);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw expected('port', 'an integer from 1 to 65535', port);
    if (typeof user !== 'string' || user === '') throw expected('user', 'a non-empty string', user);
    if (typeof database !== 'string' || database === '') throw expected('database', 'a non-empty string', database);
    if (password !== undefined && typeof password !== 'string') throw expected('password', 'a string', REDACTED);
    if (password === REDACTED) {
      throw expected('password', 'the password itself (toJSON() redacts it: pass toParameters({ includePassword: true }) between processes)', REDACTED);
    }
    this.host = host;
    this.port = port;
    this.user = user;
    this.database = database;
    if (password !== undefined) this.password = password;
  }

  /**
   * Rebuilds one from its plain parameters, as {@link ConnectionInfo.toParameters} gives them
   * (`{ includePassword: true }` for a server with a password). A redacted password (what
   * `toJSON()` gives) is refused: it would only fail at the server.
   */
  static from(parameters: ConnectionParameters): ConnectionInfo {
    return parameters instanceof ConnectionInfo ? parameters : new ConnectionInfo(parameters);
  }

  /** True when `host` is a Unix socket directory rather than a network host. */
  get isUnixSocket(): boolean {
    return isAbsolute(this.host);
  }

  /** The same server and credentials, another database. */
  withDatabase(database: string): ConnectionInfo {
    return new ConnectionInfo({ ...this.toParameters({ includePassword: true }), database });
  }

  /** libpq keyword/value form: `host=/tmp/x port=5432 user=postgres dbname=postgres`, values quoted where needed. */
  connectionString(): string {
    const pairs: [string, string][] = [
      ['host', this.host],
      ['port', String(this.port)],
      ['user', this.user],
      ['dbname', this.database],
    ];
    if (this.password !== undefined) pairs.push(['password', this.password]);
    return pairs.map(([key, value]) => `${key}=${quoteConnectionValue(value)}`).join(' ');
  }

  /**
   * A `postgresql://` URI in the form libpq documents, which WHATWG `new URL()` parses too.
   * Over TCP: `postgresql://user:password@host:port/database`, an IPv6 address bracketed.
   * Over a Unix socket the authority is empty and the socket directory is the `host=` parameter:
   * `postgresql:///app?host=%2Ftmp%2Fx&port=5432&user=postgres[&password=…]`; user and password
   * go in the query too, since a userinfo with an empty host is not a valid URL.
   * User, password and socket directory are encoded with `encodeURIComponent`; the database
   * keeps the characters a URI path allows as they are (letters, digits, `-._~!$&'()*+,;=:@/`)
   * and encodes the rest, because neither node driver fully decodes the path.
   *
   * Who reads what (checked against a server in test/integration/throwaway/connection-info.test.ts):
   * libpq (psql) reads all of it back exactly, both forms. node-postgres reads all of it except a
   * database name holding `?`, `#` or a `.`/`..` segment (it decodes the path with `decodeURI`).
   * postgres.js 3.4 reads user, password, host and port of the TCP form, a database name only
   * when it needs no encoding, and not the socket form: it sends `host`, `port`, `user` and
   * `password` of the query to the server as settings, which refuses them. Give it
   * {@link clientConfig}, which carries every name to both node drivers.
   */
  uri(): string {
    const database = encodeDatabasePath(this.database);
    if (this.isUnixSocket) {
      const parameters: [string, string][] = [
        ['host', this.host],
        ['port', String(this.port)],
        ['user', this.user],
      ];
      if (this.password !== undefined) parameters.push(['password', this.password]);
      return `postgresql:///${database}?${parameters.map(([key, value]) => `${key}=${encodeURIComponent(value)}`).join('&')}`;
    }
    const credentials = encodeURIComponent(this.user) + (this.password === undefined ? '' : `:${encodeURIComponent(this.password)}`);
    const host = this.host.includes(':') ? `[${this.host}]` : encodeURIComponent(this.host);
    return `postgresql://${credentials}@${host}:${this.port}/${database}`;
  }

  /**
   * `{ host, port, user, database, password? }`, taken as they are by node-postgres
   * (`new pg.Client(config)`) and postgres.js (`postgres(config)`), both of which read a
   * socket directory in `host`: the form that carries every name to both drivers.
   */
  clientConfig(): ClientConfig {
    return this.toParameters({ includePassword: true });
  }

  /** `PGHOST`, `PGPORT`, `PGUSER`, `PGDATABASE`, and `PGPASSWORD` when there is a password. */
  env(): ConnectionEnv {
    const env: ConnectionEnv = {
      PGHOST: this.host,
      PGPORT: String(this.port),
      PGUSER: this.user,
      PGDATABASE: this.database,
    };
    if (this.password !== undefined) env.PGPASSWORD = this.password;
    return env;
  }

  /**
   * `{ host, port, user, database }`, and the password only when asked for by name: the form to
   * hand to another process (`ConnectionInfo.from` reads it back).
   */
  toParameters(options: { includePassword?: boolean } = {}): ConnectionParameters {
    const { includePassword = false } = options ?? {};
    if (typeof includePassword !== 'boolean') throw expected('includePassword', 'a boolean', includePassword);
    const parameters: ConnectionParameters = { host: this.host, port: this.port, user: this.user, database: this.database };
    if (includePassword && this.password !== undefined) parameters.password = this.password;
    return parameters;
  }

  /**
   * What `JSON.stringify` writes: the parameters with the password, if there is one, as
   * `'<redacted>'`, so a log line or a snapshot never holds it. Between processes use
   * {@link toParameters} with `{ includePassword: true }`.
   */
  toJSON(): ConnectionParameters {
    const json = this.toParameters();
    if (this.password !== undefined) json.password = REDACTED;
    return json;
  }

  /** What `inspect()` (and so the console) shows: the redacted form. */
  [inspect.custom](_depth: number, options: InspectOptionsStylized, show: typeof inspect): string {
    return `ConnectionInfo ${show(this.toJSON(), options)}`;
  }
}

/**
 * The database part of a URI: percent-encodes every character a URI path segment does not
 * allow as it is (RFC 3986 `pchar`), and keeps `/`, which libpq and both node drivers take as
 * part of the name. WHATWG URL parsers (node-postgres, postgres.js) drop `.` and `..` segments,
 * so a name with such a segment gets its `/` encoded instead (`a%2F..`): libpq still reads it.
 * A name that is `.` or `..` itself cannot pass a WHATWG parser in any spelling.
 */
export function encodeDatabasePath(database: string): string {
  const hasDotSegment = database.split('/').some((segment) => segment === '.' || segment === '..');
  const unsafe = hasDotSegment ? /[^A-Za-z0-9\-._~!$&'()*+,;=:@]/gu : /[^A-Za-z0-9\-._~!$&'()*+,;=:@/]/gu;
  return database.replace(unsafe, (character) => encodeURIComponent(character));
}

/** libpq's conninfo quoting: single quotes when empty or holding spaces, quotes or backslashes; `\` escapes. */
export function quoteConnectionValue(value: string): string {
  if (value !== '' && !/[\s'\\]/.test(value)) return value;
  return `'${value.replace(/['\\]/g, (c) => `\\${c}`)}'`;
}
