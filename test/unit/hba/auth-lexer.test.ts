import { describe, expect, it } from 'vitest';
import { joinLogicalLines, lexContent, splitPhysicalLines } from '../../../src/hba/auth-lexer.js';

const values = (content: string, major = 18) => lexContent(content, { major }).fields.map((f) => f.tokens.map((t) => t.value));

describe('lexContent (hba.c next_token)', () => {
  it('splits fields at blanks and lists at commas', () => {
    expect(values('host  db1,db2, db3\tu   10.0.0.0/8 md5')).toEqual([['host'], ['db1', 'db2', 'db3'], ['u'], ['10.0.0.0/8'], ['md5']]);
    expect(values('a,,b ,c')).toEqual([['a', 'b'], ['c']]);
  });

  it('handles double quotes the way the server does', () => {
    const lexed = lexContent('"all" "a""b" al"l" "x y,z" ""');
    expect(lexed.fields.map((f) => f.tokens.map((t) => [t.value, t.quoted]))).toEqual([
      [['all', true]], [['a"b', true]], [['all', false]], [['x y,z', true]], [['', true]],
    ]);
  });

  it('ends a line at an unquoted #, not at a quoted one', () => {
    expect(values('local all all trust#x y')).toEqual([['local'], ['all'], ['all'], ['trust']]);
    expect(values('local "a#b" all trust # c')).toEqual([['local'], ['a#b'], ['all'], ['trust']]);
    expect(lexContent('  # only a comment').commentStart).toBe(2);
  });

  it('treats a carriage return as a blank', () => {
    expect(values('local\rall\rall\rtrust')).toEqual([['local'], ['all'], ['all'], ['trust']]);
  });

  it('takes long tokens whole (the servers tested have no 255-byte limit)', () => {
    expect(values(`local ${'x'.repeat(300)}`, 13)).toEqual([['local'], ['x'.repeat(300)]]);
  });
});

describe('joinLogicalLines (tokenize_auth_file)', () => {
  const join = (text: string, major = 18) => joinLogicalLines(splitPhysicalLines(text), { major }).map((l) => [l.text, l.eol, l.lineCount]);

  it('continues a line ending in a backslash from 14 on', () => {
    expect(join('local all \\\nall trust\nx\n')).toEqual([['local all \\\nall trust', '\n', 2], ['x', '\n', 1]]);
    expect(join('local all \\\nall trust\n', 13)).toEqual([['local all \\', '\n', 1], ['all trust', '\n', 1]]);
  });

  it('keeps CRLF endings and a missing final newline', () => {
    expect(join('a\r\nb')).toEqual([['a', '\r\n', 1], ['b', '', 1]]);
  });
});
