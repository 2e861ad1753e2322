import { expected } from '../errors.js';

/**
 * Quotes an SQL identifier (a database, role or schema name) the way PostgreSQL's
 * `quote_ident` does, but always: double quotes around it, inner double quotes doubled.
 * A NUL character cannot be part of an identifier and is refused.
 */
export function quoteIdentifier(name: string): string {
  if (typeof name !== 'string' || name === '' || name.includes('\0')) {
    throw expected('identifier', 'a non-empty string without NUL characters', name);
  }
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Quotes an SQL string literal the way PostgreSQL's `quote_literal` does: single quotes doubled,
 * and when the value holds a backslash, the `E'…'` form with backslashes doubled, so the result
 * means the same whatever `standard_conforming_strings` is.
 */
export function quoteLiteral(value: string): string {
  if (typeof value !== 'string' || value.includes('\0')) {
    throw expected('literal', 'a string without NUL characters', value);
  }
  const body = value.replaceAll("'", "''");
  return value.includes('\\') ? `E'${body.replaceAll('\\', '\\\\')}'` : `'${body}'`;
}
