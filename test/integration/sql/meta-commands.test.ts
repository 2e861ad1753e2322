// psql's meta-commands, transactions, folders and globs, cancellation and bad targets, on a real
// server: where both runners can run a file, they must leave the same database state and give
// the same error shape; what only psql can run is refused by the built-in runner, naming the line.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Installation } from '../../../src/installation/index.js';
import { loadSql, runSql, SqlFileError } from '../../../src/sql/index.js';
import { npmBindir, startScratchServer, systemBindir, type ScratchServer } from '../../helpers/scratch-server.js';

let server: ScratchServer;
let folder: string;
let psql: string;
let databaseCount = 0;
const vias = ['node', 'psql'] as const;

beforeAll(async () => {
  server = await startScratchServer();
  folder = mkdtempSync('/tmp/pgct-sqlmeta-');
  psql = join(systemBindir(), 'psql');
});

afterAll(async () => {
  await server?.stop();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

async function freshDatabase(): Promise<pg.ClientConfig> {
  const name = `meta_${++databaseCount}`;
  await server.query(`CREATE DATABASE ${name}`);
  return { host: server.socketDir, port: 5432, user: 'postgres', database: name };
}

function write(name: string, text: string): string {
  const path = join(folder, name);
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

const LOG = 'CREATE TABLE IF NOT EXISTS log (n serial, what text);\n';
const logged = (config: pg.ClientConfig) => rows(config, 'SELECT what FROM log ORDER BY n').then((found) => found.map((row) => row['what']));

describe('\\i and \\ir', () => {
  beforeAll(() => {
    write('inc/top.sql', `${LOG}INSERT INTO log (what) VALUES ('top');\n\\ir parts/one.sql\n\\i inc/from-cwd.sql\nINSERT INTO log (what) VALUES ('top again');\n`);
    write('inc/parts/one.sql', "INSERT INTO log (what) VALUES ('one');\n\\ir two.sql\n");
    write('inc/parts/two.sql', "INSERT INTO log (what) VALUES ('two; nested');\n");
    write('inc/from-cwd.sql', "\\include_relative 'parts/three.sql'\n");
    write('inc/parts/three.sql', "INSERT INTO log (what) VALUES ('three');\n");
  });

  for (const via of vias) {
    it(`follows nested includes, \\i relative to cwd and \\ir to the file (via ${via})`, async () => {
      const config = await freshDatabase();
      await loadSql(config, 'inc/top.sql', { cwd: folder, via, psql });
      expect(await logged(config)).toEqual(['top', 'one', 'two; nested', 'three', 'top again']);
    });
  }

  it('names the included file and line of an error there, both ways, and the chain that led there', async () => {
    const inner = write('incerr/inner.sql', "SELECT 1;\nSELECT 'x'::int;\n");
    const outer = write('incerr/outer.sql', 'SELECT 0;\n\n\\ir inner.sql\nSELECT 3;\n');
    const shapes = [];
    for (const via of vias) {
      const error = await failureOf(loadSql(await freshDatabase(), outer, { via, psql }));
      shapes.push({ code: error.code, file: error.file, line: error.line, column: error.column, sqlstate: error.sqlstate });
      if (via === 'node') expect(error.includedFrom).toEqual([{ file: outer, line: 3 }]);
      if (via === 'node') expect(error.message).toContain(`included from ${outer}:3`);
    }
    expect(shapes[0]).toEqual({ code: 'SQL_STATEMENT_FAILED', file: inner, line: 2, column: 8, sqlstate: '22P02' });
    expect(shapes[1]).toEqual(shapes[0]);
  });

  it('gives SQL_INCLUDE_FAILED for a missing include, naming the line of the \\i, both ways', async () => {
    const file = write('incmissing/a.sql', `${LOG}INSERT INTO log (what) VALUES ('before');\n\\i nosuch.sql\nINSERT INTO log (what) VALUES ('after');\n`);
    for (const via of vias) {
      const config = await freshDatabase();
      const error = await failureOf(loadSql(config, file, { via, psql, cwd: folder }));
      expect({ code: error.code, file: error.file, line: error.line, statement: error.statement }, via).toEqual({ code: 'SQL_INCLUDE_FAILED', file, line: 3, statement: '\\i nosuch.sql' });
      expect(await logged(config)).toEqual(['before']);
    }
  });

  it('refuses an include loop with SQL_INCLUDE_FAILED instead of overflowing', async () => {
    const file = write('loop/self.sql', 'SELECT 1;\n\\ir self.sql\n');
    const error = await failureOf(loadSql(await freshDatabase(), file));
    expect(error.code).toBe('SQL_INCLUDE_FAILED');
    expect(error.message).toContain('includes nest deeper than 32 files');
  });
});

describe('meta-commands the built-in runner runs', () => {
  for (const via of vias) {
    it(`runs \\set ON_ERROR_STOP, \\echo, \\g, and \\q ends the file it is in (via ${via})`, async () => {
      const config = await freshDatabase();
      const first = write(`q-${via}/1.sql`, `\\set ON_ERROR_STOP on\n\\echo 'hello'\n${LOG}INSERT INTO log (what) VALUES ('sent by \\g')\n\\g\n\\q\nINSERT INTO log (what) VALUES ('after q');\n`);
      const second = write(`q-${via}/2.sql`, "\\ir 3.sql\nINSERT INTO log (what) VALUES ('next file');\n");
      write(`q-${via}/3.sql`, "INSERT INTO log (what) VALUES ('included');\n\\quit\nINSERT INTO log (what) VALUES ('after quit');\n");
      await loadSql(config, [first, second], { via, psql });
      // psql: "In a script file, only execution of that script is terminated."
      expect(await logged(config)).toEqual(['sent by \\g', 'included', 'next file']);
    });

    it(`follows SET standard_conforming_strings between statements (via ${via})`, async () => {
      const config = await freshDatabase();
      const file = write(
        `scs-${via}.sql`,
        [
          'CREATE TABLE s (v text);',
          'SET escape_string_warning = off;',
          'SET standard_conforming_strings = off;',
          "INSERT INTO s VALUES ('a\\'; b');",
          'SET standard_conforming_strings = on;',
          "INSERT INTO s VALUES ('c\\');",
        ].join('\n'),
      );
      await loadSql(config, file, { via, psql });
      expect(await rows(config, 'SELECT v FROM s')).toEqual([{ v: "a'; b" }, { v: 'c\\' }]);
    });
  }

  it('runs pg_dump\'s \\restrict … \\unrestrict, and nothing else while restricted', async () => {
    const config = await freshDatabase();
    await runSql(config, `\\restrict abc\n${LOG}\\unrestrict abc\n\\echo fine again\n`);
    const error = await failureOf(runSql(config, '\\restrict abc\nSELECT 1;\n\\i other.sql\n\\unrestrict abc\n', { fileName: 'r.sql' }));
    expect({ code: error.code, line: error.line }).toEqual({ code: 'SQL_UNSUPPORTED_COMMAND', line: 3 });
    expect(error.message).toContain('restricted mode');
  });
});

describe('meta-commands only psql runs', () => {
  const cases: [string, string][] = [
    ['\\connect other', 'runs on one connection'],
    ['\\c other', 'runs on one connection'],
    ['\\gset', 'is not supported by the built-in runner'],
    ['\\copy t from stdin', 'is not supported by the built-in runner'],
    ['\\set ON_ERROR_STOP off', 'always stops at the first error'],
    ['\\set answer 42', 'psql variables are not supported'],
    ['\\i :file', 'needs psql'],
  ];
  for (const [command, why] of cases) {
    it(`refuses ${command} with SQL_UNSUPPORTED_COMMAND, naming its line, and runs nothing after it`, async () => {
      const config = await freshDatabase();
      const error = await failureOf(runSql(config, `${LOG}INSERT INTO log (what) VALUES ('before');\n  ${command}\nINSERT INTO log (what) VALUES ('after');`, { fileName: 'x.sql' }));
      expect({ code: error.code, file: error.file, line: error.line, column: error.column, statement: error.statement }).toEqual({
        code: 'SQL_UNSUPPORTED_COMMAND',
        file: 'x.sql',
        line: 3,
        column: 3,
        statement: command,
      });
      expect(error.message).toContain(why);
      expect(await logged(config)).toEqual(['before']);
    });
  }

  it('refuses a backslash command inside a statement other than \\g', async () => {
    const error = await failureOf(runSql(await freshDatabase(), 'SELECT 1\n\\gset\n'));
    expect(error.code).toBe('SQL_UNSUPPORTED_COMMAND');
    expect(error.message).toContain('inside a statement');
  });
});

describe('transactions as written', () => {
  for (const via of vias) {
    it(`keeps what ran before a failing transaction and nothing of it (via ${via})`, async () => {
      const config = await freshDatabase();
      const file = write(
        `tx-${via}.sql`,
        `${LOG}INSERT INTO log (what) VALUES ('autocommit');\nBEGIN;\nINSERT INTO log (what) VALUES ('in tx; first');\nCOMMIT;\nBEGIN;\nINSERT INTO log (what) VALUES ('in tx; doomed');\nSELECT 1/0;\nCOMMIT;\n`,
      );
      const error = await failureOf(loadSql(config, file, { via, psql }));
      expect({ line: error.line, sqlstate: error.sqlstate }).toEqual({ line: 8, sqlstate: '22012' });
      expect(await logged(config)).toEqual(['autocommit', 'in tx; first']);
    });
  }

  it('an unterminated string at the end of a file is the server\'s syntax error there, both ways', async () => {
    const file = write('unterminated.sql', "SELECT 1;\nSELECT 'abc\n");
    const shapes = [];
    for (const via of vias) {
      const error = await failureOf(loadSql(await freshDatabase(), file, { via, psql }));
      shapes.push({ code: error.code, line: error.line, column: error.column, sqlstate: error.sqlstate });
    }
    expect(shapes[0]).toEqual({ code: 'SQL_STATEMENT_FAILED', line: 2, column: 8, sqlstate: '42601' });
    expect(shapes[1]).toEqual(shapes[0]);
  });
});

describe('singleTransaction', () => {
  for (const via of vias) {
    it(`keeps nothing of any file when one fails, and all when none does (via ${via})`, async () => {
      write(`single-${via}/1.sql`, `${LOG}INSERT INTO log (what) VALUES ('1');\n`);
      write(`single-${via}/2.sql`, "INSERT INTO log (what) VALUES ('2');\n");
      const failing = await freshDatabase();
      write(`single-${via}/3.sql`, 'SELECT 1/0;\n');
      const error = await failureOf(loadSql(failing, `single-${via}/*.sql`, { cwd: folder, via, psql, singleTransaction: true }));
      expect({ file: error.file, line: error.line, sqlstate: error.sqlstate }).toEqual({ file: join(folder, `single-${via}/3.sql`), line: 1, sqlstate: '22012' });
      expect(await rows(failing, "SELECT to_regclass('log') IS NULL AS none")).toEqual([{ none: true }]);
      write(`single-${via}/3.sql`, "INSERT INTO log (what) VALUES ('3');\n");
      const passing = await freshDatabase();
      await loadSql(passing, `single-${via}/*.sql`, { cwd: folder, via, psql, singleTransaction: true });
      expect(await logged(passing)).toEqual(['1', '2', '3']);
    });
  }

  it("is refused on a client inside the caller's own transaction", async () => {
    const client = new pg.Client(await freshDatabase());
    await client.connect();
    try {
      await client.query('BEGIN');
      await expect(runSql(client, 'SELECT 1', { singleTransaction: true })).rejects.toThrow('Expected `singleTransaction` to be false on a client that is inside a transaction already');
      expect(client.getTransactionStatus()).toBe('T');
    } finally {
      await client.end();
    }
  });
});

describe('folders and globs', () => {
  beforeAll(() => {
    write('mig/010_second.sql', "INSERT INTO log (what) VALUES ('010');\n");
    write('mig/002_first.sql', `${LOG}INSERT INTO log (what) VALUES ('002');\n`);
    write('mig/100_third.sql', "INSERT INTO log (what) VALUES ('100');\n");
    write('mig/README.md', 'not SQL\n');
  });

  for (const via of vias) {
    for (const entry of ['mig', 'mig/', 'mig/*.sql']) {
      it(`runs ${entry}'s files in name order (via ${via})`, async () => {
        const config = await freshDatabase();
        const result = await loadSql(config, entry, { cwd: folder, via, psql });
        expect(result.files).toEqual(['002_first.sql', '010_second.sql', '100_third.sql'].map((name) => join(folder, 'mig', name)));
        expect(await logged(config)).toEqual(['002', '010', '100']);
      });
    }
  }

  it('stops at the failing file: the ones after it do not run', async () => {
    write('migbad/1.sql', `${LOG}INSERT INTO log (what) VALUES ('1');\n`);
    write('migbad/2.sql', 'SELECT nosuch;\n');
    write('migbad/3.sql', "INSERT INTO log (what) VALUES ('3');\n");
    for (const via of vias) {
      const config = await freshDatabase();
      const error = await failureOf(loadSql(config, 'migbad/*.sql', { cwd: folder, via, psql }));
      expect({ file: error.file, line: error.line, column: error.column, sqlstate: error.sqlstate }).toEqual({ file: join(folder, 'migbad/2.sql'), line: 1, column: 8, sqlstate: '42703' });
      expect(await logged(config)).toEqual(['1']);
    }
  });
});

describe('targets, cancellation and bad input', () => {
  it('runs on a pg.Pool and on anything with clientConfig()', async () => {
    const config = await freshDatabase();
    const pool = new pg.Pool(config);
    try {
      await runSql(pool, `${LOG}INSERT INTO log (what) VALUES ('pool');`);
      expect(pool.totalCount - pool.idleCount).toBe(0);
    } finally {
      await pool.end();
    }
    await runSql({ clientConfig: () => config }, "INSERT INTO log (what) VALUES ('clientConfig');");
    await runSql(`postgresql:///${config.database}?host=${encodeURIComponent(server.socketDir)}&user=postgres`, "INSERT INTO log (what) VALUES ('uri');");
    expect(await logged(config)).toEqual(['pool', 'clientConfig', 'uri']);
  });

  for (const via of vias) {
    it(`cancels the running statement on the server when the signal aborts (via ${via})`, async () => {
      const config = await freshDatabase();
      const file = write(`sleep-${via}.sql`, `${LOG}SELECT pg_sleep(60);\nINSERT INTO log (what) VALUES ('after');\n`);
      const controller = new AbortController();
      const running = loadSql(config, file, { via, psql, signal: controller.signal });
      // Wait until the sleep runs on the server (a condition, not a fixed delay).
      const sleeping = async () => (await rows(config, "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(60)%' AND state = 'active'"))[0]!['n'];
      const deadline = Date.now() + 20_000;
      while ((await sleeping()) === 0 && Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
      const started = performance.now();
      controller.abort();
      const error = await failureOf(running);
      expect(error.code).toBe('SQL_CANCELLED');
      expect(performance.now() - started).toBeLessThan(5_000);
      expect(await sleeping()).toBe(0);
      expect(await logged(config)).toEqual([]);
    });
  }

  it('rejects an already aborted signal before running anything', async () => {
    const config = await freshDatabase();
    const error = await failureOf(runSql(config, LOG, { signal: AbortSignal.abort() }));
    expect(error.code).toBe('SQL_CANCELLED');
    expect(await rows(config, "SELECT to_regclass('log') IS NULL AS none")).toEqual([{ none: true }]);
  });

  for (const via of vias) {
    it(`gives SQL_CONNECTION_FAILED when the server cannot be reached (via ${via})`, async () => {
      const file = write('one.sql', 'SELECT 1;\n');
      const error = await failureOf(loadSql({ host: join(folder, 'no-socket-here'), port: 5432, user: 'postgres', database: 'postgres' }, file, { via, psql }));
      expect(error.code).toBe('SQL_CONNECTION_FAILED');
    });
  }

  it("gives SQL_PSQL_FAILED for an installation without psql (npm's) or a psql that is not there", async () => {
    const file = write('one.sql', 'SELECT 1;\n');
    const config = await freshDatabase();
    const installation = await Installation.fromBinDir(npmBindir(16));
    expect(installation.paths.psql).toBeNull();
    const noPsql = await failureOf(loadSql(config, file, { via: 'psql', installation }));
    expect(noPsql.code).toBe('SQL_PSQL_FAILED');
    expect(noPsql.message).toContain('has no psql');
    const missing = await failureOf(loadSql(config, file, { via: 'psql', psql: join(folder, 'no-psql') }));
    expect(missing.code).toBe('SQL_PSQL_FAILED');
  });

  it('refuses bad options and targets with the one message shape, before connecting', async () => {
    const file = write('one.sql', 'SELECT 1;\n');
    await expect(loadSql({}, file, { via: 'bash' as 'psql' })).rejects.toThrow('Expected `via` to be `node` or `psql`, got `bash`');
    await expect(runSql({}, 42 as unknown as string)).rejects.toThrow('Expected `text` to be a string of SQL, got `42`');
    await expect(runSql({}, '', { signal: 'x' as unknown as AbortSignal })).rejects.toThrow('Expected `signal` to be an AbortSignal');
    await expect(runSql(7 as unknown as string, 'SELECT 1')).rejects.toThrow('Expected `target` to be a node-postgres client or pool');
    const notFound = await failureOf(loadSql({}, 'nosuch/*.sql', { cwd: folder }));
    expect(notFound.code).toBe('SQL_FILES_NOT_FOUND');
  });
});
