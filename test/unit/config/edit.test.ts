// Edits, in toml_edit's shape: given(input).running(edit).produces(expected text).
import { describe, expect, it } from 'vitest';
import { ConfigFile, InvalidSettingNameError, InvalidSettingValueError } from '../../../src/config/index.js';

function given(input: string) {
  return {
    running(edit: (conf: ConfigFile) => unknown) {
      return {
        produces(expected: string): void {
          const conf = ConfigFile.parse(input);
          edit(conf);
          expect(conf.toString()).toBe(expected);
          // What we wrote reads back as one document with the same meaning.
          expect(ConfigFile.parse(expected).toObject()).toEqual(conf.toObject());
        },
        throws(errorClass: new (...args: never[]) => Error, fields: Record<string, unknown>): void {
          const conf = ConfigFile.parse(input);
          let caught: unknown;
          try {
            edit(conf);
          } catch (error) {
            caught = error;
          }
          expect(caught).toBeInstanceOf(errorClass);
          expect(caught).toMatchObject(fields);
          // Bad input changes nothing.
          expect(conf.toString()).toBe(input);
        },
      };
    },
  };
}

describe('set', () => {
  it('rewrites the value and keeps indentation, spacing and comment', () => {
    given('  work_mem   =  4MB   # per sort\n').running((c) => c.set('work_mem', '8MB')).produces('  work_mem   =  8MB   # per sort\n');
  });

  it('keeps a line without `=` without one, tabs included', () => {
    given('work_mem\t4MB\t# x\n').running((c) => c.set('work_mem', '64MB')).produces('work_mem\t64MB\t# x\n');
  });

  it('keeps the quoting style of the line', () => {
    given("lc_messages = 'C'\n").running((c) => c.set('lc_messages', 'POSIX')).produces("lc_messages = 'POSIX'\n");
    given('lc_messages = C\n').running((c) => c.set('lc_messages', 'POSIX')).produces('lc_messages = POSIX\n');
  });

  it('quotes when needed, and correctly', () => {
    given('search_path = public\n').running((c) => c.set('search_path', '"$user", public')).produces(`search_path = '"$user", public'\n`);
    given('x.y = 1\n').running((c) => c.set('x.y', "it's a \\ backslash")).produces("x.y = 'it''s a \\\\ backslash'\n");
    given('x.y = 1\n').running((c) => c.set('x.y', '')).produces("x.y = ''\n");
    given('x.y = 1\n').running((c) => c.set('x.y', '/tmp')).produces("x.y = '/tmp'\n");
    given('x.y = 1\n').running((c) => c.set('x.y', 'a.b')).produces("x.y = 'a.b'\n");
    given('x.y = 1\n').running((c) => c.set('x.y', '# no comment')).produces("x.y = '# no comment'\n");
    given('x.y = 1\n').running((c) => c.set('x.y', 'en_US.UTF-8')).produces('x.y = en_US.UTF-8\n');
  });

  it('writes numbers and booleans', () => {
    given('').running((c) => c.set('port', 5433).set('fsync', false).set('x.r', 0.5)).produces('port = 5433\nfsync = off\nx.r = 0.5\n');
  });

  it('rewrites only the line that takes effect (the last), whatever the case of its name', () => {
    given('work_mem = 1MB\nWork_Mem = 2MB # last\n').running((c) => c.set('WORK_MEM', '3MB')).produces('work_mem = 1MB\nWork_Mem = 3MB # last\n');
  });

  it('changes nothing when the value is already the effective one', () => {
    given("work_mem = '4MB' # c\n").running((c) => c.set('work_mem', '4MB')).produces("work_mem = '4MB' # c\n");
  });

  it('uncomments a commented-out line in place, keeping its comment', () => {
    given('#work_mem = 4MB\t\t\t\t# min 64kB\n').running((c) => c.set('work_mem', '8MB')).produces('work_mem = 8MB\t\t\t\t# min 64kB\n');
    given('  # work_mem = 4MB\n').running((c) => c.set('work_mem', '8MB')).produces('  work_mem = 8MB\n');
    given("#datestyle = 'iso, mdy'\n").running((c) => c.set('datestyle', 'iso, dmy')).produces("datestyle = 'iso, dmy'\n");
  });

  it('uncomments the last of several commented-out lines', () => {
    given('#port = 1\n#port = 2\n').running((c) => c.set('port', 3)).produces('#port = 1\nport = 3\n');
  });

  it('does not take prose for a commented-out setting', () => {
    given('# see above\n').running((c) => c.set('see', 'x')).produces('# see above\nsee = x\n');
  });

  it('appends when the name is not there', () => {
    given('port = 5432\n').running((c) => c.set('work_mem', '8MB')).produces('port = 5432\nwork_mem = 8MB\n');
    given('').running((c) => c.set('work_mem', '8MB')).produces('work_mem = 8MB\n');
  });

  it('appends after an unreadable line for the name rather than touching it', () => {
    given('work_mem = 4MB 5MB\n').running((c) => c.set('work_mem', '8MB')).produces('work_mem = 4MB 5MB\nwork_mem = 8MB\n');
  });

  it('keeps CRLF line endings and a missing final newline', () => {
    given('port = 5432\r\nfsync = on\r\n').running((c) => c.set('work_mem', '8MB')).produces('port = 5432\r\nfsync = on\r\nwork_mem = 8MB\r\n');
    given('port = 5432').running((c) => c.set('work_mem', '8MB')).produces('port = 5432\nwork_mem = 8MB');
    given('port = 5432\r\nfsync = on').running((c) => c.set('work_mem', '8MB')).produces('port = 5432\r\nfsync = on\r\nwork_mem = 8MB');
    given('port = 5432\r\n').running((c) => c.set('port', '1')).produces('port = 1\r\n');
  });

  it('rejects names that are not identifiers', () => {
    for (const name of ['work-mem', '', '1abc', 'a.b.c', 'a b', 'a$b', 'a=b', ' x', 'a.']) {
      given('port = 1\n').running((c) => c.set(name, '1')).throws(InvalidSettingNameError, { code: 'CONFIG_INVALID_NAME', settingName: name, reason: 'not-an-identifier' });
    }
    given('port = 1\n').running((c) => c.set(42 as unknown as string, '1')).throws(InvalidSettingNameError, { code: 'CONFIG_INVALID_NAME', reason: 'not-a-string' });
  });

  it('rejects include directives as names', () => {
    for (const name of ['include', 'Include_Dir', 'include_if_exists']) {
      given('port = 1\n').running((c) => c.set(name, 'x.conf')).throws(InvalidSettingNameError, { code: 'CONFIG_INVALID_NAME', reason: 'directive' });
    }
  });

  it('rejects values with a line break or a NUL, and values that are not strings, numbers or booleans', () => {
    for (const [value, reason] of [
      ['a\nb', 'contains a line break'],
      ['a\rb', 'contains a line break'],
      ['a\0b', 'contains a NUL character'],
      [Number.NaN, 'not a finite number'],
      [Number.POSITIVE_INFINITY, 'not a finite number'],
      [{}, 'expected a string, number or boolean'],
      [null, 'expected a string, number or boolean'],
    ] as const) {
      given('port = 1\n').running((c) => c.set('port', value as string)).throws(InvalidSettingValueError, { code: 'CONFIG_INVALID_VALUE', settingName: 'port', value, reason });
    }
  });
});

describe('unset', () => {
  it('comments out every active line for the name, after the indentation', () => {
    given('work_mem = 1MB\n  WORK_MEM = 2MB # c\nport = 1\n').running((c) => c.unset('work_mem')).produces('#work_mem = 1MB\n  #WORK_MEM = 2MB # c\nport = 1\n');
  });

  it('removes the lines with { remove: true }', () => {
    given('work_mem = 1MB\nport = 1\r\nwork_mem = 2MB').running((c) => c.unset('work_mem', { remove: true })).produces('port = 1\r\n');
  });

  it('changes nothing when the name is not set, or only commented out', () => {
    given('#work_mem = 1MB\n').running((c) => c.unset('work_mem')).produces('#work_mem = 1MB\n');
  });

  it('undoes with set: the commented line comes back', () => {
    given('work_mem = 4MB\t# c\n').running((c) => c.unset('work_mem').set('work_mem', '4MB')).produces('work_mem = 4MB\t# c\n');
  });

  it('rejects bad names', () => {
    given('port = 1\n').running((c) => c.unset('bad name')).throws(InvalidSettingNameError, { code: 'CONFIG_INVALID_NAME' });
  });
});

describe('update', () => {
  it('applies many edits: values set, null and undefined unset', () => {
    given('work_mem = 1MB\nport = 1\n#fsync = on\n')
      .running((c) => c.update({ work_mem: '2MB', port: null, fsync: false, 'x.new': 'v', gone: undefined }))
      .produces('work_mem = 2MB\n#port = 1\nfsync = off\nx.new = v\n');
  });

  it('is all or nothing', () => {
    given('work_mem = 1MB\n').running((c) => c.update({ work_mem: '2MB', 'bad-name': '1' })).throws(InvalidSettingNameError, { settingName: 'bad-name' });
    given('work_mem = 1MB\n').running((c) => c.update({ work_mem: '2MB', port: 'a\nb' })).throws(InvalidSettingValueError, { settingName: 'port' });
  });
});

describe('reading', () => {
  const text = [
    "#work_mem = 4MB\t\t# min 64kB",
    'work_mem = 8MB  # tuned',
    "Search_Path = '\"$user\", public'",
    'WORK_MEM 16MB',
    "x.esc = 'a\\tb\\101''c'",
    'bad line here',
    "include_if_exists 'extra.conf'",
    '#include_dir = \'conf.d\'',
    '',
  ].join('\n');
  const conf = ConfigFile.parse(text);

  it('gives the effective value: the last line wins, names are case-insensitive, quotes and escapes resolved', () => {
    expect(conf.get('work_mem')).toBe('16MB');
    expect(conf.get('Work_Mem')).toBe('16MB');
    expect(conf.get('search_path')).toBe('"$user", public');
    expect(conf.get('x.esc')).toBe("a\tbA'c");
    expect(conf.get('shared_buffers')).toBeUndefined();
    expect(conf.has('work_mem')).toBe(true);
    expect(() => conf.get('not a name')).toThrow(InvalidSettingNameError);
  });

  it('lists the effective settings', () => {
    expect(conf.entries()).toEqual([
      ['work_mem', '16MB'],
      ['search_path', '"$user", public'],
      ['x.esc', "a\tbA'c"],
    ]);
    expect(conf.toObject()).toEqual({ work_mem: '16MB', search_path: '"$user", public', 'x.esc': "a\tbA'c" });
  });

  it('lists every assignment with its line, raw text, value and comment', () => {
    expect(conf.settings.map((s) => [s.line, s.name, s.value, s.rawValue, s.comment, s.isCommentedOut, s.isEffective])).toEqual([
      [1, 'work_mem', '4MB', '4MB', '# min 64kB', true, false],
      [2, 'work_mem', '8MB', '8MB', '# tuned', false, false],
      [3, 'Search_Path', '"$user", public', `'"$user", public'`, undefined, false, true],
      [4, 'WORK_MEM', '16MB', '16MB', undefined, false, true],
      [5, 'x.esc', "a\tbA'c", "'a\\tb\\101''c'", undefined, false, true],
    ]);
    expect(conf.settings[1]!.raw).toBe('work_mem = 8MB  # tuned');
  });

  it('lists lines and include directives', () => {
    expect(conf.lines.map((l) => l.kind)).toEqual(['comment', 'assignment', 'assignment', 'assignment', 'assignment', 'invalid', 'assignment', 'comment']);
    expect(ConfigFile.parse('\n \t\n').lines.map((l) => l.kind)).toEqual(['blank', 'blank']);
    expect(conf.includes).toEqual([{ directive: 'include_if_exists', path: 'extra.conf', line: 7, raw: "include_if_exists 'extra.conf'", isCommentedOut: false }]);
    expect(conf.lines[7]!.include).toMatchObject({ directive: 'include_dir', path: 'conf.d', isCommentedOut: true });
  });

  it('reports unreadable lines as diagnostics with code, line and column', () => {
    expect(conf.diagnostics).toEqual([
      { code: 'CONFIG_SYNTAX_ERROR', severity: 'error', line: 6, column: 10, message: 'syntax error in line 6, near token "here"' },
    ]);
    expect(ConfigFile.parse('a = 1\nb =\n').diagnostics).toEqual([
      { code: 'CONFIG_SYNTAX_ERROR', severity: 'error', line: 2, column: 4, message: 'syntax error in line 2, near end of line' },
    ]);
    expect(ConfigFile.parse('\uFEFFport = 1\n').diagnostics).toEqual([
      expect.objectContaining({ code: 'CONFIG_BYTE_ORDER_MARK', severity: 'warning', line: 1, column: 1 }),
    ]);
  });

  it('never throws on text, and refuses what is not text', () => {
    expect(ConfigFile.parse("'\0\u0000\\").toString()).toBe("'\0\u0000\\");
    expect(() => ConfigFile.parse(undefined as unknown as string)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
