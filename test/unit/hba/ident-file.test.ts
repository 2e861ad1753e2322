import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HbaIndexError, IdentFile, InvalidIdentMappingError } from '../../../src/hba/index.js';
import { fixtureFiles } from './fixtures.js';

const idents = [
  ...fixtureFiles('samples').filter((f) => f.name.startsWith('pg_ident')),
  ...fixtureFiles('initdb').filter((f) => f.name.startsWith('pg_ident')),
  ...fixtureFiles('ident-corpus'),
];

describe('IdentFile', () => {
  for (const f of idents) {
    it(`keeps every byte of ${f.name}`, () => {
      for (const major of [13, 14, 15, 16, 18]) expect(IdentFile.parse(f.text, { major }).toString()).toBe(f.text);
    });
  }

  it('reads map, system user (a regex too) and database user', () => {
    const ident = IdentFile.parse(idents.find((f) => f.name === 'regex.conf')!.text);
    expect(ident.mappings().map(({ map, systemUser, pgUser }) => [map, systemUser, pgUser])).toEqual([
      ['mymap', '/^(.*)@mydomain\\.com$', '\\1'],
      ['mymap', '/^(.*)@otherdomain\\.com$', 'guest'],
      ['mymap', '/^(a|b),c$', 'x'],
      ['mymap', '/^(.*)$', '\\1_suffix'],
    ]);
  });

  it('keeps a quoted keyword a name in 16+', () => {
    const text = idents.find((f) => f.name === 'quoted.conf')!.text;
    expect(IdentFile.parse(text, { major: 16 }).at(1)!.pgUser).toBe('"all"');
    expect(IdentFile.parse(text, { major: 15 }).at(1)!.pgUser).toBe('all');
  });

  it('appends in the columns of its neighbours, and finds and removes', () => {
    const ident = IdentFile.parse('# MAPNAME       SYSTEM-USERNAME         PG-USERNAME\nomicron         bryanh                  bryanh\n');
    ident.append({ map: 'omicron', systemUser: '/^(.*)@example\\.com$', pgUser: '\\1' });
    ident.append({ map: 'web', systemUser: 'www data', pgUser: 'web', comments: ['# the web server'] });
    expect(ident.toString()).toBe(
      '# MAPNAME       SYSTEM-USERNAME         PG-USERNAME\n' +
        'omicron         bryanh                  bryanh\n' +
        'omicron         /^(.*)@example\\.com$    \\1\n' +
        '# the web server\n' +
        'web             "www data"              web\n',
    );
    expect(ident.find({ map: 'web' })?.line).toBe(5);
    expect(ident.index({ systemUser: 'nobody' })).toBe(-1);
    expect(ident.remove({ map: 'web' }).map((m) => m.comments)).toEqual([['# the web server']]);
    expect(ident.length).toBe(2);
    expect(ident.pop(-1).systemUser).toBe('/^(.*)@example\\.com$');
    expect(ident.toString()).toBe('# MAPNAME       SYSTEM-USERNAME         PG-USERNAME\nomicron         bryanh                  bryanh\n');
  });

  it('reports the lines the server rejects', () => {
    const ident = IdentFile.parse(idents.find((f) => f.name === 'errors.conf')!.text);
    expect(ident.diagnostics.map((d) => [d.line, d.message])).toEqual([
      [1, 'missing entry at end of line'],
      [2, 'missing entry at end of line'],
      [3, 'multiple values in ident field'],
      [4, 'multiple values in ident field'],
      [5, 'multiple values in ident field'],
    ]);
  });

  it('gives each rejected line as a diagnostic with code, line, column, message and raw text', () => {
    const ident = IdentFile.parse('map\n  map a,b pg\nok sys pg\n\tm s p,q # c\n');
    expect(ident.diagnostics).toEqual([
      { code: 'IDENT_INVALID_LINE', line: 1, column: 4, message: 'missing entry at end of line', raw: 'map' },
      { code: 'IDENT_INVALID_LINE', line: 2, column: 7, message: 'multiple values in ident field', raw: '  map a,b pg' },
      { code: 'IDENT_INVALID_LINE', line: 4, column: 6, message: 'multiple values in ident field', raw: '\tm s p,q # c' },
    ]);
    expect(ident.mappings().map((m) => m.line)).toEqual([3]);
  });

  it('writes an empty name as "", which reads back as the empty name the server reads from it', () => {
    const ident = IdentFile.parse('map "" pg\n', { major: 15 });
    expect(ident.at(0)).toMatchObject({ map: 'map', systemUser: '', pgUser: 'pg' });
    ident.set(0, { ...ident.at(0)!, pgUser: 'bob' });
    ident.append({ map: '', systemUser: 'sys', pgUser: '' });
    expect(ident.toString()).toBe('map "" bob\n"" sys ""\n');
    expect(IdentFile.parse(ident.toString(), { major: 15 }).mappings().map((m) => [m.map, m.systemUser, m.pgUser])).toEqual([
      ['map', '', 'bob'],
      ['', 'sys', ''],
    ]);
  });

  it('leaves the line alone when set is given the mapping it already holds', () => {
    const text = 'map\tsys\t\tpg\n  m2 \\\n s2 p2#c\n';
    const ident = IdentFile.parse(text, { major: 15 });
    for (let i = 0; i < ident.length; i++) ident.set(i, ident.at(i)!);
    expect(ident.toString()).toBe(text);
  });

  it('refuses bad mappings and leaves the file unchanged', () => {
    const text = 'map sys pg\n';
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ map: 42, systemUser: 's', pgUser: 'p' }, 'map'],
      [{ map: 'm', systemUser: 'a\nb', pgUser: 'p' }, 'systemUser'],
      [{ map: 'm', systemUser: '/(', pgUser: 'p' }, 'systemUser'],
      [{ map: 'm', systemUser: 's' }, 'pgUser'],
      [{ map: 'm', systemUser: 's', pgUser: '"p' }, 'pgUser'],
      [{ map: 'm', systemUser: 's', pgUser: 'p', comments: ['# note \\'] }, 'comments'],
    ];
    for (const [mapping, field] of bad) {
      const ident = IdentFile.parse(text);
      expect(() => ident.append(mapping as never)).toThrow(InvalidIdentMappingError);
      try {
        ident.append(mapping as never);
      } catch (error) {
        expect(error).toMatchObject({ code: 'IDENT_INVALID_MAPPING', field });
      }
      expect(ident.toString()).toBe(text);
    }
    expect(() => IdentFile.parse(text).pop(1)).toThrow(HbaIndexError);
  });

  it('pops the first mapping when no index is given, as HbaFile.pop', () => {
    const ident = IdentFile.parse('# maps\nm1 alice alice\nm2 bob bob\n');
    expect(ident.pop().map).toBe('m1');
    expect(ident.toString()).toBe('# maps\nm2 bob bob\n'); // the heading stays with the group
  });

  it('sees include directives from 16 on only', () => {
    const text = idents.find((f) => f.name === 'include-16.conf')!.text;
    expect(IdentFile.parse(text, { major: 16 }).includes.map((i) => [i.kind, i.path, i.line])).toEqual([
      ['include', 'other.conf', 1],
      ['include_if_exists', 'missing.conf', 2],
    ]);
    expect(IdentFile.parse(text, { major: 15 }).includes).toEqual([]);
  });
});

describe('IdentFile edits, for any mapping in any fixture', () => {
  const name = fc.oneof(
    fc.constantFrom('all', '+admins', '"all"', 'bob', 'my user', 'a"b', 'x,y', 'h#', '\\1', 'é', 'tail\\'),
    // From 16 on a database user starting with / is a regular expression: random ones start otherwise.
    fc.string({ unit: fc.constantFrom(...'ab \t,#"\\+@/=é'.split('')), minLength: 1, maxLength: 8 }).filter((s) => !s.startsWith('"') && !s.startsWith('/')),
  );
  const systemUser = fc.oneof(name.filter((s) => !s.startsWith('/')), fc.constantFrom('/^(.*)@example\\.com$', '/^a b$', '/x,y'));

  it('writes text the parser reads back as exactly the mappings we hold', () => {
    fc.assert(
      fc.property(fc.constantFrom(...idents.map((f) => f.text)), name, systemUser, name, fc.nat(), fc.constantFrom(15, 18), (text, map, sys, pgUser, position, major) => {
        const ident = IdentFile.parse(text, { major });
        const index = position % (ident.length + 1);
        const added = ident.insert(index, { map, systemUser: sys, pgUser });
        const reread = IdentFile.parse(ident.toString(), { major });
        expect(reread.mappings()).toEqual(ident.mappings());
        expect(reread.at(index)).toEqual(added);
        if (!/\\\r?\n?$/.test(text)) {
          ident.pop(index);
          expect(ident.toString()).toBe(text);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('sets in place and inserts before a match', () => {
    const ident = IdentFile.parse('omicron   bryanh   bryanh   # me\nomicron   ann   ann\n');
    ident.set(0, { map: 'omicron', systemUser: 'bryan', pgUser: 'bryanh' });
    ident.insertBefore({ systemUser: 'ann' }, { map: 'omicron', systemUser: 'robert', pgUser: 'bob' });
    expect(ident.toString()).toBe('omicron   bryan    bryanh   # me\nomicron   robert bob\nomicron   ann   ann\n');
  });
});
