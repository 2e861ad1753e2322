import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { expected } from '../errors.js';
import { defaultInstallation, type Installation } from '../installation/index.js';
import { runPsqlScript } from './psql-script.js';
import { checkRunOptions, withSession, type SqlRunResult } from './run-sql.js';
import { SqlFileError } from './sql-file-error.js';
import { resolveSqlFiles } from './sql-paths.js';
import type { SqlNotice } from './sql-session.js';
import { connectionParametersOf, type SqlTarget } from './sql-target.js';

/** Who runs the files: pg-cluster's own runner on node-postgres, or the installation's `psql`. */
export type SqlRunner = 'node' | 'psql';

export interface LoadSqlOptions {
  /** What relative paths, globs and `\i` are relative to. Default: `process.cwd()`. */
  cwd?: string;
  /** `node` (default): the built-in runner on a node-postgres connection. `psql`: `psql -X -v ON_ERROR_STOP=1 -f …`. */
  via?: SqlRunner;
  /** via psql: the psql program. Default: the `psql` of `installation`. */
  psql?: string;
  /** via psql: whose psql to run. Default: `defaultInstallation()`. */
  installation?: Installation;
  /** Called with each notice or warning, and the file and line of its statement (via psql: after psql has ended). */
  onNotice?: (notice: SqlNotice) => void;
  /** Stops the run: the running statement is cancelled (via psql: psql is stopped); rejects with `SQL_CANCELLED`. */
  signal?: AbortSignal;
  /** All files in one transaction (psql's `-1`): BEGIN first, COMMIT after the last, nothing kept on failure. */
  singleTransaction?: boolean;
}

/**
 * Runs SQL files as `psql -v ON_ERROR_STOP=1 -f` runs them, one after the other on one
 * connection: a file, a folder's `*.sql` files in name order, a glob's files in name order, or
 * an array of those. Each file runs as {@link runSql} runs text; an error names the file, line,
 * column and SQLSTATE ({@link SqlFileError}) and stops the run, files after it not run. With
 * `via: 'psql'` the same files go to one psql, with the same error shape.
 */
export async function loadSql(target: SqlTarget, pathOrGlob: string | readonly string[], options: LoadSqlOptions = {}): Promise<SqlRunResult> {
  const { cwd = process.cwd(), via = 'node', psql, installation, onNotice, signal, singleTransaction = false } = options ?? {};
  checkRunOptions({ cwd, onNotice, signal, singleTransaction });
  if (via !== 'node' && via !== 'psql') throw expected('via', "`node` or `psql`", via);
  if (psql !== undefined && (typeof psql !== 'string' || psql === '')) throw expected('psql', 'the path of a psql program', psql);
  if (installation !== undefined && (typeof installation !== 'object' || installation === null || typeof installation.paths !== 'object')) {
    throw expected('installation', 'an Installation', installation);
  }
  const started = performance.now();
  const base = resolve(cwd);
  const files = await resolveSqlFiles(pathOrGlob, { cwd: base });

  if (via === 'psql') {
    const program = psql ?? (installation ?? (await defaultInstallation())).paths.psql;
    if (program === null) {
      throw new SqlFileError('SQL_PSQL_FAILED', {
        file: null,
        line: null,
        column: null,
        sqlstate: null,
        statement: null,
        serverMessage: "via: 'psql': the installation has no psql program (npm server packages ship none): pass `psql`, another `installation`, or use via: 'node'",
      });
    }
    await runPsqlScript(files, { psql: program, connection: connectionParametersOf(target), cwd: base, onNotice, signal, singleTransaction });
    return { files, statements: null, durationMs: performance.now() - started };
  }

  const statements = await withSession(target, { cwd: base, onNotice, signal, singleTransaction }, async (session) => {
    for (const file of files) {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        throw new SqlFileError('SQL_FILES_NOT_FOUND', {
          file,
          line: null,
          column: null,
          sqlstate: null,
          statement: null,
          serverMessage: `cannot read ${file}: ${(error as Error).message}`,
          cause: error,
        });
      }
      await session.runScript(text, file);
    }
  });
  return { files, statements, durationMs: performance.now() - started };
}
