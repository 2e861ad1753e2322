// readHbaFileSet / readIdentFileSet on files in a temporary folder: @file expansion, includes,
// and the exact diagnostics for files that cannot be read. The same readings are compared with
// the server's views in test/integration/hba/file-set-oracle.test.ts.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.js';
import { matchRule, readHbaFileSet, readIdentFileSet } from '../../../src/hba/index.js';

let dir: string;

function write(name: string, text: string): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

beforeAll(() => {
  dir = mkdtempSync('/tmp/pgct-hba-set-');
  write('lists/dbs', 'db1, db2 # the apps\n"all"\n@more\n');
  write('lists/more', 'db3\n');
  write('lists/users', '+admins\n');
  write('empty', '');
  write('self', 'a @self\n');
  for (let i = 1; i <= 11; i++) write(`chain/c${i}`, i < 11 ? `c${i} @c${i + 1}\n` : 'c11\n');
  write('conf.d/20-b.conf', 'local b all trust\n');
  write('conf.d/10-a.conf', 'local a all trust\nlocal @missing-in-dir all trust\n');
  write('conf.d/.hidden.conf', 'local hidden all trust\n');
  write('conf.d/notes.txt', 'not read\n');
  mkdirSync(join(dir, 'conf.d/sub.conf'));
});

afterAll(() => {
  // `dir` comes from mkdtempSync: never empty.
  rmSync(dir, { recursive: true, force: true });
});

describe('readHbaFileSet', () => {
  it('replaces @file tokens by the names in the file, read from the folder of the file naming it', async () => {
    const main = write('a/pg_hba.conf', 'local   @../lists/dbs,app   @../lists/users   trust\nlocal "@../lists/dbs" @ trust\n');
    const set = await readHbaFileSet(main, { major: 16 });
    expect(set.diagnostics).toEqual([]);
    expect(set.rules).toEqual([
      {
        type: 'local',
        database: ['db1', 'db2', '"all"', 'db3', 'app'],
        user: ['+admins'],
        method: 'trust',
        options: {},
        file: main,
        line: 1,
        raw: 'local   @../lists/dbs,app   @../lists/users   trust',
        sources: {
          database: [join(dir, 'lists/dbs'), join(dir, 'lists/dbs'), join(dir, 'lists/dbs'), join(dir, 'lists/more'), main],
          user: [join(dir, 'lists/users')],
        },
      },
      // A quoted "@file" is a name; `@` alone is a name too.
      expect.objectContaining({ database: ['"@../lists/dbs"'], user: ['@'], line: 2 }),
    ]);
    expect(set.files).toEqual([main, join(dir, 'lists/dbs'), join(dir, 'lists/more'), join(dir, 'lists/users')]);
    expect(matchRule(set, { type: 'local', database: 'db3', user: 'bob' }, { resolve: (q) => q.kind === 'member' })).toMatchObject({ status: 'matched', index: 0 });
    expect(matchRule(set, { type: 'local', database: 'all', user: 'bob' }, { resolve: () => false })).toEqual({ status: 'no-match' });
  });

  it('keeps @file tokens as written when asked not to expand them', async () => {
    const main = write('b/pg_hba.conf', 'local @../lists/dbs all trust\n');
    const set = await readHbaFileSet(main, { major: 16, expandFiles: false });
    expect(set.rules.map((r) => [r.database, r.sources.database])).toEqual([[['@../lists/dbs'], [main]]]);
    expect(set.files).toEqual([main]);
    expect(matchRule(set, { type: 'local', database: 'db1', user: 'u' })).toMatchObject({ status: 'unresolved', question: { kind: 'file', file: '../lists/dbs' } });
  });

  it('reports a missing @file on the line naming it, with the message of each major', async () => {
    const main = write('c/pg_hba.conf', '# lists\nlocal   all   x,@nowhere   trust\nlocal   @../lists/dbs,@../empty   all   trust\n');
    const missing = join(dir, 'c/nowhere');
    const at = { file: main, line: 2, column: 17, raw: 'local   all   x,@nowhere   trust' };
    expect((await readHbaFileSet(main, { major: 16 })).diagnostics).toEqual([
      { code: 'AUTH_FILE_UNREADABLE', ...at, message: `could not open file "${missing}": No such file or directory` },
    ]);
    expect((await readHbaFileSet(main, { major: 15 })).diagnostics).toEqual([
      { code: 'AUTH_FILE_UNREADABLE', ...at, message: `could not open secondary authentication file "@nowhere" as "${missing}": No such file or directory` },
    ]);
    // An empty file adds nothing to its field; a field it leaves empty is gone, and the columns after it move up.
    const emptied = write('c/emptied.conf', 'local   @../empty   all   trust\n');
    expect((await readHbaFileSet(emptied, { major: 16 })).diagnostics).toEqual([
      { code: 'HBA_INVALID_LINE', file: emptied, line: 1, column: 32, message: 'end-of-line before authentication method', raw: 'local   @../empty   all   trust' },
    ]);
  });

  it('stops at 10 nested files from 16 on, as the server; before 16 there is no limit', async () => {
    const main = write('d/pg_hba.conf', 'local @../chain/c1 all trust\nlocal @../chain/c2 all trust\n');
    const at16 = await readHbaFileSet(main, { major: 16 });
    expect(at16.diagnostics).toEqual([
      {
        code: 'AUTH_FILE_DEPTH_EXCEEDED',
        file: main,
        line: 1,
        column: 7,
        message: `could not open file "${join(dir, 'chain/c11')}": maximum nesting depth exceeded`,
        raw: 'local @../chain/c1 all trust',
      },
    ]);
    expect(at16.rules[0]?.database).toEqual(['c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8', 'c9', 'c10', 'c11']);
    expect((await readHbaFileSet(main, { major: 15 })).rules[0]?.database).toHaveLength(11);
  });

  it('reports an @file that lists itself: 16+ at the depth limit, 15 as a recursion (the server fails the whole file)', async () => {
    const main = write('e/pg_hba.conf', 'local @../self all trust\n');
    expect((await readHbaFileSet(main, { major: 16 })).diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['AUTH_FILE_DEPTH_EXCEEDED', `could not open file "${join(dir, 'self')}": maximum nesting depth exceeded`],
    ]);
    expect((await readHbaFileSet(main, { major: 15 })).diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([['AUTH_FILE_RECURSION', 1, 7]]);
  });

  it('follows include records from 16 on, in the server’s order, with errors where it puts them', async () => {
    const main = write(
      'f/pg_hba.conf',
      ['local first all trust', 'include ../conf.d/20-b.conf', 'include_if_exists nothing.conf', 'include_dir ../conf.d', 'include nothing.conf', 'local last all trust', ''].join('\n'),
    );
    const set = await readHbaFileSet(main, { major: 16 });
    const place = (e: (typeof set.entries)[number]) => (e.kind === 'rule' ? [e.rule.file, e.rule.line, e.rule.database[0]] : [e.diagnostic.file, e.diagnostic.line, e.diagnostic.message]);
    expect(set.entries.map(place)).toEqual([
      [main, 1, 'first'],
      [join(dir, 'conf.d/20-b.conf'), 1, 'b'],
      [join(dir, 'conf.d/10-a.conf'), 1, 'a'],
      [join(dir, 'conf.d/10-a.conf'), 2, `could not open file "${join(dir, 'conf.d/missing-in-dir')}": No such file or directory`],
      [join(dir, 'conf.d/20-b.conf'), 1, 'b'],
      [main, 5, `could not open file "${join(dir, 'f/nothing.conf')}": No such file or directory`],
      [main, 6, 'last'],
    ]);
    expect(set.diagnostics.map((d) => d.code)).toEqual(['AUTH_FILE_UNREADABLE', 'AUTH_FILE_UNREADABLE']);
    // Before 16 those lines are rules the server cannot read.
    expect((await readHbaFileSet(main, { major: 15 })).diagnostics.map((d) => [d.line, d.message])).toEqual([
      [2, 'invalid connection type "include"'],
      [3, 'invalid connection type "include_if_exists"'],
      [4, 'invalid connection type "include_dir"'],
      [5, 'invalid connection type "include"'],
    ]);
  });

  it('reports a missing include_dir folder on its line', async () => {
    const main = write('g/pg_hba.conf', 'include_dir nowhere\n');
    expect((await readHbaFileSet(main, { major: 17 })).diagnostics).toEqual([
      { code: 'AUTH_DIRECTORY_UNREADABLE', file: main, line: 1, column: 13, message: `could not open directory "${join(dir, 'g/nowhere')}"`, raw: 'include_dir nowhere' },
    ]);
  });

  it('reads a folder named as an @file as an empty file, except 13, which reports it', async () => {
    const main = write('j/pg_hba.conf', 'local x,@../conf.d all trust\n');
    expect((await readHbaFileSet(main, { major: 14 })).rules.map((r) => r.database)).toEqual([['x']]);
    expect((await readHbaFileSet(main, { major: 13 })).diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['AUTH_FILE_UNREADABLE', `could not read file "${join(dir, 'conf.d')}": Is a directory`],
    ]);
  });

  it('checks regular expressions read from @files (16+)', async () => {
    write('h/regex', '"/^(x"\n');
    const main = write('h/pg_hba.conf', 'local all @regex trust\n');
    expect((await readHbaFileSet(main, { major: 16 })).diagnostics.map((d) => [d.code, d.column, d.message])).toEqual([
      ['HBA_INVALID_REGEX', 11, 'invalid regular expression "^(x": parentheses () not balanced'],
    ]);
    expect((await readHbaFileSet(main, { major: 15 })).rules[0]?.user).toEqual(['/^(x']);
  });

  it('rejects a main file it cannot read, and bad options', async () => {
    await expect(readHbaFileSet(join(dir, 'no/pg_hba.conf'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(readHbaFileSet('')).rejects.toThrow(InvalidArgumentError);
    await expect(readHbaFileSet(join(dir, 'a/pg_hba.conf'), { major: 'x' as never })).rejects.toThrow(InvalidArgumentError);
    await expect(readHbaFileSet(join(dir, 'a/pg_hba.conf'), { expandFiles: 'yes' as never })).rejects.toThrow(InvalidArgumentError);
  });
});

describe('readIdentFileSet', () => {
  it('expands @files in any field, each of which must hold one value', async () => {
    write('i/one', 'one\n');
    const main = write('i/pg_ident.conf', 'map @one pg\nmap @../lists/dbs pg\nmap sys @gone\n');
    const set = await readIdentFileSet(main, { major: 18 });
    expect(set.mappings).toEqual([
      { map: 'map', systemUser: 'one', pgUser: 'pg', file: main, line: 1, raw: 'map @one pg', sources: { map: main, systemUser: join(dir, 'i/one'), pgUser: main } },
    ]);
    expect(set.diagnostics.map((d) => [d.code, d.line, d.column, d.message])).toEqual([
      ['IDENT_INVALID_LINE', 2, 5, 'multiple values in ident field'],
      ['AUTH_FILE_UNREADABLE', 3, 9, `could not open file "${join(dir, 'i/gone')}": No such file or directory`],
    ]);
  });
});
