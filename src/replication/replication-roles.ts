import type pg from 'pg';
import { computeScramVerifier } from '../cluster/scram-verifier.js';
import { formatCredentialsKey, type CredentialsStore } from '../provision/credentials-store.js';
import { generatePassword, isVerifierOf } from '../provision/provision-password.js';
import { quoteIdentifier, quoteLiteral } from '../throwaway/sql-quote.js';

/** The functions `pg_rewind` calls on its source over a normal connection (PostgreSQL's documented grants). */
const REWIND_FUNCTIONS = [
  'pg_catalog.pg_ls_dir(text, boolean, boolean)',
  'pg_catalog.pg_stat_file(text, boolean)',
  'pg_catalog.pg_read_binary_file(text)',
  'pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean)',
];

/**
 * Creates the role (or brings it to `LOGIN` and, for the replication user, `REPLICATION`) with a
 * password kept in `credentials` under `<system identifier>/<name>`, as provision keeps its
 * users' passwords: a stored one is reused while the role's SCRAM verifier still matches it,
 * otherwise (a new role, no entry, a changed password) one is generated (192 bits), stored and
 * set. The password reaches the server only as a SCRAM verifier.
 */
export async function settleReplicationRole(
  admin: pg.Client,
  name: string,
  kind: 'replication' | 'rewind',
  credentials: CredentialsStore,
  systemIdentifier: string,
): Promise<string> {
  const key = formatCredentialsKey(systemIdentifier, name);
  const { rows } = await admin.query<{ rolpassword: string | null; rolcanlogin: boolean; rolreplication: boolean }>(
    'SELECT rolpassword, rolcanlogin, rolreplication FROM pg_authid WHERE rolname = $1',
    [name],
  );
  const before = rows[0];
  const stored = before === undefined ? undefined : await credentials.get(key);
  const password = stored ?? generatePassword();
  if (stored !== password) await credentials.set(key, password);
  const role = quoteIdentifier(name);
  const attributes = kind === 'replication' ? 'LOGIN REPLICATION' : 'LOGIN';
  if (before === undefined) {
    await admin.query(`CREATE ROLE ${role} ${attributes} PASSWORD ${quoteLiteral(computeScramVerifier(password))}`);
  } else {
    if (!isVerifierOf(before.rolpassword, password)) await admin.query(`ALTER ROLE ${role} PASSWORD ${quoteLiteral(computeScramVerifier(password))}`);
    if (!before.rolcanlogin || (kind === 'replication' && !before.rolreplication)) await admin.query(`ALTER ROLE ${role} ${attributes}`);
  }
  if (kind === 'rewind') {
    for (const fn of REWIND_FUNCTIONS) await admin.query(`GRANT EXECUTE ON FUNCTION ${fn} TO ${role}`);
  }
  return password;
}
