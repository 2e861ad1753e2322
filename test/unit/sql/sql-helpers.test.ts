// The pure pieces around the lexer: psql meta-command lines, psql's stderr, error positions, globs.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMetaCommand } from '../../../src/sql/meta-command.js';
import { caretColumn, parsePsqlMessages } from '../../../src/sql/psql-output.js';
import { SqlFileError } from '../../../src/sql/sql-file-error.js';
import { splitSql } from '../../../src/sql/sql-lexer.js';
import { resolveSqlFiles, segmentPattern } from '../../../src/sql/sql-paths.js';
import { copyDataLine, locateInSegment, offsetOfPosition } from '../../../src/sql/sql-position.js';

describe('parseMetaCommand', () => {
  it('reads the name and the arguments, quoted ones with psql escapes', () => {
    expect(parseMetaCommand('\\i  file.sql')).toEqual({ name: 'i', args: ['file.sql'], unsupported: null });
    expect(parseMetaCommand("\\ir 'my file''s.sql'")).toEqual({ name: 'ir', args: ["my file's.sql"], unsupported: null });
    expect(parseMetaCommand("\\echo 'a\\tb' c")).toEqual({ name: 'echo', args: ['a\tb', 'c'], unsupported: null });
    expect(parseMetaCommand('\\set ON_ERROR_STOP on')).toEqual({ name: 'set', args: ['ON_ERROR_STOP', 'on'], unsupported: null });
    expect(parseMetaCommand('\\q')).toEqual({ name: 'q', args: [], unsupported: null });
    expect(parseMetaCommand('\\.')).toMatchObject({ name: '.', args: [] });
  });

  it('says what it cannot read without psql', () => {
    expect(parseMetaCommand('\\i `echo x`').unsupported).toBe('a backquoted shell command');
    expect(parseMetaCommand('\\i :file').unsupported).toBe('a psql variable');
    expect(parseMetaCommand('\\set a 1 \\\\ \\i x').unsupported).toBe('a second backslash command on the same line');
  });
});

describe('parsePsqlMessages', () => {
  const stderr = [
    'psql:/m/a.sql:3: NOTICE:  00000: hello',
    'LOCATION:  exec_stmt_raise, pl_exec.c:3893',
    'psql:/m/a.sql:7: ERROR:  42P01: relation "nosuch" does not exist',
    'LINE 2:   from nosuch;',
    '               ^',
    'DETAIL:  a detail',
    'HINT:  a hint',
    'LOCATION:  parserOpenTable, parse_relation.c:1392',
    'psql:/m/a.sql:7: STATEMENT:  select *',
    '  from nosuch;',
    '',
  ].join('\n');

  it('reads severity, SQLSTATE, message, fields, the position and the echoed statement', () => {
    expect(parsePsqlMessages(stderr)).toEqual([
      { file: '/m/a.sql', line: 3, severity: 'NOTICE', sqlstate: '00000', message: 'hello' },
      {
        file: '/m/a.sql',
        line: 7,
        severity: 'ERROR',
        sqlstate: '42P01',
        message: 'relation "nosuch" does not exist',
        detail: 'a detail',
        hint: 'a hint',
        position: { statementLine: 2, shown: '  from nosuch;', caret: 7 },
      },
      { file: '/m/a.sql', line: 7, severity: 'STATEMENT', sqlstate: null, message: 'select *\n  from nosuch;' },
    ]);
  });

  it("reads psql's own errors", () => {
    expect(parsePsqlMessages('psql:/m/b.sql:2: error: missing.sql: No such file or directory\n')).toEqual([
      { file: '/m/b.sql', line: 2, severity: 'error', sqlstate: null, message: 'missing.sql: No such file or directory' },
    ]);
  });

  it("finds the caret's column in a long line psql shows as a window", () => {
    expect(caretColumn('select 1 from x', 'select 1 from x', 14)).toBe(15);
    const line = `${'a, '.repeat(40)}nosuch`;
    const shown = `...${line.slice(60)}`;
    expect(caretColumn(line, shown, shown.indexOf('nosuch'))).toBe(line.indexOf('nosuch') + 1);
    expect(caretColumn(line, '...zzz', 3)).toBeNull();
  });
});

describe('error positions', () => {
  it("turns the server's character position into the file's line and column", () => {
    const [, , statement] = splitSql('select 1;\n  select é,\n    nosuch;');
    expect(statement!.kind).toBe('statement');
    const text = statement!.text;
    // position counts characters from 1: `nosuch` is the 15th (the é is one, the newline one)
    expect(locateInSegment(statement!, offsetOfPosition(text, 15))).toEqual({ line: 3, column: 5 });
    expect(locateInSegment(statement!, offsetOfPosition(text, 8))).toEqual({ line: 2, column: 10 });
    // astral characters count once, as the server counts them
    expect(offsetOfPosition('😀x', 2)).toBe(2);
  });

  it('reads the COPY data line from CONTEXT', () => {
    expect(copyDataLine('COPY items, line 3, column id: "x"')).toBe(3);
    expect(copyDataLine('COPY "a, b", line 12')).toBe(12);
    expect(copyDataLine('SQL function "f" statement 1')).toBeNull();
    expect(copyDataLine(undefined)).toBeNull();
  });
});

describe('resolveSqlFiles', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'pgct-sqlpaths-'));
    for (const name of ['m/010_b.sql', 'm/002_a.sql', 'm/100_c.sql', 'm/notes.txt', 'm/.hidden.sql', 'm/sub/001_x.sql', 'm/sub/deeper/002_y.sql', 'seed.sql']) {
      mkdirSync(join(root, name, '..'), { recursive: true });
      writeFileSync(join(root, name), '');
    }
    mkdirSync(join(root, 'empty'));
    symlinkSync(join(root, 'm'), join(root, 'm/sub/loop'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("takes a folder's *.sql files in name order, not its subfolders' nor hidden ones", async () => {
    expect(await resolveSqlFiles('m', { cwd: root })).toEqual(['m/.hidden.sql', 'm/002_a.sql', 'm/010_b.sql', 'm/100_c.sql'].map((name) => join(root, name)));
  });

  it("takes a glob's files in name order, dot files only when asked for", async () => {
    expect(await resolveSqlFiles('m/*.sql', { cwd: root })).toEqual(['m/002_a.sql', 'm/010_b.sql', 'm/100_c.sql'].map((name) => join(root, name)));
    expect(await resolveSqlFiles(join(root, 'm/0{02,10}_?.sql'))).toEqual(['m/002_a.sql', 'm/010_b.sql'].map((name) => join(root, name)));
    expect(await resolveSqlFiles('m/[!0]*', { cwd: root })).toEqual([join(root, 'm/100_c.sql'), join(root, 'm/notes.txt')]);
  });

  it('follows ** through folders (not through links, so no loop)', async () => {
    expect(await resolveSqlFiles('m/**/*.sql', { cwd: root })).toEqual(
      ['m/002_a.sql', 'm/010_b.sql', 'm/100_c.sql', 'm/sub/001_x.sql', 'm/sub/deeper/002_y.sql'].map((name) => join(root, name)),
    );
  });

  it('runs an array of entries in its order, each file once', async () => {
    expect(await resolveSqlFiles(['seed.sql', 'm/*.sql', 'm/002_a.sql'], { cwd: root })).toEqual(
      ['seed.sql', 'm/002_a.sql', 'm/010_b.sql', 'm/100_c.sql'].map((name) => join(root, name)),
    );
  });

  it('refuses what names no file with SQL_FILES_NOT_FOUND', async () => {
    for (const entry of ['missing.sql', 'm/*.psql', 'empty']) {
      const error = await resolveSqlFiles(entry, { cwd: root }).catch((caught: unknown) => caught);
      expect(error, entry).toBeInstanceOf(SqlFileError);
      expect((error as SqlFileError).code).toBe('SQL_FILES_NOT_FOUND');
      expect((error as SqlFileError).message).toContain(`\`${entry}\``);
    }
  });

  it('refuses a bad argument with the one message shape', async () => {
    await expect(resolveSqlFiles([], { cwd: root })).rejects.toThrow('Expected `pathOrGlob` to be a path or glob, or a non-empty array of them, got `[]`');
    await expect(resolveSqlFiles('x', { cwd: '' })).rejects.toThrow('Expected `cwd` to be a non-empty string, got ``');
  });

  it('matches a glob segment as a shell does', () => {
    expect(segmentPattern('*.sql').test('a.sql')).toBe(true);
    expect(segmentPattern('*.sql').test('.a.sql')).toBe(false);
    expect(segmentPattern('a+b(1).sql').test('a+b(1).sql')).toBe(true);
    expect(segmentPattern('[a-c]?').test('bz')).toBe(true);
    expect(segmentPattern('{x,y}.sql').test('y.sql')).toBe(true);
  });
});
