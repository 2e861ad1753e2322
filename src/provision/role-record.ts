// What pg-cluster did to a login user, kept in the role's comment (pg_shdescription, readable
// from every database): the memberships it granted (so a changed request revokes only those)
// and whether it made the user a superuser.
import type pg from 'pg';
import { quoteIdentifier, quoteLiteral } from '../throwaway/sql-quote.js';

/** The comment's prefix; the JSON follows it. */
export const RECORD_PREFIX = 'pg-cluster provision ';

export interface RoleRecord {
  /** Memberships pg-cluster granted. */
  roles: string[];
  /** True when pg-cluster made the role a superuser (`admin: true`). */
  superuser: boolean;
}

/** The record in a role comment, or an empty one when the comment is not ours. */
export function parseRoleRecord(comment: string | null): RoleRecord {
  if (comment === null || !comment.startsWith(RECORD_PREFIX)) return { roles: [], superuser: false };
  try {
    const parsed = JSON.parse(comment.slice(RECORD_PREFIX.length)) as Partial<RoleRecord>;
    const roles = Array.isArray(parsed.roles) ? parsed.roles.filter((role): role is string => typeof role === 'string') : [];
    return { roles, superuser: parsed.superuser === true };
  } catch {
    return { roles: [], superuser: false };
  }
}

export function formatRoleRecord(record: RoleRecord): string {
  return `${RECORD_PREFIX}${JSON.stringify({ roles: [...record.roles].sort(), superuser: record.superuser })}`;
}

/** Writes the record when it differs from `comment` (so a repeated request changes nothing). */
export async function writeRoleRecord(client: pg.Client, role: string, comment: string | null, record: RoleRecord): Promise<void> {
  const text = formatRoleRecord(record);
  if (text === comment) return;
  await client.query(`COMMENT ON ROLE ${quoteIdentifier(role)} IS ${quoteLiteral(text)}`);
}
