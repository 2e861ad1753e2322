import type pg from 'pg';
import { expected, PgClusterError } from '../errors.js';
import { quoteIdentifier as q } from '../throwaway/sql-quote.js';
import { ProvisionError } from './provision-error.js';
import { PROVISION_LOCK } from './provision.js';
import { resolveTarget, type ProvisionTarget } from './provision-target.js';
import { checkOptionNames, requestedUsers } from './request-options.js';
import { checkName } from './user-names.js';

export interface DeprovisionOptions {
  /** The client given to provision (names the user and the database); or give `user`. */
  client?: string;
  user?: string;
  /** Default `<user>_schema`, as provision. */
  schemaUser?: string;
  /** Default: the client's name (else `user`), as provision. */
  database?: string;
  /** Also drop the database and the schema user that owns it. Default false. */
  dropDatabase?: boolean;
  /** End the sessions in the way (the user's, the schema user's, and with `dropDatabase` the database's): `DROP DATABASE … WITH (FORCE)` on 13+. */
  force?: boolean;
}

export interface DeprovisionResult {
  /** Roles dropped, in order. */
  droppedRoles: string[];
  droppedDatabase: boolean;
  /** Sessions `force` ended. */
  terminated: number;
}

const OPTION_NAMES = new Set(['client', 'user', 'schemaUser', 'database', 'dropDatabase', 'force']);

/**
 * Removes what provision made for a client. The login user's objects in `database` are
 * reassigned to the schema user and its privileges there dropped (`REASSIGN OWNED`, `DROP
 * OWNED`), then the user is dropped. With `dropDatabase` the database goes too, and then the
 * schema user (its objects in `postgres` dropped with it). Roles named in `roles` stay (others
 * may use them). Open sessions of those users (or in the database to drop) make it refuse with
 * ProvisionError `SESSIONS_OPEN` unless `force`. What does not exist is skipped: idempotent.
 */
export async function deprovision(target: ProvisionTarget, options: DeprovisionOptions): Promise<DeprovisionResult> {
  checkOptionNames(options, OPTION_NAMES);
  const { client, dropDatabase = false, force = false } = options;
  const { user, schemaUser } = requestedUsers(options);
  const database = options.database ?? client ?? user;
  checkName('database', database);
  if (typeof dropDatabase !== 'boolean') throw expected('dropDatabase', 'a boolean', dropDatabase);
  if (typeof force !== 'boolean') throw expected('force', 'a boolean', force);

  const server = await resolveTarget(target);
  const admin = await server.connect();
  try {
    await admin.query('SELECT pg_advisory_lock($1, $2)', [...PROVISION_LOCK]);
    try {
      const { rows: [facts] } = await admin.query<{ me: string; major: number }>("SELECT current_user AS me, current_setting('server_version_num')::int / 10000 AS major");
      if ([user, schemaUser].includes(facts!.me)) throw new ProvisionError('NAME_CONFLICT', `Refusing to drop ${JSON.stringify(facts!.me)}: it is the superuser this call connects as`);
      const roles = dropDatabase ? [user, schemaUser] : [user];
      const existing = (await admin.query<{ name: string }>('SELECT rolname AS name FROM pg_roles WHERE rolname = ANY($1)', [roles])).rows.map((row) => row.name);
      const hasDatabase = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).rowCount === 1;
      const sessions = await admin.query<{ pid: number }>(
        'SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND (usename = ANY($1) OR ($2 AND datname = $3))',
        [existing, dropDatabase, database],
      );
      let terminated = 0;
      if (sessions.rows.length > 0) {
        if (!force) {
          throw new ProvisionError('SESSIONS_OPEN', `${sessions.rows.length} session(s) of ${JSON.stringify(user)}${dropDatabase ? ` or in ${JSON.stringify(database)}` : ''} are open: close them or pass force: true`);
        }
        for (const { pid } of sessions.rows) {
          const { rows } = await admin.query<{ ended: boolean }>('SELECT pg_terminate_backend($1) AS ended', [pid]);
          if (rows[0]?.ended) terminated++;
        }
      }
      const droppedRoles: string[] = [];
      let droppedDatabase = false;
      if (existing.includes(user) && hasDatabase && !dropDatabase) {
        await inDatabase(server.connect, database, async (db) => {
          const hasSchemaUser = (await db.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [schemaUser])).rowCount === 1;
          if (hasSchemaUser) await db.query(`REASSIGN OWNED BY ${q(user)} TO ${q(schemaUser)}`);
          await db.query(`DROP OWNED BY ${q(user)}`);
        });
      }
      if (dropDatabase && hasDatabase) {
        await admin.query(`DROP DATABASE ${q(database)}${force && facts!.major >= 13 ? ' WITH (FORCE)' : ''}`);
        droppedDatabase = true;
      }
      for (const role of existing) {
        // What the role still owns or may do in the database we are connected to (postgres).
        await admin.query(`DROP OWNED BY ${q(role)}`);
        await admin.query(`DROP ROLE ${q(role)}`);
        droppedRoles.push(role);
      }
      return { droppedRoles, droppedDatabase, terminated };
    } catch (error) {
      if (error instanceof PgClusterError) throw error;
      throw new ProvisionError('PROVISION_FAILED', `Deprovisioning ${JSON.stringify(user)} failed: ${(error as Error).message}`, { cause: error });
    } finally {
      await admin.query('SELECT pg_advisory_unlock($1, $2)', [...PROVISION_LOCK]).catch(() => undefined);
    }
  } finally {
    await admin.end().catch(() => undefined);
  }
}

async function inDatabase(connect: (database: string) => Promise<pg.Client>, database: string, work: (client: pg.Client) => Promise<void>): Promise<void> {
  const client = await connect(database);
  try {
    await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
