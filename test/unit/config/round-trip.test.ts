import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigFile } from '../../../src/config/index.js';
import { corpus } from '../../fixtures/config/oracle-corpus.js';

const fixtures = join(import.meta.dirname, '../../fixtures/config');

function fixtureFiles(): string[] {
  const found: string[] = [];
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (!path.endsWith('.ts')) found.push(path);
    }
  };
  walk(fixtures);
  return found.sort();
}

describe('round trip, byte for byte', () => {
  const files = fixtureFiles();

  it('has the fixtures the issue asks for', () => {
    const names = files.map((f) => f.slice(fixtures.length + 1));
    for (const major of [13, 14, 15, 16, 17, 18]) {
      expect(names).toContain(`samples/postgresql-${major}.conf.sample`);
      expect(names).toContain(`initdb/postgresql-${major}.conf`);
    }
    expect(names).toEqual(expect.arrayContaining(['edge/crlf.conf', 'edge/bom.conf', 'edge/tabs.conf', 'edge/no-final-newline.conf', 'edge/unparseable.conf']));
  });

  it.each(files.map((f) => [f.slice(fixtures.length + 1), f]))('%s', (_name, path) => {
    const bytes = readFileSync(path);
    const text = bytes.toString('utf8');
    const conf = ConfigFile.parse(text);
    expect(Buffer.from(conf.toString(), 'utf8').equals(bytes)).toBe(true);
    // A no-op edit (setting the effective value it already has) changes nothing either.
    // (Values with line breaks can be read, through escapes, but are refused by set().)
    const first = conf.entries().find(([, value]) => !/[\n\r]/.test(value));
    if (first !== undefined) {
      conf.set(first[0], first[1]);
      expect(conf.toString()).toBe(text);
    }
  });

  it('round-trips every file of the oracle corpus', () => {
    const texts = corpus.flatMap((c) => [...Object.values(c.files), c.auto]).filter((t): t is string => typeof t === 'string');
    expect(texts.length).toBeGreaterThan(60);
    for (const text of texts) expect(ConfigFile.parse(text).toString()).toBe(text);
  });

  it('reads the sample files as all comments: no active setting, about 300 commented-out ones', () => {
    for (const major of [13, 14, 15, 16, 17, 18]) {
      const conf = ConfigFile.parse(readFileSync(join(fixtures, `samples/postgresql-${major}.conf.sample`), 'utf8'));
      expect(conf.diagnostics).toEqual([]);
      expect(conf.entries()).toEqual([]);
      const commented = conf.settings.filter((s) => s.isCommentedOut);
      expect(commented.length).toBeGreaterThan(250);
      expect(commented.map((s) => s.key)).toContain('shared_buffers');
      expect(conf.lines.filter((l) => l.include?.isCommentedOut).map((l) => l.include?.directive)).toEqual([
        'include_dir',
        'include_if_exists',
        'include',
      ]);
    }
  });

  it.each([13, 14, 15, 16, 17, 18])('reads what initdb %i wrote', (major) => {
    const conf = ConfigFile.parse(readFileSync(join(fixtures, `initdb/postgresql-${major}.conf`), 'utf8'));
    expect(conf.diagnostics).toEqual([]);
    expect(conf.get('max_connections')).toBe('100');
    expect(conf.get('shared_buffers')).toBe('128MB');
    expect(conf.get('datestyle')).toBe('iso, mdy');
    // Quoted ('C') up to 15, bare (C) from 16 on: the same value either way.
    expect(conf.get('lc_messages')).toBe('C');
    expect(conf.get('default_text_search_config')).toBe('pg_catalog.english');
    expect(ConfigFile.parse(readFileSync(join(fixtures, `initdb/postgresql.auto-${major}.conf`), 'utf8')).entries()).toEqual([]);
  });
});

// Generated files: pieces of real syntax, near-misses and arbitrary text, joined by any line ending.
const name = fc.constantFrom('work_mem', 'Shared_Buffers', 'my.custom', 'x', '_a1', 'include', 'bad-name', 'a.b.c', '1x');
const space = fc.constantFrom('', ' ', '  ', '\t', ' \t ', '\r');
const bareValue = fc.constantFrom('4MB', '-1', '0.5', '.5', '1e3', 'on', 'en_US.UTF-8', '/tmp', '0x1F', 'a.b', '*');
const quotedValue = fc
  .array(fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom("''", '\\\\', "\\'", '\\n', '\\101', '#', '\\')), { maxLength: 5 })
  .map((parts) => `'${parts.join('').replace(/[\n\r]/g, ' ')}'`);
const comment = fc.oneof(fc.constant(''), fc.string({ maxLength: 10 }).map((s) => `#${s.replace(/[\n\r]/g, '')}`));
const assignment = fc
  .tuple(space, fc.constantFrom('', '#'), name, space, fc.constantFrom('=', '', ' = '), space, fc.oneof(bareValue, quotedValue), space, comment)
  .map((parts) => parts.join(''));
const line = fc.oneof(assignment, comment, fc.string({ maxLength: 20 }).map((s) => s.replace(/[\n]/g, '')), fc.string({ unit: 'binary', maxLength: 8 }).map((s) => s.replace(/\n/g, '')));
const ending = fc.constantFrom('\n', '\r\n', '\n', '');
const document = fc
  .tuple(fc.boolean(), fc.array(fc.tuple(line, ending), { maxLength: 15 }))
  .map(([bom, lines]) => (bom ? '\uFEFF' : '') + lines.map(([l, e]) => l + e).join(''));

describe('generated files', () => {
  it('round-trips every generated file', () => {
    fc.assert(
      fc.property(document, (text) => ConfigFile.parse(text).toString() === text),
      { numRuns: 2000 },
    );
  });

  it('round-trips arbitrary text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => ConfigFile.parse(text).toString() === text), { numRuns: 1000 });
  });

  it('set() makes the value read back, and leaves the other settings alone', () => {
    const safeName = fc.constantFrom('work_mem', 'my.custom', 'port', 'search_path');
    const value = fc.string({ maxLength: 12 }).filter((v) => !/[\n\r\0]/.test(v));
    fc.assert(
      fc.property(document, safeName, value, (text, settingName, newValue) => {
        const conf = ConfigFile.parse(text);
        const before = new Map(conf.entries());
        conf.set(settingName, newValue);
        const again = ConfigFile.parse(conf.toString());
        expect(again.get(settingName)).toBe(newValue);
        before.delete(settingName.toLowerCase());
        const after = new Map(again.entries());
        after.delete(settingName.toLowerCase());
        expect(after).toEqual(before);
      }),
      { numRuns: 1000 },
    );
  });

  it('any sequence of set/unset/update keeps the document equal to a simple model, and to its own re-reading', () => {
    const safeName = fc.constantFrom('work_mem', 'Work_Mem', 'my.custom', 'port', 'x');
    const value = fc.string({ maxLength: 6 }).filter((v) => !/[\n\r\0]/.test(v));
    const op = fc.oneof(
      fc.tuple(fc.constant('set' as const), safeName, value),
      fc.tuple(fc.constant('unset' as const), safeName, fc.boolean()),
      fc.tuple(fc.constant('update' as const), safeName, fc.option(value)),
    );
    fc.assert(
      fc.property(document, fc.array(op, { maxLength: 12 }), (text, ops) => {
        const conf = ConfigFile.parse(text);
        const model = new Map(conf.entries());
        for (const [kind, settingName, argument] of ops) {
          const key = settingName.toLowerCase();
          if (kind === 'set') {
            conf.set(settingName, argument);
            model.set(key, argument);
          } else if (kind === 'unset') {
            conf.unset(settingName, { remove: argument });
            model.delete(key);
          } else {
            conf.update({ [settingName]: argument });
            if (argument === null) model.delete(key);
            else model.set(key, argument);
          }
          expect(new Map(conf.entries())).toEqual(model);
          expect(new Map(ConfigFile.parse(conf.toString()).entries())).toEqual(model);
        }
      }),
      { numRuns: 500 },
    );
  });
});
