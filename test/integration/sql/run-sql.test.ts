// runSql and loadSql on a real server, through the built-in runner and through psql, against
// the same files: the resulting database state (a catalog dump) must be the same either way.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSql, runSql, SqlFileError, type SqlNotice } from '../../../src/sql/index.js';
import { startScratchServer, systemBindir, type ScratchServer } from '../../helpers/scratch-server.js';

let server: ScratchServer;
let files: string;
let psql: string;
let databaseCount = 0;

beforeAll(async () => {
  server = await startScratchServer();
  files = mkdtempSync('/tmp/pgct-sqlfiles-');
  psql = join(systemBindir(), 'psql');
});

afterAll(async () => {
  await server?.stop();
  if (files) rmSync(files, { recursive: true, force: true });
});

/** A fresh database and its client config. */
async function freshDatabase(): Promise<pg.ClientConfig> {
  const name = `sqlfiles_${++databaseCount}`;
  await server.query(`CREATE DATABASE ${name}`);
  return { host: server.socketDir, port: 5432, user: 'postgres', database: name };
}

function write(name: string, text: string): string {
  const path = join(files, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

async function rows(config: pg.ClientConfig, sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client(config);
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

async function failureOf(promise: Promise<unknown>): Promise<SqlFileError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SqlFileError);
  return error as SqlFileError;
}

describe('runSql', () => {
  it('runs several statements in order, with dollar quotes, comments and E strings', async () => {
    const config = await freshDatabase();
    const result = await runSql(
      config,
      [
        '-- a comment; with a semicolon',
        'CREATE TABLE t (id int PRIMARY KEY, body text);',
        '/* a /* nested */ comment; */',
        "INSERT INTO t VALUES (1, E'it\\'s; here'), (2, 'plain ''quoted''; text');",
        'CREATE FUNCTION f() RETURNS text LANGUAGE plpgsql AS $body$',
        'BEGIN',
        "  RETURN 'in $$ a body; with semicolons';",
        'END',
        '$body$;',
        'INSERT INTO t SELECT 3, f()',
      ].join('\n'),
    );
    expect(result.statements).toBe(4);
    expect(await rows(config, 'SELECT id, body FROM t ORDER BY id')).toEqual([
      { id: 1, body: "it's; here" },
      { id: 2, body: "plain 'quoted'; text" },
      { id: 3, body: 'in $$ a body; with semicolons' },
    ]);
  });

  it('names the file, line, column and SQLSTATE of a failing statement; the statements before it ran', async () => {
    const config = await freshDatabase();
    const error = await failureOf(runSql(config, 'CREATE TABLE a (x int);\n\nSELECT *\n  FROM nosuch;\nCREATE TABLE b (x int);', { fileName: 'm/001.sql' }));
    expect(error.code).toBe('SQL_STATEMENT_FAILED');
    expect({ file: error.file, line: error.line, column: error.column, sqlstate: error.sqlstate }).toEqual({ file: 'm/001.sql', line: 4, column: 8, sqlstate: '42P01' });
    expect(error.message).toBe('m/001.sql:4:8: ERROR 42P01: relation "nosuch" does not exist');
    expect(error.statement).toBe('SELECT *\n  FROM nosuch;');
    expect(await rows(config, "SELECT to_regclass('a') IS NOT NULL AS a, to_regclass('b') IS NOT NULL AS b")).toEqual([{ a: true, b: false }]);
  });

  it('leaves a given client open and out of the transaction the failing text opened', async () => {
    const config = await freshDatabase();
    const client = new pg.Client(config);
    await client.connect();
    try {
      await failureOf(runSql(client, 'BEGIN;\nCREATE TABLE inside (x int);\nSELECT 1/0;\nCOMMIT;'));
      expect(client.getTransactionStatus()).toBe('I');
      expect((await client.query("SELECT to_regclass('inside') IS NULL AS gone")).rows).toEqual([{ gone: true }]);
    } finally {
      await client.end();
    }
  });

  it('says so, typed, when a given client is in a failed transaction, and runs nothing', async () => {
    const config = await freshDatabase();
    const client = new pg.Client(config);
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT 1/0').catch(() => undefined);
      const error = await failureOf(runSql(client, 'CREATE TABLE never (x int);'));
      expect({ code: error.code, sqlstate: error.sqlstate, line: error.line }).toEqual({ code: 'SQL_STATEMENT_FAILED', sqlstate: '25P02', line: null });
      expect(error.message).toContain('nothing was run');
      expect(client.getTransactionStatus()).toBe('E');
    } finally {
      await client.end();
    }
  });

  it('reports notices with their file and line', async () => {
    const config = await freshDatabase();
    const notices: SqlNotice[] = [];
    await runSql(config, "SELECT 1;\nDO $$ BEGIN RAISE NOTICE 'hello %', 42; END $$;", { fileName: 'n.sql', onNotice: (notice) => notices.push(notice) });
    expect(notices).toEqual([expect.objectContaining({ severity: 'NOTICE', sqlstate: '00000', message: 'hello 42', file: 'n.sql', line: 2 })]);
  });
});

describe('loadSql: the built-in runner and psql give the same result', () => {
  it('runs COPY … FROM stdin data blocks, text and CSV, with ; and \\. in the data', async () => {
    write(
      'copy/data.sql',
      [
        'CREATE TABLE items (id int, name text, note text);',
        'COPY items (id, name, note) FROM stdin;',
        '1\tsemi;colon\t\\N',
        '2\tback\\\\.slash\tends with \\\\.',
        '3\t\\\\.\ttab\\there',
        '\\.',
        "COPY items FROM stdin WITH (FORMAT csv, HEADER true);",
        'id,name,note',
        '4,"a, b; c","line one',
        'line two"',
        '5,\\.x,"\\."',
        '\\.',
        "INSERT INTO items VALUES (6, 'after', 'the data');",
      ].join('\n') + '\n',
    );
    const expected = [
      { id: 1, name: 'semi;colon', note: null },
      { id: 2, name: 'back\\.slash', note: 'ends with \\.' },
      { id: 3, name: '\\.', note: 'tab\there' },
      { id: 4, name: 'a, b; c', note: 'line one\nline two' },
      { id: 5, name: '\\.x', note: '\\.' },
      { id: 6, name: 'after', note: 'the data' },
    ];
    for (const via of ['node', 'psql'] as const) {
      const config = await freshDatabase();
      await loadSql(config, 'copy/data.sql', { cwd: files, via, psql });
      expect(await rows(config, 'SELECT * FROM items ORDER BY id'), via).toEqual(expected);
    }
  });

  it('points at the COPY data line the server rejects, both ways', async () => {
    const file = write('copy/bad.sql', 'CREATE TABLE n (x int);\nCOPY n FROM stdin;\n1\n2\nnot a number\n\\.\n');
    for (const via of ['node', 'psql'] as const) {
      const config = await freshDatabase();
      const error = await failureOf(loadSql(config, file, { via, psql }));
      expect({ code: error.code, file: error.file, line: error.line, sqlstate: error.sqlstate }, via).toEqual({ code: 'SQL_STATEMENT_FAILED', file, line: 5, sqlstate: '22P02' });
      expect(error.where, via).toMatch(/^COPY n, line 3/);
    }
  });

  it('gives the same error shape for a deliberate error, both ways', async () => {
    const file = write('err/001.sql', 'CREATE TABLE ok (x int);\nINSERT INTO ok VALUES (1); INSERT INTO ok\n  VALUES (1, 2, 3);\nCREATE TABLE never (x int);\n');
    const shapes: unknown[] = [];
    for (const via of ['node', 'psql'] as const) {
      const config = await freshDatabase();
      const error = await failureOf(loadSql(config, file, { via, psql }));
      shapes.push({
        code: error.code,
        file: error.file,
        line: error.line,
        column: error.column,
        sqlstate: error.sqlstate,
        statement: error.statement,
        serverMessage: error.serverMessage,
        message: error.message,
      });
      expect(await rows(config, "SELECT count(*)::int AS n, to_regclass('never') IS NULL AS never FROM ok"), via).toEqual([{ n: 1, never: true }]);
    }
    expect(shapes[0]).toEqual({
      code: 'SQL_STATEMENT_FAILED',
      file,
      line: 3,
      column: 14,
      sqlstate: '42601',
      statement: 'INSERT INTO ok\n  VALUES (1, 2, 3);',
      serverMessage: 'INSERT has more expressions than target columns',
      message: `${file}:3:14: ERROR 42601: INSERT has more expressions than target columns`,
    });
    expect(shapes[1]).toEqual(shapes[0]);
  });

  it('maps the position in a statement with blank lines, CRLF and a long line the same way, both ways', async () => {
    // psql skips empty lines and shows long lines as a window: the error must still point at `nosuch`.
    const long = Array.from({ length: 30 }, (_, i) => `${i} AS c${i}`).join(', ');
    const file = write('err/002.sql', `SELECT 1;\r\nSELECT\n\n  ${long}\n\n\n  FROM (SELECT 1 AS c0) s, nosuch;\n`);
    const shapes: unknown[] = [];
    for (const via of ['node', 'psql'] as const) {
      const error = await failureOf(loadSql(await freshDatabase(), file, { via, psql }));
      shapes.push({ code: error.code, line: error.line, column: error.column, sqlstate: error.sqlstate });
    }
    expect(shapes[0]).toEqual({ code: 'SQL_STATEMENT_FAILED', line: 7, column: 28, sqlstate: '42P01' });
    expect(shapes[1]).toEqual(shapes[0]);
    const wide = write('err/003.sql', `SELECT ${long}, nosuch_column FROM (SELECT 1 AS c0) s;\n`);
    const columns: unknown[] = [];
    for (const via of ['node', 'psql'] as const) {
      const error = await failureOf(loadSql(await freshDatabase(), wide, { via, psql }));
      columns.push([error.line, error.column]);
    }
    expect(columns[0]).toEqual([1, 8 + long.length + 2]);
    expect(columns[1]).toEqual(columns[0]);
  });

  it('runs SQL after a COPY on its line after the data, both ways', async () => {
    const file = write('copy/same-line.sql', "CREATE TABLE c (x int);\nCREATE TABLE log (n serial, what text);\nCOPY c FROM stdin; INSERT INTO log (what) SELECT 'rows: ' || count(*) FROM c;\n1\n2\n\\.\nINSERT INTO log (what) VALUES ('last');\n");
    for (const via of ['node', 'psql'] as const) {
      const config = await freshDatabase();
      await loadSql(config, file, { via, psql });
      expect(await rows(config, 'SELECT what FROM log ORDER BY n'), via).toEqual([{ what: 'rows: 2' }, { what: 'last' }]);
    }
  });

  it('reports the same notices and warnings, both ways', async () => {
    const file = write('notices.sql', "SELECT 1;\nDO $$ BEGIN\n  RAISE NOTICE 'first %', 1;\n  RAISE WARNING 'careful' USING DETAIL = 'a detail', HINT = 'a hint';\nEND $$;\n");
    const seen: Record<string, SqlNotice[]> = { node: [], psql: [] };
    for (const via of ['node', 'psql'] as const) {
      await loadSql(await freshDatabase(), file, { via, psql, onNotice: (notice) => seen[via]!.push(notice) });
    }
    expect(seen['node']).toEqual([
      { severity: 'NOTICE', sqlstate: '00000', message: 'first 1', detail: undefined, hint: undefined, file, line: 2 },
      { severity: 'WARNING', sqlstate: '01000', message: 'careful', detail: 'a detail', hint: 'a hint', file, line: 2 },
    ]);
    expect(seen['psql']).toEqual(seen['node']);
  });
});
