// Regular expressions the server cannot compile: which ones the parser reports, with which
// diagnostic, and which ones editing refuses. test/integration/hba/regex-oracle.test.ts checks
// these against PostgreSQL itself.
import { describe, expect, it } from 'vitest';
import { HbaFile, IdentFile, InvalidHbaRuleError, InvalidIdentMappingError } from '../../../src/hba/index.js';
import { findRegexError } from '../../../src/hba/auth-regex.js';

describe('findRegexError', () => {
  it('gives the server’s reason for what both engines refuse', () => {
    expect(findRegexError('(')).toBe('parentheses () not balanced');
    expect(findRegexError('a)b')).toBe('parentheses () not balanced');
    expect(findRegexError('[a')).toBe('brackets [] not balanced');
    expect(findRegexError('[a\\]')).toBe('brackets [] not balanced');
    expect(findRegexError('+a')).toBe('quantifier operand invalid');
    expect(findRegexError('a|?')).toBe('quantifier operand invalid');
    expect(findRegexError('a*??')).toBe('quantifier operand invalid');
    expect(findRegexError('$*')).toBe('quantifier operand invalid');
    expect(findRegexError('a{3,2}')).toBe('invalid repetition count(s)');
    expect(findRegexError('[9-0]')).toBe('invalid character range');
    expect(findRegexError('x\\')).toBe('invalid escape \\ sequence');
  });

  it('reports the first error, as the server parses: left to right', () => {
    expect(findRegexError('(*')).toBe('quantifier operand invalid');
    expect(findRegexError('([a')).toBe('brackets [] not balanced');
    // The server reads the token after a range before checking it: a bracket that never closes comes first.
    expect(findRegexError('[b-a')).toBe('brackets [] not balanced');
  });

  it('says nothing of patterns both compile', () => {
    for (const pattern of ['', '^$', '^db_[0-9]+$', '(a|b),c', '[]a]', '[^]a]', 'a{2}?', 'a{,3}', '{', '}', ']', '[a-]', '[--a]', '\\(', '(?:x)+', '(?=a)a', '(?<!a)b', '[[:digit:]]{2}', 'é+']) {
      expect({ pattern, error: findRegexError(pattern) }).toEqual({ pattern, error: undefined });
    }
  });

  it('says nothing where only one engine refuses, or where it cannot be sure', () => {
    // PostgreSQL refuses, JavaScript compiles.
    for (const pattern of ['a{256}', 'a{2', '[]', '[^]', '(?=a)*', '\\k', '\\1', '[[:foo:]]', '[a-b-c]']) {
      expect({ pattern, error: findRegexError(pattern) }).toEqual({ pattern, error: undefined });
    }
    // JavaScript refuses, PostgreSQL compiles.
    for (const pattern of ['(?i)abc', '***=(', '\\b*', '(?#c)a']) {
      expect({ pattern, error: findRegexError(pattern) }).toEqual({ pattern, error: undefined });
    }
  });
});

describe('regular expressions in pg_hba.conf', () => {
  const text = [
    'local   /^db_[0-9]+$   all   trust',
    'local   app,/(   all   trust',
    'local   all   "/[a"   trust',
    'hots    /(   all   trust',
    'local   /+x   all   bogus',
    'local   all \\',
    '   "/a{2,1}"   trust',
    'local   /(?i)x   all   trust',
    '',
  ].join('\n');

  it('reports what the server cannot compile from 16 on, at the token, with the server’s message', () => {
    expect(HbaFile.parse(text, { major: 16 }).diagnostics).toEqual([
      { code: 'HBA_INVALID_REGEX', line: 2, column: 13, message: 'invalid regular expression "(": parentheses () not balanced', raw: 'local   app,/(   all   trust' },
      { code: 'HBA_INVALID_REGEX', line: 3, column: 15, message: 'invalid regular expression "[a": brackets [] not balanced', raw: 'local   all   "/[a"   trust' },
      // The connection type is checked first, the method after the database and user columns.
      { code: 'HBA_INVALID_LINE', line: 4, column: 1, message: 'invalid connection type "hots"', raw: 'hots    /(   all   trust' },
      { code: 'HBA_INVALID_REGEX', line: 5, column: 9, message: 'invalid regular expression "+x": quantifier operand invalid', raw: 'local   /+x   all   bogus' },
      // A continued line is reported on its first line; the column is in the line the token is on.
      { code: 'HBA_INVALID_REGEX', line: 6, column: 4, message: 'invalid regular expression "a{2,1}": invalid repetition count(s)', raw: 'local   all \\\n   "/a{2,1}"   trust' },
    ]);
    expect(HbaFile.parse(text, { major: 16 }).rules().map((r) => r.line)).toEqual([1, 8]);
  });

  it('reads them as names before 16', () => {
    const hba = HbaFile.parse(text, { major: 15 });
    expect(hba.diagnostics.map((d) => [d.code, d.line, d.message])).toEqual([
      ['HBA_INVALID_LINE', 4, 'invalid connection type "hots"'],
      ['HBA_INVALID_LINE', 5, 'invalid authentication method "bogus"'],
    ]);
    expect(hba.rules().find((r) => r.line === 6)?.user).toEqual(['/a{2,1}']);
    expect(hba.at(1)?.database).toEqual(['app', '/(']);
  });

  it('refuses to write one, naming the field, and leaves the file unchanged', () => {
    const hba = HbaFile.parse('local all all peer\n', { major: 18 });
    expect(() => hba.append({ type: 'local', database: ['app', '/(x'], user: 'all', method: 'trust' })).toThrow(InvalidHbaRuleError);
    try {
      hba.append({ type: 'local', database: 'all', user: '"/[a"', method: 'trust' });
    } catch (error) {
      expect(error).toMatchObject({ code: 'HBA_INVALID_RULE', field: 'user', value: '"/[a"', reason: 'invalid regular expression "[a": brackets [] not balanced' });
    }
    expect(hba.toString()).toBe('local all all peer\n');
    // Before 16 the same text is a name.
    const old = HbaFile.parse('', { major: 15 });
    old.append({ type: 'local', database: '/(x', user: 'all', method: 'trust' });
    expect(old.toString()).toBe('local   /(x             all                                     trust\n');
  });
});

describe('regular expressions in pg_ident.conf', () => {
  const text = 'm /( pg\nm "/a{2,1}" pg\nm sys /[a\nm /(?i)x pg\nm /( a,b\nm sys\n';

  it('reports a system user the server cannot compile in every major, and a database user from 16 on', () => {
    const at16 = [
      { code: 'IDENT_INVALID_REGEX', line: 1, column: 3, message: 'invalid regular expression "(": parentheses () not balanced', raw: 'm /( pg' },
      { code: 'IDENT_INVALID_REGEX', line: 2, column: 3, message: 'invalid regular expression "a{2,1}": invalid repetition count(s)', raw: 'm "/a{2,1}" pg' },
      { code: 'IDENT_INVALID_REGEX', line: 3, column: 7, message: 'invalid regular expression "[a": brackets [] not balanced', raw: 'm sys /[a' },
      // The fields are checked before the expression is compiled.
      { code: 'IDENT_INVALID_LINE', line: 5, column: 6, message: 'multiple values in ident field', raw: 'm /( a,b' },
      { code: 'IDENT_INVALID_LINE', line: 6, column: 6, message: 'missing entry at end of line', raw: 'm sys' },
    ];
    expect(IdentFile.parse(text, { major: 16 }).diagnostics).toEqual(at16);
    expect(IdentFile.parse(text, { major: 15 }).diagnostics).toEqual(at16.filter((d) => d.line !== 3));
    expect(IdentFile.parse(text, { major: 13 }).diagnostics.map((d) => d.line)).toEqual([1, 2, 5, 6]);
  });

  it('refuses to write one, and accepts what PostgreSQL compiles although JavaScript cannot', () => {
    const ident = IdentFile.parse('', { major: 16 });
    expect(() => ident.append({ map: 'm', systemUser: '/(', pgUser: 'p' })).toThrow(InvalidIdentMappingError);
    try {
      ident.append({ map: 'm', systemUser: 'sys', pgUser: '/a**' });
    } catch (error) {
      expect(error).toMatchObject({ code: 'IDENT_INVALID_MAPPING', field: 'pgUser', reason: 'invalid regular expression "a**": quantifier operand invalid' });
    }
    ident.append({ map: 'm', systemUser: '/(?i)^bob$', pgUser: 'bob' });
    expect(ident.toString()).toBe('m               /(?i)^bob$              bob\n');
    // Before 16 the database user is a name.
    IdentFile.parse('', { major: 15 }).append({ map: 'm', systemUser: 'sys', pgUser: '/a**' });
  });
});
