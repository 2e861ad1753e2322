import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { expected } from '../errors.js';
import { from as copyFrom } from 'pg-copy-streams';
import { parseMetaCommand } from './meta-command.js';
import { SqlFileError, type SqlFileErrorCode } from './sql-file-error.js';
import { scanSql, type SqlLexerState, type SqlSegment } from './sql-lexer.js';
import { copyDataLine, locateInSegment, offsetOfPosition } from './sql-position.js';
import { cancelBackends } from './cancel-backend.js';
import { connectionParametersOf } from './sql-target.js';

/** A notice, warning or other non-error message the server sent while a script ran. */
export interface SqlNotice {
  /** `NOTICE`, `WARNING`, `INFO`, `LOG`, `DEBUG`. */
  severity: string;
  /** The SQLSTATE (`00000` for a plain notice, `01000` for a warning, …). */
  sqlstate: string | null;
  message: string;
  detail?: string | undefined;
  hint?: string | undefined;
  /** The file and line of the statement that caused it (null file: unnamed text). */
  file: string | null;
  line: number | null;
}

export interface SqlSessionOptions {
  /** What `\i` and `\include` are relative to. */
  cwd: string;
  onNotice?: ((notice: SqlNotice) => void) | undefined;
  signal?: AbortSignal | undefined;
}

/** How deep `\i` may nest: far past any real script, short of a loop's stack overflow. */
export const MAX_SQL_INCLUDE_DEPTH = 32;

/** The size of the COPY data chunks sent to the server. */
const COPY_CHUNK_CHARS = 64 * 1024;

/** psql variables that only change what psql displays: `\set` of them changes nothing here. */
const DISPLAY_VARIABLES = new Set(['ECHO', 'ECHO_HIDDEN', 'QUIET', 'VERBOSITY', 'SHOW_CONTEXT', 'SHOW_ALL_RESULTS', 'PROMPT1', 'PROMPT2', 'PROMPT3']);

interface Source {
  file: string | null;
  includedFrom: { file: string | null; line: number }[];
}

type ParameterStatus = { parameterName: string; parameterValue: string };

/** The fields of node-postgres's notice message that a notice carries on. */
type NoticeFields = { severity?: string | undefined; code?: string | undefined; message: string; detail?: string | undefined; hint?: string | undefined };

/**
 * Runs psql scripts on one connection as `psql -v ON_ERROR_STOP=1 -f` would: statements in
 * order, each sent alone (so BEGIN/COMMIT act as written), COPY … FROM stdin data streamed,
 * `\i`/`\ir` followed, the first error stops the run. Meant for one run: `start()`, any number
 * of `runScript()`, `finish()`.
 */
export class SqlSession {
  readonly #client: pg.ClientBase;
  readonly #options: SqlSessionOptions;
  readonly #lexerState: SqlLexerState = { standardConformingStrings: true };
  #statements = 0;
  /** The key of an active `\restrict` (pg_dump 15.14+ writes one): until `\unrestrict key`, no other command runs. */
  #restrictKey: string | null = null;
  #startStatus: string | null = null;
  #current: { source: Source; segment: SqlSegment } | null = null;
  #running = false;
  #detach: (() => void)[] = [];

  constructor(client: pg.ClientBase, options: SqlSessionOptions) {
    this.#client = client;
    this.#options = options;
  }

  /** Statements sent so far. */
  get statements(): number {
    return this.#statements;
  }

  /** Reads the server's `standard_conforming_strings` and starts listening for its changes and for notices. */
  async start(): Promise<void> {
    this.#checkAborted(null);
    const client = this.#client;
    this.#startStatus = transactionStatus(client);
    let rows: { standard_conforming_strings: string }[];
    try {
      ({ rows } = await client.query<{ standard_conforming_strings: string }>('SHOW standard_conforming_strings'));
    } catch (error) {
      // A client in a failed transaction (25P02) or a broken connection: nothing of the script ran.
      const sqlstate = (error as { code?: unknown }).code;
      const isServer = typeof sqlstate === 'string' && /^[0-9A-Z]{5}$/.test(sqlstate);
      throw new SqlFileError(isServer ? 'SQL_STATEMENT_FAILED' : 'SQL_CONNECTION_FAILED', {
        file: null,
        line: null,
        column: null,
        sqlstate: isServer ? sqlstate : null,
        statement: 'SHOW standard_conforming_strings',
        serverMessage: `The client cannot run statements, nothing was run: ${(error as Error).message}`,
        cause: error,
      });
    }
    this.#lexerState.standardConformingStrings = rows[0]?.standard_conforming_strings !== 'off';
    // The server reports the setting's changes (SET, RESET, set_config) as psql hears them.
    const connection = (client as unknown as { connection?: NodeJS.EventEmitter }).connection;
    if (connection && typeof connection.on === 'function') {
      const onStatus = (message: ParameterStatus): void => {
        if (message.parameterName === 'standard_conforming_strings') this.#lexerState.standardConformingStrings = message.parameterValue !== 'off';
      };
      connection.on('parameterStatus', onStatus);
      this.#detach.push(() => connection.off('parameterStatus', onStatus));
    }
    const onNotice = this.#options.onNotice;
    if (onNotice) {
      const listener = (notice: NoticeFields): void => {
        const current = this.#current;
        onNotice({
          severity: notice.severity ?? 'NOTICE',
          sqlstate: notice.code ?? null,
          message: notice.message,
          detail: notice.detail,
          hint: notice.hint,
          file: current?.source.file ?? null,
          line: current?.segment.line ?? null,
        });
      };
      client.on('notice', listener as (notice: unknown) => void);
      this.#detach.push(() => client.off('notice', listener as (notice: unknown) => void));
    }
    const signal = this.#options.signal;
    if (signal) {
      const onAbort = (): void => {
        const pid = (client as unknown as { processID?: number | null }).processID;
        if (this.#running && typeof pid === 'number') void cancelBackends(connectionParametersOf(client), { pid });
      };
      signal.addEventListener('abort', onAbort);
      this.#detach.push(() => signal.removeEventListener('abort', onAbort));
    }
  }

  /** Opens the transaction of `singleTransaction` (psql's `-1`); refused inside the caller's own transaction. */
  async begin(): Promise<void> {
    if (this.#startStatus !== null && this.#startStatus !== 'I') {
      throw expected('singleTransaction', 'false on a client that is inside a transaction already (its COMMIT would end the caller\'s)', true);
    }
    await this.#client.query('BEGIN');
  }

  /** Commits the transaction of `singleTransaction`; a failure (a deferred constraint) names no file. */
  async commit(): Promise<void> {
    try {
      await this.#client.query('COMMIT');
    } catch (error) {
      const fields = error as Partial<pg.DatabaseError>;
      throw new SqlFileError('SQL_STATEMENT_FAILED', {
        file: null,
        line: null,
        column: null,
        sqlstate: typeof fields.code === 'string' ? fields.code : null,
        statement: 'COMMIT',
        serverMessage: `COMMIT of the single transaction failed: ${(error as Error).message}`,
        detail: fields.detail,
        hint: fields.hint,
        where: fields.where,
        cause: error,
      });
    }
  }

  /**
   * Stops listening; after a failure, rolls back a transaction the scripts opened (psql's exit
   * does that by closing its connection), so a caller's client is usable again.
   */
  async finish(failed: boolean): Promise<void> {
    for (const detach of this.#detach.splice(0)) detach();
    if (failed && this.#startStatus === 'I' && transactionStatus(this.#client) !== 'I') {
      await this.#client.query('ROLLBACK').catch(() => undefined);
    }
  }

  /** Runs one script; `\q` ends it (only it, as in psql: an including script or the next file goes on). */
  async runScript(text: string, file: string | null, includedFrom: Source['includedFrom'] = []): Promise<void> {
    const source: Source = { file, includedFrom };
    const segments = scanSql(text, this.#lexerState);
    // A statement ended by a backslash command rather than `;`: `\g` sends it, the end of the file too.
    let pending: SqlSegment | null = null;
    for (let next = segments.next(); !next.done; next = segments.next()) {
      const segment = next.value;
      if (segment.kind === 'space') continue;
      if (segment.kind === 'meta-command') {
        const command = parseMetaCommand(segment.text);
        if (pending !== null) {
          if (command.name === 'g' && command.args.length === 0 && this.#restrictKey === null) {
            await this.#runStatement(source, pending);
            pending = null;
            continue;
          }
          throw this.#unsupported(source, segment, `\\${command.name} inside a statement (before its \`;\`) is not supported by the built-in runner`);
        }
        if ((await this.#runMetaCommand(source, segment, command)) === 'quit') return;
        continue;
      }
      if (pending !== null) {
        await this.#runStatement(source, pending);
        pending = null;
      }
      if (segment.kind !== 'statement' || segment.empty) continue;
      if (segment.copyFromStdin) {
        const data = segments.next();
        await this.#runCopy(source, segment, data.done ? null : data.value);
      } else if (segment.terminated) {
        await this.#runStatement(source, segment);
      } else {
        pending = segment;
      }
    }
    if (pending !== null) await this.#runStatement(source, pending);
  }

  async #runStatement(source: Source, segment: SqlSegment): Promise<void> {
    this.#checkAborted(source, segment);
    this.#current = { source, segment };
    this.#running = true;
    try {
      this.#statements++;
      await this.#client.query(segment.text);
    } catch (error) {
      throw this.#failure(source, segment, null, error);
    } finally {
      this.#running = false;
    }
  }

  async #runCopy(source: Source, segment: SqlSegment, data: SqlSegment | null): Promise<void> {
    this.#checkAborted(source, segment);
    this.#current = { source, segment };
    this.#running = true;
    const rows = data?.data ?? '';
    try {
      this.#statements++;
      const stream = this.#client.query(copyFrom(segment.text));
      await pipeline(Readable.from(chunksOf(rows)), stream);
    } catch (error) {
      throw this.#failure(source, segment, data, error);
    } finally {
      this.#running = false;
    }
  }

  /** Runs a backslash command; 'quit' for `\q`, which ends the script it is in. */
  async #runMetaCommand(source: Source, segment: SqlSegment, command: ReturnType<typeof parseMetaCommand>): Promise<'quit' | void> {
    const { name, args } = command;
    if (this.#restrictKey !== null) {
      if (name === 'unrestrict' && args[0] === this.#restrictKey && args.length === 1) {
        this.#restrictKey = null;
        return;
      }
      throw this.#unsupported(source, segment, `\\${name} is not allowed in restricted mode (after \\restrict, only \\unrestrict with the same key runs)`);
    }
    if (command.unsupported !== null) throw this.#unsupported(source, segment, `\\${name} with ${command.unsupported} needs psql: use loadSql(…, { via: 'psql' })`);
    switch (name) {
      case 'i':
      case 'include':
      case 'ir':
      case 'include_relative': {
        if (args.length !== 1) throw this.#unsupported(source, segment, `\\${name} takes one file name`);
        const relative = name === 'ir' || name === 'include_relative';
        // `\ir` is relative to the including file's folder (a relative fileName is under cwd).
        const base = relative && source.file !== null ? dirname(resolve(this.#options.cwd, source.file)) : this.#options.cwd;
        const file = isAbsolute(args[0]!) ? args[0]! : resolve(base, args[0]!);
        const includedFrom = [...source.includedFrom, { file: source.file, line: segment.line }];
        if (includedFrom.length > MAX_SQL_INCLUDE_DEPTH) {
          throw this.#error('SQL_INCLUDE_FAILED', source, segment, `\\${name} ${args[0]}: includes nest deeper than ${MAX_SQL_INCLUDE_DEPTH} files (a file that includes itself?)`);
        }
        let text: string;
        try {
          text = await readFile(file, 'utf8');
        } catch (error) {
          throw this.#error('SQL_INCLUDE_FAILED', source, segment, `\\${name} ${args[0]}: cannot read ${file}: ${(error as Error).message}`, error);
        }
        await this.runScript(text, file, includedFrom);
        return;
      }
      case 'set': {
        const [variable, ...values] = args;
        const value = values.join('');
        if (variable === 'ON_ERROR_STOP') {
          if (/^(on|true|1|yes)$/i.test(value)) return;
          throw this.#unsupported(source, segment, `\\set ON_ERROR_STOP ${value}: the built-in runner always stops at the first error`);
        }
        if (variable !== undefined && DISPLAY_VARIABLES.has(variable)) return;
        throw this.#unsupported(source, segment, `\\set ${variable ?? ''}: psql variables are not supported by the built-in runner (use via: 'psql')`);
      }
      case 'restrict':
        if (args.length !== 1 || args[0] === '') throw this.#unsupported(source, segment, '\\restrict takes one key');
        this.#restrictKey = args[0]!;
        return;
      case 'unrestrict':
        throw this.#unsupported(source, segment, '\\unrestrict without a \\restrict before it');
      case 'echo':
      case 'qecho':
      case 'warn':
        // psql prints these; the library prints nothing, and they change nothing in the database.
        return;
      case 'q':
      case 'quit':
        return 'quit';
      case 'c':
      case 'connect':
        throw this.#unsupported(source, segment, `\\${name}: the built-in runner runs on one connection; run the parts on their own connections, or use via: 'psql'`);
      default:
        throw this.#unsupported(source, segment, `\\${name} is not supported by the built-in runner (it runs SQL, \\i, \\ir, \\set ON_ERROR_STOP, \\restrict, \\echo and \\q): use via: 'psql'`);
    }
  }

  #checkAborted(source: Source | null, segment?: SqlSegment): void {
    const signal = this.#options.signal;
    if (!signal?.aborted) return;
    throw new SqlFileError('SQL_CANCELLED', {
      file: source?.file ?? null,
      line: segment?.line ?? null,
      column: null,
      sqlstate: null,
      statement: segment?.text ?? null,
      serverMessage: 'The run was cancelled (its signal was aborted)',
      includedFrom: source?.includedFrom,
      cause: signal.reason,
    });
  }

  #unsupported(source: Source, segment: SqlSegment, message: string): SqlFileError {
    return this.#error('SQL_UNSUPPORTED_COMMAND', source, segment, message);
  }

  #error(code: SqlFileErrorCode, source: Source, segment: SqlSegment, message: string, cause?: unknown): SqlFileError {
    return new SqlFileError(code, {
      file: source.file,
      line: segment.line,
      column: segment.column,
      sqlstate: null,
      statement: segment.text,
      serverMessage: message,
      includedFrom: source.includedFrom,
      cause,
    });
  }

  /** The server's error on `segment` as a SqlFileError that points into the file. */
  #failure(source: Source, segment: SqlSegment, data: SqlSegment | null, error: unknown): SqlFileError {
    const fields = error as Partial<pg.DatabaseError>;
    const sqlstate = typeof fields.code === 'string' && /^[0-9A-Z]{5}$/.test(fields.code) ? fields.code : null;
    if (this.#options.signal?.aborted && (sqlstate === '57014' || sqlstate === null)) {
      return new SqlFileError('SQL_CANCELLED', {
        file: source.file,
        line: segment.line,
        column: null,
        sqlstate,
        statement: segment.text,
        serverMessage: 'The run was cancelled (its signal was aborted) during this statement',
        includedFrom: source.includedFrom,
        cause: error,
      });
    }
    let line = segment.line;
    let column: number | null = null;
    const position = Number(fields.position);
    const copyLine = copyDataLine(fields.where);
    if (Number.isInteger(position) && position > 0) {
      ({ line, column } = locateInSegment(segment, offsetOfPosition(segment.text, position)));
    } else if (data !== null && copyLine !== null) {
      line = data.line + copyLine - 1;
    }
    return new SqlFileError(sqlstate === null ? 'SQL_CONNECTION_FAILED' : 'SQL_STATEMENT_FAILED', {
      file: source.file,
      line,
      column,
      sqlstate,
      statement: segment.text,
      serverMessage: (error as Error).message ?? String(error),
      detail: fields.detail,
      hint: fields.hint,
      where: fields.where,
      includedFrom: source.includedFrom,
      cause: error,
    });
  }
}

function transactionStatus(client: pg.ClientBase): string | null {
  const status = (client as { getTransactionStatus?: () => string | null }).getTransactionStatus;
  return typeof status === 'function' ? status.call(client) : null;
}

function* chunksOf(text: string): Generator<Buffer> {
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + COPY_CHUNK_CHARS, text.length);
    // Never split a surrogate pair across two chunks.
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end++;
    yield Buffer.from(text.slice(start, end), 'utf8');
    start = end;
  }
}
