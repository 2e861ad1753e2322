import { inspect, type InspectOptionsStylized } from 'node:util';
import { ConnectionInfo, REDACTED, type ConnectionParameters } from '../throwaway/connection-info.js';
import type { ServerState } from './server-state.js';

/** What a grant's `toJSON()` gives: the connection with both passwords redacted, and the rest. */
export interface ProvisionGrantDescription extends ConnectionParameters {
  schemaUser: string;
  schemaPassword: string;
  state: ServerState;
  passwordReset: boolean;
  socket: ConnectionParameters | null;
  roles: string[];
  extensions: string[];
  admin: boolean;
}

export interface ProvisionGrantParts {
  connection: ConnectionParameters & { password: string };
  socket: ConnectionInfo | null;
  schemaUser: string;
  schemaPassword: string;
  state: ServerState;
  passwordReset: boolean;
  roles: string[];
  extensions: string[];
  admin: boolean;
}

/**
 * What `provision` hands back: a {@link ConnectionInfo} for the login user (host, port,
 * database, user, password; `connectionString()`, `uri()`, `env()`, `clientConfig()`), plus the
 * schema user and its password (who runs migrations), the server's state, and the same
 * connection over the Unix socket (`socket`) when the server has one. `toJSON()` and `inspect`
 * redact both passwords; `toParameters({ includePassword: true })` is the explicit form.
 */
export class ProvisionGrant extends ConnectionInfo {
  declare readonly password: string;
  /** The user that owns the database (migrations: CREATE TABLE …); the login user can use what it creates. */
  readonly schemaUser: string;
  readonly schemaPassword: string;
  /** `standalone`, `master` or `hot standby` (see {@link serverState}). */
  readonly state: ServerState;
  /** True when the user existed but the store did not know its password, so `provision` set a new one. */
  readonly passwordReset: boolean;
  /** The login user's connection over the server's Unix socket, or null when it has none (or the target was a ConnectionInfo). */
  readonly socket: ConnectionInfo | null;
  /** The roles the user is a member of through this request. */
  readonly roles: readonly string[];
  readonly extensions: readonly string[];
  /** Whether the login user is a superuser (the charm's `db-admin`). */
  readonly admin: boolean;

  constructor(parts: ProvisionGrantParts) {
    super(parts.connection);
    this.schemaUser = parts.schemaUser;
    this.schemaPassword = parts.schemaPassword;
    this.state = parts.state;
    this.passwordReset = parts.passwordReset;
    this.socket = parts.socket;
    this.roles = Object.freeze([...parts.roles]);
    this.extensions = Object.freeze([...parts.extensions]);
    this.admin = parts.admin;
  }

  /** The schema user's connection to the database (same host and port). */
  schemaConnection(): ConnectionInfo {
    return new ConnectionInfo({ ...this.toParameters(), user: this.schemaUser, password: this.schemaPassword });
  }

  /** Everything but the passwords, which read `'<redacted>'`. */
  override toJSON(): ProvisionGrantDescription {
    return {
      ...super.toJSON(),
      schemaUser: this.schemaUser,
      schemaPassword: REDACTED,
      state: this.state,
      passwordReset: this.passwordReset,
      socket: this.socket?.toJSON() ?? null,
      roles: [...this.roles],
      extensions: [...this.extensions],
      admin: this.admin,
    };
  }

  /** Shown redacted (`toJSON()`). */
  override toString(): string {
    return `ProvisionGrant ${JSON.stringify(this.toJSON())}`;
  }

  override [inspect.custom](_depth: number, options: InspectOptionsStylized, show: typeof inspect): string {
    return `ProvisionGrant ${show(this.toJSON(), options)}`;
  }
}
