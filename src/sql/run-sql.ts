import { performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import { expected } from '../errors.js';
import { SqlSession, type SqlNotice } from './sql-session.js';
import { openSqlConnection, type SqlTarget } from './sql-target.js';

export interface RunSqlOptions {
  /** The name errors and notices give the text (and what `\ir` is relative to). Default: none (`<sql>`). */
  fileName?: string;
  /** What `\i` is relative to. Default: `process.cwd()`. */
  cwd?: string;
  /** Called with each notice or warning the server sends, and the file and line of its statement. */
  onNotice?: (notice: SqlNotice) => void;
  /** Stops the run: the statement running is cancelled on the server; rejects with `SQL_CANCELLED`. */
  signal?: AbortSignal;
  /** Runs it all in one transaction (psql's `-1`): BEGIN first, COMMIT at the end, nothing kept on failure. */
  singleTransaction?: boolean;
}

/** What a run did. */
export interface SqlRunResult {
  /** The files run, absolute paths, in order (`\i` includes not listed); empty for `runSql`. */
  files: string[];
  /** Statements sent to the server (COPY counts once); null via psql, which does not say. */
  statements: number | null;
  durationMs: number;
}

/** Checks the options runSql and loadSql share. */
export function checkRunOptions(options: { cwd?: unknown; onNotice?: unknown; signal?: unknown; singleTransaction?: unknown }): void {
  const { cwd, onNotice, signal, singleTransaction } = options;
  if (singleTransaction !== undefined && typeof singleTransaction !== 'boolean') throw expected('singleTransaction', 'a boolean', singleTransaction);
  if (cwd !== undefined && (typeof cwd !== 'string' || cwd === '')) throw expected('cwd', 'a non-empty string', cwd);
  if (onNotice !== undefined && typeof onNotice !== 'function') throw expected('onNotice', 'a function', onNotice);
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw expected('signal', 'an AbortSignal', signal);
}

/**
 * Runs SQL text holding any number of statements as `psql -v ON_ERROR_STOP=1` would: in order,
 * each on its own (BEGIN and COMMIT act as written), `COPY … FROM stdin` with the data that
 * follows it up to `\.`, `\i`/`\ir` included, stopping at the first error with a
 * {@link SqlFileError} that names the line, column and SQLSTATE. On a client it is given, the
 * client stays open (a transaction the text opened and did not end is rolled back on failure);
 * on a config, the connection is opened for the run and closed after it.
 */
export async function runSql(target: SqlTarget, text: string, options: RunSqlOptions = {}): Promise<SqlRunResult> {
  const { fileName, cwd = process.cwd(), onNotice, signal, singleTransaction = false } = options ?? {};
  if (typeof text !== 'string') throw expected('text', 'a string of SQL', text);
  if (fileName !== undefined && (typeof fileName !== 'string' || fileName === '')) throw expected('fileName', 'a non-empty string', fileName);
  checkRunOptions({ cwd, onNotice, signal, singleTransaction });
  const started = performance.now();
  const file = fileName === undefined ? null : fileName;
  const statements = await withSession(target, { cwd: resolve(cwd), onNotice, signal, singleTransaction }, async (session) => {
    await session.runScript(text, file, []);
  });
  return { files: [], statements, durationMs: performance.now() - started };
}

/** Opens the target, runs `work` on a session over it, and always lets go of the connection. */
export async function withSession(
  target: SqlTarget,
  options: { cwd: string; onNotice?: ((notice: SqlNotice) => void) | undefined; signal?: AbortSignal | undefined; singleTransaction: boolean },
  work: (session: SqlSession) => Promise<void>,
): Promise<number> {
  const connection = await openSqlConnection(target);
  let failed = true;
  const session = new SqlSession(connection.client, options);
  try {
    await session.start();
    if (options.singleTransaction) await session.begin();
    await work(session);
    if (options.singleTransaction) await session.commit();
    failed = false;
    return session.statements;
  } finally {
    // A connection of our own is closed, which rolls back what a failure left open.
    await session.finish(failed && !connection.isOwned).catch(() => undefined);
    await connection.release();
  }
}
