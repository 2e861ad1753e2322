import { PgClusterError } from '../errors.js';

/** The stable codes of {@link SqlFileError}. */
export type SqlFileErrorCode =
  /** The server refused a statement (or a COPY's data): `sqlstate` says why. */
  | 'SQL_STATEMENT_FAILED'
  /** A psql backslash command that the built-in runner does not run (`\connect`, `\gset`, `\copy`, …): use `via: 'psql'`. */
  | 'SQL_UNSUPPORTED_COMMAND'
  /** An `\i`/`\ir` file could not be read, or includes nest deeper than psql's files could sensibly go (a loop). */
  | 'SQL_INCLUDE_FAILED'
  /** `loadSql` was given a path that does not exist, a glob that matches no file, or a folder without `*.sql` files. */
  | 'SQL_FILES_NOT_FOUND'
  /** The server could not be reached (node-postgres's or psql's connection failed). */
  | 'SQL_CONNECTION_FAILED'
  /** The `signal` was aborted; the statement running then was cancelled on the server. */
  | 'SQL_CANCELLED'
  /** `via: 'psql'` and the installation has no `psql`, or psql failed in a way that names no statement. */
  | 'SQL_PSQL_FAILED';

/** Where a statement failed, and what the server said: the fields of {@link SqlFileError}. */
export interface SqlFileErrorFields {
  /** The file (absolute path), or `fileName` of `runSql`, or null for unnamed text. */
  file: string | null;
  /** 1-based line in `file`: of the server's error position when it gives one, else of the statement's first line. */
  line: number | null;
  /** 1-based column (in characters) of the server's error position, or null. */
  column: number | null;
  /** The server's SQLSTATE (`42P01`), or null for an error that is not the server's. */
  sqlstate: string | null;
  /** The statement (or meta-command) that failed, as written in the file. */
  statement: string | null;
  /** The server's (or psql's) message, without file and line. */
  serverMessage: string;
  detail?: string | undefined;
  hint?: string | undefined;
  /** The server's CONTEXT (inside a function, or `COPY t, line 3`). */
  where?: string | undefined;
  /** `\i` chain that led to `file`: the including files and the lines of their `\i`, outermost first. */
  includedFrom?: readonly { file: string | null; line: number }[];
  cause?: unknown;
}

/**
 * A SQL script that could not be run to its end: the file, line and column of the failure, the
 * server's SQLSTATE, message, detail and hint, and the statement as written. The same shape
 * from the built-in runner and from `via: 'psql'`. Statements before the failing one have run
 * (and committed, unless the script had opened a transaction, which is rolled back).
 */
export class SqlFileError extends PgClusterError {
  declare readonly code: SqlFileErrorCode;
  readonly file: string | null;
  readonly line: number | null;
  readonly column: number | null;
  readonly sqlstate: string | null;
  readonly statement: string | null;
  readonly serverMessage: string;
  readonly detail: string | undefined;
  readonly hint: string | undefined;
  readonly where: string | undefined;
  readonly includedFrom: readonly { file: string | null; line: number }[];

  constructor(code: SqlFileErrorCode, fields: SqlFileErrorFields) {
    super(code, describeSqlFailure(fields), { cause: fields.cause });
    this.file = fields.file;
    this.line = fields.line;
    this.column = fields.column;
    this.sqlstate = fields.sqlstate;
    this.statement = fields.statement;
    this.serverMessage = fields.serverMessage;
    this.detail = fields.detail;
    this.hint = fields.hint;
    this.where = fields.where;
    this.includedFrom = fields.includedFrom ?? [];
  }
}

/** `file.sql:7:8: ERROR 42P01: relation "nosuch" does not exist`, then DETAIL, HINT and CONTEXT lines. */
function describeSqlFailure(fields: SqlFileErrorFields): string {
  const where = [fields.file ?? '<sql>', fields.line, fields.column].filter((part) => part !== null).join(':');
  const prefix = fields.file === null && fields.line === null ? '' : `${where}: `;
  const lines = [`${prefix}${fields.sqlstate === null ? '' : `ERROR ${fields.sqlstate}: `}${fields.serverMessage}`];
  if (fields.detail) lines.push(`DETAIL: ${fields.detail}`);
  if (fields.hint) lines.push(`HINT: ${fields.hint}`);
  if (fields.where) lines.push(`CONTEXT: ${fields.where}`);
  for (const include of [...(fields.includedFrom ?? [])].reverse()) lines.push(`included from ${include.file ?? '<sql>'}:${include.line}`);
  return lines.join('\n');
}
