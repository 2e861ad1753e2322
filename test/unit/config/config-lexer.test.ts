// The scanner's token rules (guc-file.l), one line at a time. The server agrees with these in
// test/integration/config/oracle.test.ts; here they are pinned without a server.
import { describe, expect, it } from 'vitest';
import { lexConfigLine } from '../../../src/config/index.js';

const kinds = (line: string): Array<[string, string]> =>
  lexConfigLine(line)
    .filter((t) => t.kind !== 'whitespace')
    .map((t) => [t.kind, t.text]);

describe('lexConfigLine', () => {
  it('gives the line back when its tokens are joined', () => {
    for (const line of ["a = 'b' # c", "\t x\t'y''z'\r", '#only', '', "'open", '€ = ü']) {
      expect(lexConfigLine(line).map((t) => t.text).join('')).toBe(line);
    }
  });

  it.each([
    ['work_mem', [['id', 'work_mem']]],
    ['my.custom', [['qualified-id', 'my.custom']]],
    ['a.b.c', [['unquoted-string', 'a.b.c']]],
    ['work-mem', [['unquoted-string', 'work-mem']]],
    ['en_US.UTF-8', [['unquoted-string', 'en_US.UTF-8']]],
    ['a$b', [['id', 'a'], ['error', '$'], ['id', 'b']]],
    ['128MB', [['integer', '128MB']]],
    ['-1', [['integer', '-1']]],
    ['0x1Fkb', [['integer', '0x1Fkb']]],
    ['1e3', [['integer', '1e'], ['integer', '3']]],
    ['1.5e3', [['real', '1.5e3']]],
    ['.5', [['real', '.5']]],
    ['.', [['real', '.']]],
    ['1.5GB', [['real', '1.5'], ['id', 'GB']]],
    ["'it''s'", [['string', "'it''s'"]]],
    ["'a\\'b'", [['string', "'a\\'b'"]]],
    ["'open", [['error', "'"], ['id', 'open']]],
    ['/tmp', [['error', '/'], ['id', 'tmp']]],
    ['x#y', [['id', 'x'], ['comment', '#y']]],
    ["'#'#c", [['string', "'#'"], ['comment', '#c']]],
    ['a\fb', [['id', 'a'], ['error', '\f'], ['id', 'b']]],
    ['\uFEFFport', [['id', '\uFEFFport']]],
    ['ü.é', [['qualified-id', 'ü.é']]],
  ])('%j', (line, expected) => {
    expect(kinds(line)).toEqual(expected);
  });
});
