// Files that are not UTF-8: the server reads configuration files as bytes, so a postgresql.conf
// with one Latin-1 byte is an ordinary file. It is read as Latin-1 (one character per byte) and
// written back with the same bytes; what the server reads from such a file is checked in
// test/integration/config/oracle.test.ts.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigEncodingError, ConfigFile, readConfigFileSet, unquoteConfigString } from '../../../src/config/index.js';

const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');

let dir: string;

beforeEach(() => {
  dir = mkdtempSync('/tmp/pgct-config-encoding-');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(relative: string, bytes: Buffer | string): string {
  const path = join(dir, relative);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, bytes);
  return path;
}

describe('which encoding a file is read with', () => {
  it('UTF-8 when the bytes are valid UTF-8, Latin-1 otherwise', async () => {
    expect((await ConfigFile.load(write('utf8.conf', "x.y = 'café'\n"))).encoding).toBe('utf8');
    expect((await ConfigFile.load(write('ascii.conf', 'port = 1\n'))).encoding).toBe('utf8');
    // 0xC3 0xA9 is é in UTF-8; alone, 0xE9 is not valid UTF-8.
    const conf = await ConfigFile.load(write('latin1.conf', latin1("x.y = 'caf\xe9'\n")));
    expect(conf.encoding).toBe('latin1');
    expect(conf.get('x.y')).toBe('café');
    expect(ConfigFile.parse('port = 1\n').encoding).toBe('utf8');
  });

  it('round-trips every byte value through load and save', async () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const path = write('all.conf', bytes);
    const conf = await ConfigFile.load(path);
    expect(conf.encoding).toBe('latin1');
    await conf.save({ force: true });
    expect(readFileSync(path)).toEqual(bytes);
  });
});

describe('edits of a Latin-1 file', () => {
  it('keep the bytes of every untouched line, and write Latin-1 characters as one byte each', async () => {
    const original = latin1("# r\xe9glages\r\nwork_mem = 4MB\t# m\xe9moire\r\n#port = 5432\r\nx.y = '\xe9t\xe9'\r\n");
    const path = write('postgresql.conf', original);
    const conf = await ConfigFile.load(path);
    conf.set('work_mem', '8MB').set('port', 5433).set('x.new', 'à la française').unset('x.y');
    await conf.save();
    expect(readFileSync(path)).toEqual(
      latin1("# r\xe9glages\r\nwork_mem = 8MB\t# m\xe9moire\r\nport = 5433\r\n#x.y = '\xe9t\xe9'\r\nx.new = '\xe0 la fran\xe7aise'\r\n"),
    );
    // A second load reads what we wrote as we meant it.
    const again = await ConfigFile.load(path);
    expect(again.encoding).toBe('latin1');
    expect(again.toObject()).toEqual({ work_mem: '8MB', port: '5433', 'x.new': 'à la française' });
  });

  it('refuse a character above U+00FF in a value or a name, changing nothing', async () => {
    const original = latin1("x.y = 'caf\xe9'\nport = 1\n");
    const path = write('postgresql.conf', original);
    const conf = await ConfigFile.load(path);
    const before = conf.toString();
    for (const [name, value, character] of [
      ['x.y', 'price: 5 €', '€'],
      ['x.y', 'smile 😀', '😀'],
      ['x.ÿ€', 'ok', '€'],
    ] as const) {
      let caught: unknown;
      try {
        conf.set(name, value);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ConfigEncodingError);
      expect(caught).toMatchObject({ code: 'CONFIG_NOT_ENCODABLE', path, encoding: 'latin1', settingName: name, character });
      expect((caught as Error).message).toContain('Latin-1');
    }
    // update is all or nothing.
    expect(() => conf.update({ port: 2, 'x.y': '€' })).toThrow(ConfigEncodingError);
    expect(conf.toString()).toBe(before);
    await conf.save();
    expect(readFileSync(path)).toEqual(original);
  });

  it('read an octal escape as the byte it stands for', async () => {
    // `\351` is the byte 0xE9: é in a Latin-1 file; in a UTF-8 file it takes `\303\251`.
    const conf = await ConfigFile.load(write('latin1.conf', latin1("# \xff\nx.a = 'caf\\351'\nx.b = '\xe9'\n")));
    expect(conf.toObject()).toEqual({ 'x.a': 'café', 'x.b': 'é' });
    const utf8 = ConfigFile.parse("x.a = 'caf\\303\\251'\n");
    expect(utf8.get('x.a')).toBe('café');
    expect(unquoteConfigString("'caf\\351'", { encoding: 'latin1' })).toBe('café');
    expect(unquoteConfigString("'caf\\303\\251'")).toBe('café');
  });

  it('see what an included Latin-1 file sets, and readConfigFileSet reads it so too', async () => {
    const main = write('postgresql.conf', "include 'extra.conf'\n");
    write('extra.conf', latin1("x.who = 'Bj\xf6rk'\n"));
    expect((await ConfigFile.load(main)).get('x.who')).toBe('Björk');
    const set = await readConfigFileSet(main, { autoConfPath: null });
    expect(set.settings.get('x.who')).toMatchObject({ value: 'Björk', file: join(dir, 'extra.conf'), line: 1 });
  });

  it('warn about a UTF-8 byte-order mark as in a UTF-8 file', () => {
    const conf = ConfigFile.parse("\u00ef\u00bb\u00bfport = 1\nx = '\xe9'\n", { encoding: 'latin1' });
    expect(conf.diagnostics.map((d) => d.code)).toEqual(['CONFIG_BYTE_ORDER_MARK']);
  });
});

describe('ConfigFile.parse with an encoding', () => {
  it('saves in that encoding', async () => {
    const path = join(dir, 'new.conf');
    await ConfigFile.parse("x.y = '\xe9'\n", { path, encoding: 'latin1' }).save();
    expect(readFileSync(path)).toEqual(latin1("x.y = '\xe9'\n"));
  });

  it('refuses text the encoding cannot hold, and an unknown encoding', () => {
    expect(() => ConfigFile.parse('x = 1 # €\n', { encoding: 'latin1' })).toThrow(
      expect.objectContaining({ code: 'CONFIG_NOT_ENCODABLE', encoding: 'latin1', character: '€', settingName: undefined }),
    );
    expect(() => ConfigFile.parse('x = 1\n', { encoding: 'ascii' as 'utf8' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', argument: 'encoding' }));
  });
});

describe('UTF-8 documents', () => {
  it('refuse a lone surrogate, which UTF-8 cannot hold', async () => {
    const conf = ConfigFile.parse('x.y = 1\n', { path: join(dir, 'u.conf') });
    expect(() => conf.set('x.y', 'a\ud800b')).toThrow(expect.objectContaining({ code: 'CONFIG_NOT_ENCODABLE', encoding: 'utf8', character: '\ud800' }));
    // parse never throws; save refuses to write what it cannot give back.
    await expect(ConfigFile.parse('x.y = 1 # \udc00\n', { path: join(dir, 'v.conf') }).save()).rejects.toMatchObject({ code: 'CONFIG_NOT_ENCODABLE' });
  });

  it('read characters outside the Basic Multilingual Plane whole in a quoted value with escapes', () => {
    const conf = ConfigFile.parse("x.y = 'it''s 😀 \\😀'\n");
    expect(conf.get('x.y')).toBe("it's 😀 😀");
    conf.set('x.z', 'back\\slash 😀');
    expect(conf.get('x.z')).toBe('back\\slash 😀');
    expect(conf.toString()).toBe("x.y = 'it''s 😀 \\😀'\nx.z = 'back\\\\slash 😀'\n");
  });
});
