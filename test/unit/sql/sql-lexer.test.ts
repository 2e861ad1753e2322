import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { psqlQueryText, scanSql, splitSql, type SqlSegment } from '../../../src/sql/sql-lexer.js';

/** The statements' texts (what is sent), in order. */
function statements(text: string, standardConformingStrings = true): string[] {
  return splitSql(text, { standardConformingStrings })
    .filter((segment) => segment.kind === 'statement')
    .map((segment) => segment.text);
}

function kinds(text: string): string[] {
  return splitSql(text).map((segment) => `${segment.kind}:${segment.text}`);
}

function joined(segments: SqlSegment[]): string {
  return [...segments]
    .sort((a, b) => a.start - b.start)
    .map((segment) => segment.text)
    .join('');
}

describe('splitSql', () => {
  it('splits at semicolons and keeps the text between as space', () => {
    expect(kinds('select 1;  select 2;\n')).toEqual(['statement:select 1;', 'space:  ', 'statement:select 2;', 'space:\n']);
  });

  it('drops -- comments before a statement into the space and keeps the ones inside it', () => {
    expect(kinds('-- one; two\nselect 1 -- three; four\n, 2;')).toEqual(['space:-- one; two\n', 'statement:select 1 -- three; four\n, 2;']);
  });

  it('sends the text after the last semicolon too (psql sends it at the end of the file)', () => {
    const segments = splitSql('select 1; select 2');
    expect(segments.at(-1)).toMatchObject({ kind: 'statement', text: 'select 2', terminated: false });
  });

  it('keeps nested block comments whole, semicolons inside them included', () => {
    expect(statements('/* a /* b; */ c; */ select 1; select 2;')).toEqual(['/* a /* b; */ c; */ select 1;', 'select 2;']);
    // A statement of nothing but a comment is marked empty: the server would ignore it.
    expect(splitSql('select 1; /* done; */')).toContainEqual(expect.objectContaining({ kind: 'statement', text: '/* done; */', empty: true }));
  });

  it('reads single-quoted strings with doubled quotes and, per standard_conforming_strings, backslashes', () => {
    expect(statements("select 'a;''b'; select 2;")).toEqual(["select 'a;''b';", 'select 2;']);
    // on: a backslash is a character, so 'a\' is a whole string
    expect(statements("select 'a\\'; select ';';")).toEqual(["select 'a\\';", "select ';';"]);
    // off: \' escapes the quote, so the string runs on
    expect(statements("select 'a\\'; b'; select 2;", false)).toEqual(["select 'a\\'; b';", 'select 2;']);
  });

  it('reads E strings with backslash escapes whatever standard_conforming_strings is', () => {
    expect(statements("select E'it\\'s; here'; select 2;")).toEqual(["select E'it\\'s; here';", 'select 2;']);
    expect(statements("select e'\\\\'; select 2;")).toEqual(["select e'\\\\';", 'select 2;']);
    // An identifier ending in e before a quote is no E string: 'e\' is the word, then a standard string.
    expect(statements("select some'\\'; select 2;")).toEqual(["select some'\\';", 'select 2;']);
  });

  it('reads B, X, N and U& strings and U& identifiers', () => {
    expect(statements("select B'10', X'1f', N'a;b', U&'d\\0061t;a', U&\"x;y\"; select 2;")).toEqual([
      "select B'10', X'1f', N'a;b', U&'d\\0061t;a', U&\"x;y\";",
      'select 2;',
    ]);
  });

  it('reads quoted identifiers with doubled quotes', () => {
    expect(statements('create table "a;""b" (x int); select 2;')).toEqual(['create table "a;""b" (x int);', 'select 2;']);
  });

  it('reads dollar quotes with and without tags, nested tags and $ inside', () => {
    expect(statements('select $$a;b$$; select $fn$ x $$ y; $fn$; select 3;')).toEqual(['select $$a;b$$;', 'select $fn$ x $$ y; $fn$;', 'select 3;']);
    expect(statements('select $a$ $b$ ; $b$ ; $a$; select 2;')).toEqual(['select $a$ $b$ ; $b$ ; $a$;', 'select 2;']);
    // $1 is a parameter, a$b$ an identifier: neither starts a dollar quote.
    expect(statements('select $1; select a$b$c; select 3;')).toEqual(['select $1;', 'select a$b$c;', 'select 3;']);
    // A tag is case-sensitive: $A$ does not close $a$.
    expect(statements('select $a$ $A$; $a$; select 2;')).toEqual(['select $a$ $A$; $a$;', 'select 2;']);
  });

  it('keeps BEGIN ATOMIC … END bodies (PostgreSQL 14+) whole, CASE … END inside them too', () => {
    const body = [
      'CREATE OR REPLACE FUNCTION f(x int) RETURNS int LANGUAGE sql',
      'BEGIN ATOMIC',
      '  SELECT 1;',
      '  SELECT CASE WHEN x > 0 THEN x ELSE 0 END;',
      'END;',
    ].join('\n');
    expect(statements(`${body}\nselect 2;`)).toEqual([body, 'select 2;']);
    const procedure = 'create procedure p() begin atomic insert into t values (1); end;';
    expect(statements(`${procedure} select 2;`)).toEqual([procedure, 'select 2;']);
    // A transaction's BEGIN is no body: psql tracks BEGIN only in CREATE FUNCTION/PROCEDURE.
    expect(statements('begin; select 1; commit;')).toEqual(['begin;', 'select 1;', 'commit;']);
  });

  it('keeps parenthesized rule actions whole (CREATE RULE … DO ( …; … ))', () => {
    const rule = 'CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO log VALUES (1); INSERT INTO log VALUES (2));';
    expect(statements(`${rule} select 2;`)).toEqual([rule, 'select 2;']);
  });

  it('leaves psql variables alone', () => {
    expect(statements("select :foo, :'bar', :\"baz\", 1::int; select 2;")).toEqual(["select :foo, :'bar', :\"baz\", 1::int;", 'select 2;']);
  });

  it('ends a statement at a backslash command, which runs to the end of its line', () => {
    expect(kinds('\\set ON_ERROR_STOP on\nselect 1 \\g\n')).toEqual([
      'meta-command:\\set ON_ERROR_STOP on',
      'space:\n',
      'statement:select 1 ',
      'meta-command:\\g',
      'space:\n',
    ]);
    // but not inside a string or a dollar quote
    expect(statements("select '\\i x'; select $$\\q$$;")).toEqual(["select '\\i x';", 'select $$\\q$$;']);
  });

  it('takes COPY … FROM stdin data from the next line up to a \\. line alone, as psql does', () => {
    const text = 'COPY t (a, b) FROM STDIN WITH (FORMAT csv);\n1,"x;y"\n\\.x,2\n\\.\nselect 2;\n';
    const segments = splitSql(text);
    expect(segments.map((s) => s.kind)).toEqual(['statement', 'copy-data', 'space', 'statement', 'space']);
    expect(segments[0]).toMatchObject({ copyFromStdin: true, line: 1 });
    expect(segments[1]).toMatchObject({ data: '1,"x;y"\n\\.x,2\n', hasTerminator: true, line: 2, text: '1,"x;y"\n\\.x,2\n\\.\n' });
    expect(joined(segments)).toBe(text);
  });

  it('ends COPY data at a CRLF \\. line, or at the end of the input without one', () => {
    expect(splitSql('copy t from stdin;\r\n1\r\n\\.\r\nselect 1;')[1]).toMatchObject({ kind: 'copy-data', data: '1\r\n', hasTerminator: true });
    expect(splitSql('copy t from stdin;\n1\n2\n')[1]).toMatchObject({ kind: 'copy-data', data: '1\n2\n', hasTerminator: false });
  });

  it('runs SQL after a COPY on its line after the data, as psql does', () => {
    const text = 'copy t from stdin; select 2;\n1\n\\.\nselect 3;';
    const segments = splitSql(text);
    expect(segments.map((s) => `${s.kind}@${s.line}:${s.column}`)).toEqual([
      'statement@1:1',
      'copy-data@2:1',
      'space@1:19',
      'statement@1:20',
      'space@1:29',
      'statement@4:1',
    ]);
    expect(joined(segments)).toBe(text);
  });

  it('knows a COPY … TO STDOUT and a COPY FROM a file are no COPY FROM stdin', () => {
    expect(splitSql("copy t to stdout; copy t from '/x/stdin'; copy (select 'from stdin') to stdout;").filter((s) => s.copyFromStdin)).toEqual([]);
  });

  it('gives each segment its line and column', () => {
    expect(splitSql('select 1;\n  select\n2; select 3;').map((s) => [s.kind, s.line, s.column])).toEqual([
      ['statement', 1, 1],
      ['space', 1, 10],
      ['statement', 2, 3],
      ['space', 3, 3],
      ['statement', 3, 4],
    ]);
  });

  it('reads standard_conforming_strings from its state as each statement starts', () => {
    const state = { standardConformingStrings: true };
    const seen: string[] = [];
    for (const segment of scanSql("set standard_conforming_strings = off; select 'a\\'; b'; select 2;", state)) {
      if (segment.kind !== 'statement') continue;
      seen.push(segment.text);
      if (segment.text.startsWith('set')) state.standardConformingStrings = false;
    }
    expect(seen).toEqual(['set standard_conforming_strings = off;', "select 'a\\'; b';", 'select 2;']);
  });

  it('runs to the end of the input on an unterminated string, comment or dollar quote (the server reports it)', () => {
    for (const text of ["select 'abc; select 2;", 'select /* x; select 2;', 'select $q$ x; select 2;', 'select "x; select 2;']) {
      expect(statements(text)).toEqual([text]);
    }
  });
});

describe('splitSql: properties', () => {
  // Characters that mean something to the lexer, so that fast-check meets every state.
  const pieces = ["'", '"', '$', '$a$', '$$', ';', '\\', '\\.', '\n', '\r\n', '--', '/*', '*/', 'E', "E'", 'U&', '(', ')', ' ', 'x', 'begin', 'end', 'create function', 'copy t from stdin', '1', ':v'];
  const scripts = fc.array(fc.constantFrom(...pieces), { maxLength: 60 }).map((parts) => parts.join(''));

  it('loses nothing: the segments joined in order of start give the input back', () => {
    fc.assert(
      fc.property(scripts, fc.boolean(), (text, standardConformingStrings) => {
        expect(joined(splitSql(text, { standardConformingStrings }))).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });

  it('gives every segment its true offset, line and column', () => {
    fc.assert(
      fc.property(scripts, (text) => {
        for (const segment of splitSql(text)) {
          expect(text.slice(segment.start, segment.start + segment.text.length)).toBe(segment.text);
          const before = text.slice(0, segment.start);
          expect(segment.line).toBe(before.split('\n').length);
          expect(segment.column).toBe(segment.start - (before.lastIndexOf('\n') + 1) + 1);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('splits statements joined by ; back into the same statements', () => {
    const simple = fc.array(fc.constantFrom("select 'a;b'", 'select $$;$$', 'select "x;"', 'select 1 /* ; */', 'select (1;2)'), { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(simple, (parts) => {
        expect(statements(parts.map((part) => `${part};`).join('\n'))).toEqual(parts.map((part) => `${part};`));
      }),
    );
  });

  it('takes linear time on inputs that would make a backtracking splitter quadratic', () => {
    const n = 200_000;
    for (const unit of ['$a', '/*', "'", '$a$', 'x$', '-', 'e', ';\n', '\\.\n', 'copy t from stdin;\n', 'select 1;', ' ;', '\\x ']) {
      const text = unit.repeat(Math.ceil(n / unit.length));
      const started = performance.now();
      const segments = splitSql(text);
      const elapsed = performance.now() - started;
      expect(joined(segments)).toBe(text);
      // A quadratic scan of 200,000 characters takes tens of seconds; a linear one milliseconds.
      expect(elapsed, unit).toBeLessThan(2_000);
    }
  });

  it('gives line numbers in linear time to many statements on one line (3 MB of them well under 15 s)', () => {
    // Each segment's line must not come from rescanning the rest of its line: that took 16 s
    // here for 2 MB on one line, and grows with the square; one search per line takes under 1 s.
    // An absolute bound, not a ratio of two timings, so that a loaded machine does not fail it.
    const text = 'select 1; '.repeat(300_000);
    const started = performance.now();
    const segments = splitSql(text);
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(segments).toHaveLength(600_000);
    expect(segments.at(-1)).toMatchObject({ line: 1, column: text.length });
  });
});

describe('psqlQueryText', () => {
  it('skips empty lines outside quotes and the final newline, as psql reads a file', () => {
    expect(psqlQueryText('select\n\n  1\n\n,\n2;')).toEqual({ text: 'select\n  1\n,\n2;', sourceLines: [0, 2, 4, 5] });
    expect(psqlQueryText('select 2\n')).toEqual({ text: 'select 2', sourceLines: [0] });
  });

  it('keeps empty lines inside strings, dollar quotes, identifiers and block comments, and a \r', () => {
    expect(psqlQueryText("select 'a\n\nb', $$\n\n$$ /*\n\n*/;").text).toBe("select 'a\n\nb', $$\n\n$$ /*\n\n*/;");
    expect(psqlQueryText('select\r\n\r\n1;').text).toBe('select\r\n\r\n1;');
  });
});
