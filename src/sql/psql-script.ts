import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CommandError, runCommand } from '../control/index.js';
import { cancelBackends } from './cancel-backend.js';
import { SqlFileError } from './sql-file-error.js';
import { psqlQueryText, splitSql, type SqlSegment } from './sql-lexer.js';
import { copyDataLine } from './sql-position.js';
import { caretColumn, parsePsqlMessages, type PsqlMessage } from './psql-output.js';
import type { SqlNotice } from './sql-session.js';
import type { SqlConnectionParameters } from './sql-target.js';

export interface PsqlScriptOptions {
  psql: string;
  connection: SqlConnectionParameters;
  cwd: string;
  onNotice?: ((notice: SqlNotice) => void) | undefined;
  signal?: AbortSignal | undefined;
  /** psql's `-1`: BEGIN before the first file, COMMIT after the last. */
  singleTransaction?: boolean;
}

/**
 * The arguments: no psqlrc, never a password prompt (psql would ask on the terminal), quiet,
 * results to /dev/null, stop at the first error, SQLSTATEs and the failing query on stderr.
 */
export function psqlArguments(files: readonly string[], singleTransaction = false): string[] {
  const args = ['-X', '-w', '-q', '-o', '/dev/null', '-v', 'ON_ERROR_STOP=1', '-v', 'VERBOSITY=verbose', '-v', 'ECHO=errors'];
  if (singleTransaction) args.push('-1');
  return [...args, ...files.flatMap((file) => ['-f', file])];
}

/**
 * Runs `files` with one psql (`psql -X -v ON_ERROR_STOP=1 -f a.sql -f b.sql`), the connection in
 * libpq's environment (the password in PGPASSWORD, never on the command line). A failure
 * becomes the {@link SqlFileError} the built-in runner would give: psql's `psql:FILE:LINE:`
 * names the line of the statement's end, so the statement is found in the file (from the text
 * psql echoes) and the line and column computed from its start, as the built-in runner does.
 */
export async function runPsqlScript(files: readonly string[], options: PsqlScriptOptions): Promise<void> {
  const { psql, connection, cwd, onNotice, signal, singleTransaction = false } = options;
  const env: Record<string, string> = { PGCLIENTENCODING: 'UTF8', LC_ALL: '', LC_MESSAGES: 'C' };
  if (connection.host !== undefined) env['PGHOST'] = connection.host;
  if (connection.port !== undefined) env['PGPORT'] = String(connection.port);
  if (connection.user !== undefined) env['PGUSER'] = connection.user;
  if (connection.database !== undefined) env['PGDATABASE'] = connection.database;
  if (connection.password !== undefined) env['PGPASSWORD'] = connection.password;
  // A name of its own, so that a cancellation can find psql's session and cancel its statement
  // before psql is stopped (a stopped psql leaves the statement running on the server).
  const applicationName = `pg-cluster-loadSql-${process.pid}-${randomBytes(6).toString('hex')}`;
  env['PGAPPNAME'] = applicationName;
  const stop = new AbortController();
  const onAbort = (): void => {
    void cancelBackends(connection, { applicationName }).finally(() => stop.abort(signal?.reason));
  };
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  let stderr: string;
  let failure: CommandError | null = null;
  try {
    ({ stderr } = await runCommand(psql, psqlArguments(files, singleTransaction), { env, cwd, signal: stop.signal }));
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    failure = error;
    stderr = (error.cause as { stderr?: unknown } | undefined)?.stderr === undefined ? error.stderrTail : String((error.cause as { stderr: unknown }).stderr);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  const messages = parsePsqlMessages(stderr);
  const scripts = new ScriptCache(cwd);
  if (onNotice) {
    for (const message of messages) {
      if (message.severity === 'STATEMENT' || message.severity === 'ERROR' || message.severity === 'error') continue;
      const statement = await scripts.statementAt(message.file, message.line, null);
      onNotice({
        severity: message.severity,
        sqlstate: message.sqlstate,
        message: message.message,
        detail: message.detail,
        hint: message.hint,
        file: scripts.path(message.file),
        line: statement?.line ?? message.line,
      });
    }
  }
  if (failure === null) return;
  if (failure.isCanceled || signal?.aborted) {
    throw new SqlFileError('SQL_CANCELLED', {
      file: null,
      line: null,
      column: null,
      sqlstate: null,
      statement: null,
      serverMessage: 'The run was cancelled (its signal was aborted): psql was stopped',
      cause: signal?.reason ?? failure,
    });
  }
  const errorIndex = messages.findIndex((message) => /^(ERROR|FATAL|PANIC|error|fatal)$/.test(message.severity));
  const error = messages[errorIndex];
  if (error === undefined) {
    const isConnection = failure.exitCode === 2;
    throw new SqlFileError(isConnection ? 'SQL_CONNECTION_FAILED' : 'SQL_PSQL_FAILED', {
      file: null,
      line: null,
      column: null,
      sqlstate: null,
      statement: null,
      serverMessage: failure.message,
      cause: failure,
    });
  }
  const echoed = messages.slice(errorIndex + 1).find((message) => message.severity === 'STATEMENT');
  throw await scripts.failure(error, echoed, failure);
}

/** The files psql named, read and split once, to find statements in. */
class ScriptCache {
  readonly #cwd: string;
  readonly #segments = new Map<string, SqlSegment[] | null>();

  constructor(cwd: string) {
    this.#cwd = cwd;
  }

  path(file: string): string {
    return resolve(this.#cwd, file);
  }

  async #segmentsOf(file: string): Promise<SqlSegment[] | null> {
    const path = this.path(file);
    if (!this.#segments.has(path)) {
      const text = await readFile(path, 'utf8').catch(() => null);
      this.#segments.set(path, text === null ? null : splitSql(text));
    }
    return this.#segments.get(path) ?? null;
  }

  /**
   * The statement psql was on at `line` (the line of its end): the one whose text psql echoed,
   * or else the last one that starts at or before the line. Null when the file cannot be read.
   */
  async statementAt(file: string, line: number, echoed: string | null): Promise<{ line: number; segment: SqlSegment; data: SqlSegment | null } | null> {
    const segments = await this.#segmentsOf(file);
    if (segments === null) return null;
    const wanted = echoed === null ? null : normalize(echoed);
    let best: { line: number; segment: SqlSegment; data: SqlSegment | null } | null = null;
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i]!;
      if (segment.kind !== 'statement' || segment.empty || segment.line > line) continue;
      if (wanted !== null && normalize(psqlQueryText(segment.text).text) !== wanted) continue;
      const next = segments[i + 1];
      best = { line: segment.line, segment, data: next?.kind === 'copy-data' ? next : null };
    }
    return best;
  }

  async failure(error: PsqlMessage, echoed: PsqlMessage | undefined, cause: CommandError): Promise<SqlFileError> {
    const isServer = /^[A-Z]/.test(error.severity);
    const found = await this.statementAt(error.file, error.line, isServer ? (echoed?.message ?? null) : null);
    let line = found?.line ?? error.line;
    let column: number | null = null;
    let statement: string | null = found?.segment.text ?? echoed?.message ?? null;
    if (!isServer) {
      // psql's own error (a meta-command): it names the line it read, which is the command's.
      const segments = (await this.#segmentsOf(error.file)) ?? [];
      const command = segments.find((segment) => segment.kind === 'meta-command' && segment.line === error.line);
      line = error.line;
      column = command?.column ?? null;
      statement = command?.text ?? null;
    } else if (found !== null && error.position !== undefined) {
      // psql's LINE n counts lines of the text it sent, which skips empty lines: map back.
      const { statementLine, shown, caret } = error.position;
      const sent = psqlQueryText(found.segment.text);
      const sourceLine = sent.sourceLines[statementLine - 1] ?? statementLine - 1;
      const inLine = caretColumn(sent.text.split('\n')[statementLine - 1] ?? '', shown, caret);
      line = found.segment.line + sourceLine;
      column = inLine === null ? null : sourceLine === 0 ? found.segment.column + inLine - 1 : inLine;
    } else if (found?.data && copyDataLine(error.context) !== null) {
      line = found.data.line + copyDataLine(error.context)! - 1;
    }
    return new SqlFileError(isServer ? 'SQL_STATEMENT_FAILED' : /\\(i|ir|include|include_relative)\b/.test(statement ?? '') ? 'SQL_INCLUDE_FAILED' : 'SQL_PSQL_FAILED', {
      file: this.path(error.file),
      line,
      column,
      sqlstate: error.sqlstate,
      statement,
      serverMessage: error.message,
      detail: error.detail,
      hint: error.hint,
      where: error.context,
      cause,
    });
  }
}

/** psql echoes the statement as it sent it; compare without the blanks around it. */
function normalize(text: string): string {
  return text.trim();
}
