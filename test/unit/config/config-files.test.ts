// The file layer: load/save (atomic, owner and mode kept, no lost updates) and reading a file
// set with its includes and postgresql.auto.conf. Agreement with the server is in
// test/integration/config/oracle.test.ts; these tests pin the API and its error codes.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConfigEncodingError,
  ConfigFile,
  ConfigFileChangedError,
  MAX_INCLUDE_DEPTH,
  readConfigFileSet,
  SettingInIncludedFileError,
} from '../../../src/config/index.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync('/tmp/pgct-config-');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(relative: string, text: string | Buffer): string {
  const path = join(dir, relative);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

describe('ConfigFile.load and save', () => {
  it('saves edits atomically, keeping the mode, leaving no temporary file', async () => {
    const path = write('postgresql.conf', 'port = 5432 # main\n');
    chmodSync(path, 0o640);
    const conf = await ConfigFile.load(path);
    expect(conf.path).toBe(path);
    conf.set('port', 5433);
    await conf.save();
    expect(readFileSync(path, 'utf8')).toBe('port = 5433 # main\n');
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir)).toEqual(['postgresql.conf']);
    // A second save after a second edit works: the snapshot follows our own writes.
    conf.set('port', 5434);
    await conf.save();
    expect(readFileSync(path, 'utf8')).toBe('port = 5434 # main\n');
  });

  it('refuses to save over someone else’s edit, unless forced', async () => {
    const path = write('postgresql.conf', 'port = 5432\n');
    const conf = await ConfigFile.load(path);
    writeFileSync(path, 'port = 6000\n');
    conf.set('work_mem', '8MB');
    await expect(conf.save()).rejects.toThrow(ConfigFileChangedError);
    await expect(conf.save()).rejects.toMatchObject({ code: 'CONFIG_FILE_CHANGED', path });
    expect(readFileSync(path, 'utf8')).toBe('port = 6000\n');
    await conf.save({ force: true });
    expect(readFileSync(path, 'utf8')).toBe('port = 5432\nwork_mem = 8MB\n');
  });

  it('refuses to save when the file was deleted meanwhile', async () => {
    const path = write('postgresql.conf', 'port = 5432\n');
    const conf = await ConfigFile.load(path);
    rmSync(path);
    await expect(conf.save()).rejects.toMatchObject({ code: 'CONFIG_FILE_CHANGED' });
  });

  it('writes a parsed document to a new path with mode 0600, but not over a file it never read', async () => {
    const path = join(dir, 'new.conf');
    const conf = ConfigFile.parse('port = 1\n', { path });
    await conf.save();
    expect(readFileSync(path, 'utf8')).toBe('port = 1\n');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const other = ConfigFile.parse('port = 2\n', { path });
    await expect(other.save()).rejects.toMatchObject({ code: 'CONFIG_FILE_CHANGED', path });
    await expect(ConfigFile.parse('x = 1\n').save()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'path' });
  });

  it('reads a file that is not UTF-8 as Latin-1 and saves it back byte for byte, but for the lines it edits', async () => {
    // `# café` and `x.y = 'é'` with é as the Latin-1 byte 0xE9, as the server reads them: bytes.
    const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');
    const path = write('latin1.conf', latin1("# caf\xe9\nx.y = '\xe9'  # \xe0 la carte\nport = 5432\n"));
    const conf = await ConfigFile.load(path);
    expect(conf.encoding).toBe('latin1');
    expect(conf.get('x.y')).toBe('é');
    conf.set('port', 5433).set('x.new', 'naïve');
    await conf.save();
    expect(readFileSync(path)).toEqual(latin1("# caf\xe9\nx.y = '\xe9'  # \xe0 la carte\nport = 5433\nx.new = na\xefve\n"));
    // A character Latin-1 cannot hold is refused, not written as something else.
    expect(() => conf.set('x.y', '5 €')).toThrow(ConfigEncodingError);
    expect(() => conf.set('x.y', '5 €')).toThrow(expect.objectContaining({ code: 'CONFIG_NOT_ENCODABLE', path, encoding: 'latin1', settingName: 'x.y', character: '€' }));
    await conf.save();
    expect(readFileSync(path)).toEqual(latin1("# caf\xe9\nx.y = '\xe9'  # \xe0 la carte\nport = 5433\nx.new = na\xefve\n"));
  });

  it('round-trips a BOM and CRLF through load and save', async () => {
    const text = '\uFEFF# c\r\nport = 1\r\n';
    const path = write('bom.conf', text);
    const conf = await ConfigFile.load(path);
    conf.set('port', 2);
    await conf.save();
    expect(readFileSync(path, 'utf8')).toBe('\uFEFF# c\r\nport = 2\r\n');
  });
});

describe('ConfigFile.load with includes', () => {
  it('answers get() with what an included file overrides, and says where', async () => {
    const path = write('postgresql.conf', "work_mem = 1MB\nport = 1\ninclude 'conf/tuning.conf'\nshared_buffers = 1GB\n");
    write('conf/tuning.conf', 'work_mem = 64MB\nshared_buffers = 2GB\n');
    const conf = await ConfigFile.load(path);
    expect(conf.get('work_mem')).toBe('64MB');
    expect(conf.get('shared_buffers')).toBe('1GB');
    expect(conf.toObject()).toEqual({ work_mem: '64MB', port: '1', shared_buffers: '1GB' });
    expect(conf.settings.find((s) => s.key === 'work_mem')?.isEffective).toBe(false);

    const before = conf.toString();
    expect(() => conf.set('work_mem', '8MB')).toThrow(SettingInIncludedFileError);
    expect(() => conf.set('work_mem', '8MB')).toThrow(
      expect.objectContaining({ code: 'CONFIG_SET_IN_INCLUDED_FILE', settingName: 'work_mem', file: join(dir, 'conf/tuning.conf'), line: 1 }),
    );
    expect(() => conf.unset('work_mem')).toThrow(SettingInIncludedFileError);
    expect(() => conf.update({ port: 2, work_mem: '8MB' })).toThrow(SettingInIncludedFileError);
    expect(conf.toString()).toBe(before);

    // A line after the include wins over it: it is edited in place.
    conf.set('shared_buffers', '3GB');
    expect(conf.toString()).toBe("work_mem = 1MB\nport = 1\ninclude 'conf/tuning.conf'\nshared_buffers = 3GB\n");

    // inMainFile: written at the end of the main file, after every include, so it wins.
    conf.set('work_mem', '8MB', { inMainFile: true });
    expect(conf.toString().endsWith('shared_buffers = 3GB\nwork_mem = 8MB\n')).toBe(true);
    expect(conf.get('work_mem')).toBe('8MB');
  });

  it('knows about include_dir and include_if_exists too', async () => {
    const path = write('postgresql.conf', "include_dir 'conf.d'\ninclude_if_exists 'missing.conf'\n");
    write('conf.d/10-a.conf', 'port = 10\n');
    write('conf.d/20-b.conf', 'port = 20\n');
    const conf = await ConfigFile.load(path);
    expect(conf.get('port')).toBe('20');
    expect(() => conf.set('port', 1)).toThrow(expect.objectContaining({ file: join(dir, 'conf.d/20-b.conf'), line: 1 }));
  });
});

describe('readConfigFileSet', () => {
  it('reads the main file, its includes, then postgresql.auto.conf, with file and line for each setting', async () => {
    const main = write('postgresql.conf', "port = 1\ninclude 'more.conf'\nwork_mem = 1MB\n");
    write('more.conf', 'Port = 2\n');
    write('postgresql.auto.conf', "# Do not edit this file manually!\nwork_mem = '2MB'\n");
    const set = await readConfigFileSet(main);
    expect(set.files).toEqual([main, join(dir, 'more.conf'), join(dir, 'postgresql.auto.conf')]);
    expect(set.entries.map((e) => [e.seqno, e.file, e.line, e.name, e.value, e.isEffective])).toEqual([
      [1, main, 1, 'port', '1', false],
      [2, join(dir, 'more.conf'), 1, 'Port', '2', true],
      [3, main, 3, 'work_mem', '1MB', false],
      [4, join(dir, 'postgresql.auto.conf'), 2, 'work_mem', '2MB', true],
    ]);
    expect(set.errors).toEqual([]);
    expect(set.settings.get('port')).toMatchObject({ value: '2', file: join(dir, 'more.conf'), line: 1 });
    expect(set.settings.get('work_mem')).toMatchObject({ value: '2MB', file: join(dir, 'postgresql.auto.conf'), line: 2 });
  });

  it('takes postgresql.auto.conf from where it is told, or none', async () => {
    const main = write('etc/postgresql.conf', 'port = 1\n');
    write('data/postgresql.auto.conf', 'port = 2\n');
    expect((await readConfigFileSet(main)).settings.get('port')?.value).toBe('1');
    expect((await readConfigFileSet(main, { autoConfPath: join(dir, 'data/postgresql.auto.conf') })).settings.get('port')?.value).toBe('2');
    write('etc/postgresql.auto.conf', 'port = 3\n');
    expect((await readConfigFileSet(main, { autoConfPath: null })).settings.get('port')?.value).toBe('1');
  });

  it('reports errors as the server does, with codes', async () => {
    const main = write(
      'postgresql.conf',
      ["include 'missing.conf'", "include_dir 'nodir'", "include ''", "include 'self.conf'", 'x.y = 1 2', 'after = 1', ''].join('\n'),
    );
    write('self.conf', "include 'self.conf'\n");
    write('postgresql.auto.conf', 'port = 9\n');
    const set = await readConfigFileSet(main);
    expect(set.entries.map((e) => [e.code, e.error, e.file, e.line])).toEqual([
      ['CONFIG_INCLUDE_NOT_FOUND', `could not open file "${join(dir, 'missing.conf')}"`, main, 1],
      ['CONFIG_INCLUDE_DIR_NOT_FOUND', `could not open directory "${join(dir, 'nodir')}"`, main, 2],
      ['CONFIG_INCLUDE_EMPTY_NAME', 'empty configuration file name', main, 3],
      ['CONFIG_INCLUDE_RECURSION', 'configuration file recursion', join(dir, 'self.conf'), 1],
      ['CONFIG_SYNTAX_ERROR', 'syntax error', main, 5],
    ]);
    // The file is abandoned at its first syntax error, and auto.conf is not read after errors.
    expect(set.settings.size).toBe(0);
    expect(set.errors).toHaveLength(5);
  });

  it(`stops include nesting deeper than ${MAX_INCLUDE_DEPTH}, which also ends a cycle`, async () => {
    const main = write('postgresql.conf', "include 'ping.conf'\n");
    write('ping.conf', "ping = 1\ninclude 'pong.conf'\n");
    write('pong.conf', "pong = 1\ninclude 'ping.conf'\n");
    const set = await readConfigFileSet(main, { autoConfPath: null });
    expect(set.entries.filter((e) => e.name !== null)).toHaveLength(MAX_INCLUDE_DEPTH);
    expect(set.errors.map((e) => [e.code, e.error, e.file, e.line])).toEqual([
      ['CONFIG_INCLUDE_DEPTH_EXCEEDED', 'nesting depth exceeded', join(dir, MAX_INCLUDE_DEPTH % 2 === 0 ? 'pong.conf' : 'ping.conf'), 2],
    ]);
  });

  it('reads include_dir files ending in .conf, not hidden, not folders, in byte order', async () => {
    const main = write('postgresql.conf', "include_dir 'conf.d'\n");
    for (const name of ['b.conf', 'B.conf', '10.conf', '.hidden.conf', 'x.txt', '.conf', 'é.conf']) write(`conf.d/${name}`, `x.file = '${name}'\n`);
    mkdirSync(join(dir, 'conf.d/sub.conf'));
    const set = await readConfigFileSet(main, { autoConfPath: null });
    expect(set.entries.map((e) => e.value)).toEqual(['10.conf', 'B.conf', 'b.conf', 'é.conf']);
  });

  it('reports a dangling link in an include_dir and an included folder as the server does', async () => {
    const main = write('postgresql.conf', "include_dir 'conf.d'\ninclude 'folder'\n");
    write('conf.d/a.conf', 'a.x = 1\n');
    symlinkSync('nowhere.conf', join(dir, 'conf.d/b.conf'));
    mkdirSync(join(dir, 'folder'));
    const set = await readConfigFileSet(main, { autoConfPath: null });
    expect(set.entries.map((e) => [e.code, e.error, e.file, e.line])).toEqual([
      ['CONFIG_INCLUDE_STAT_FAILED', `could not stat file "${join(dir, 'conf.d/b.conf')}"`, main, 1],
      ['CONFIG_INCLUDE_READ_FAILED', 'input in flex scanner failed', join(dir, 'folder'), 1],
    ]);
  });

  it('gives an error entry, not an exception, when the main file is missing', async () => {
    const set = await readConfigFileSet(join(dir, 'nope.conf'));
    expect(set.errors).toEqual([expect.objectContaining({ code: 'CONFIG_INCLUDE_NOT_FOUND', file: null, line: 0 })]);
  });
});
