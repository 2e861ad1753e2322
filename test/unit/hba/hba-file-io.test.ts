import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.js';
import { AuthFileChangedError, AuthFileEncodingError, HbaFile, IdentFile } from '../../../src/hba/index.js';

describe('HbaFile.load / save and IdentFile.load / save', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync('/tmp/pgct-hba-io-');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('saves edits atomically and keeps the mode', async () => {
    const path = join(dir, 'pg_hba.conf');
    writeFileSync(path, 'local all all peer\n');
    chmodSync(path, 0o640);
    const hba = await HbaFile.load(path);
    expect(hba.path).toBe(path);
    hba.append({ type: 'host', database: 'all', user: 'all', address: '127.0.0.1/32', method: 'md5' });
    await hba.save();
    expect(readFileSync(path, 'utf8')).toBe('local all all peer\nhost all all 127.0.0.1/32 md5\n');
    expect(statSync(path).mode & 0o777).toBe(0o640);
    // A second save after our own save is fine: the snapshot follows what we wrote.
    hba.pop(0);
    await hba.save();
    expect(readFileSync(path, 'utf8')).toBe('host all all 127.0.0.1/32 md5\n');
  });

  it('refuses to overwrite a file someone else changed since it was read', async () => {
    const path = join(dir, 'pg_hba.conf');
    writeFileSync(path, 'local all all peer\n');
    const hba = await HbaFile.load(path);
    hba.append({ type: 'local', database: 'all', user: 'all', method: 'trust' });
    writeFileSync(path, 'local all all md5\n');
    await expect(hba.save()).rejects.toMatchObject({ code: 'AUTH_FILE_CHANGED', path });
    await expect(hba.save()).rejects.toBeInstanceOf(AuthFileChangedError);
    expect(readFileSync(path, 'utf8')).toBe('local all all md5\n');
    // Saving elsewhere is a new file, not an overwrite of what was read.
    await hba.save(join(dir, 'copy.conf'));
    expect(readFileSync(join(dir, 'copy.conf'), 'utf8')).toBe('local all all peer\nlocal all all trust\n');
  });

  it('counts a vanished file as changed, and needs a path for parsed text', async () => {
    const path = join(dir, 'pg_ident.conf');
    writeFileSync(path, 'map sys pg\n');
    const ident = await IdentFile.load(path);
    rmSync(path);
    await expect(ident.save()).rejects.toBeInstanceOf(AuthFileChangedError);
    await expect(HbaFile.parse('').save()).rejects.toBeInstanceOf(InvalidArgumentError);
    const created = IdentFile.parse('', { path });
    created.append({ map: 'm', systemUser: 's', pgUser: 'p' });
    await created.save();
    expect(readFileSync(path, 'utf8')).toBe('m               s                       p\n');
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });
});

describe('a pg_hba.conf that is not UTF-8', () => {
  it('keeps its bytes through load, edit and save', async () => {
    const dir = mkdtempSync('/tmp/pgct-hba-latin1-');
    try {
      const path = join(dir, 'pg_hba.conf');
      const bytes = Buffer.concat([Buffer.from('# caf'), Buffer.from([0xe9]), Buffer.from('\nlocal all all peer\n')]);
      writeFileSync(path, bytes);
      const hba = await HbaFile.load(path);
      hba.append({ type: 'local', database: 'db', user: 'u', method: 'trust' });
      await hba.save();
      expect(readFileSync(path)).toEqual(Buffer.concat([bytes, Buffer.from('local db u trust\n')]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('save() of a file that was never read, as ConfigFile.save', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync('/tmp/pgct-hba-io-');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['HbaFile', (path: string) => HbaFile.parse('local all all trust\n', { path })],
    ['IdentFile', (path: string) => IdentFile.parse('m s p\n', { path })],
  ] as const)('%s.parse(text, { path }) refuses to replace an existing file unless forced', async (_name, parse) => {
    const path = join(dir, 'auth.conf');
    writeFileSync(path, '# someone else wrote this\n');
    chmodSync(path, 0o640);
    const file = parse(path);
    const error = await file.save().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthFileChangedError);
    expect(error).toMatchObject({ code: 'AUTH_FILE_CHANGED', path });
    expect(readFileSync(path, 'utf8')).toBe('# someone else wrote this\n');
    await file.save({ force: true });
    expect(readFileSync(path, 'utf8')).toBe(file.toString());
    expect(statSync(path).mode & 0o777).toBe(0o640);
    // What we wrote is what we know now: saving again is fine, someone else's edit is refused.
    await file.save();
    writeFileSync(path, '# changed again\n');
    await expect(file.save()).rejects.toBeInstanceOf(AuthFileChangedError);
    expect(readFileSync(path, 'utf8')).toBe('# changed again\n');
  });

  it('creates a file that does not exist yet, with mode 0600 or the one given', async () => {
    const path = join(dir, 'pg_hba.conf');
    await HbaFile.parse('local all all peer\n', { path }).save();
    expect(readFileSync(path, 'utf8')).toBe('local all all peer\n');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const other = join(dir, 'pg_ident.conf');
    await IdentFile.parse('m s p\n', { path: other }).save({ mode: 0o644 });
    expect(statSync(other).mode & 0o777).toBe(0o644);
  });

  it('checks a copy saved elsewhere the same way, and keeps checking the file it was read from', async () => {
    const path = join(dir, 'pg_hba.conf');
    const copy = join(dir, 'copy.conf');
    writeFileSync(path, 'local all all peer\n');
    writeFileSync(copy, '# an older copy\n');
    const hba = await HbaFile.load(path);
    await expect(hba.save(copy)).rejects.toMatchObject({ code: 'AUTH_FILE_CHANGED', path: copy });
    expect(readFileSync(copy, 'utf8')).toBe('# an older copy\n');
    await hba.save(copy, { force: true });
    hba.append({ type: 'local', database: 'db', user: 'all', method: 'trust' });
    await hba.save(copy);
    expect(readFileSync(copy, 'utf8')).toBe('local all all peer\nlocal db all trust\n');
    writeFileSync(path, 'local all all md5\n');
    await expect(hba.save()).rejects.toMatchObject({ code: 'AUTH_FILE_CHANGED', path });
    await hba.save({ force: true });
    expect(readFileSync(path, 'utf8')).toBe('local all all peer\nlocal db all trust\n');
  });

  it('writes a loaded file that has vanished only when forced', async () => {
    const path = join(dir, 'pg_ident.conf');
    writeFileSync(path, 'map sys pg\n');
    const ident = await IdentFile.load(path);
    rmSync(path);
    await expect(ident.save()).rejects.toBeInstanceOf(AuthFileChangedError);
    await ident.save({ force: true });
    expect(readFileSync(path, 'utf8')).toBe('map sys pg\n');
  });

  it('validates its options', async () => {
    const path = join(dir, 'pg_hba.conf');
    const hba = HbaFile.parse('', { path });
    await expect(hba.save({ force: 'yes' as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'force' });
    await expect(hba.save({ mode: 0o10000 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'mode' });
    await expect(hba.save(path, { uid: -1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'uid' });
    expect(() => statSync(path)).toThrow();
  });
});

describe('characters a Latin-1 file cannot hold', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync('/tmp/pgct-hba-latin1-');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const latin1 = Buffer.from('# r\xe9glages\nlocal all all peer # caf\xe9\n', 'latin1');

  it('are refused by every HbaFile edit with AuthFileEncodingError, changing nothing', async () => {
    const path = join(dir, 'pg_hba.conf');
    writeFileSync(path, latin1);
    const hba = await HbaFile.load(path);
    expect(hba.encoding).toBe('latin1');
    const edits: Array<() => unknown> = [
      () => hba.append({ type: 'local', database: 'caf\u20ac', user: 'all', method: 'trust' }),
      () => hba.insert(0, { type: 'local', database: 'all', user: 'all', method: 'trust', comments: ['# \u0102'] }),
      () => hba.set(0, { type: 'local', database: 'all', user: 'h\u{1F600}', method: 'peer' }),
      () => hba.insertAfter({ type: 'local' }, { type: 'local', database: 'db', user: 'all', method: 'trust', raw: 'local db all trust # \u20ac' }),
    ];
    for (const edit of edits) {
      const error = (() => {
        try {
          edit();
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(AuthFileEncodingError);
      expect(error).toMatchObject({ code: 'AUTH_NOT_ENCODABLE', encoding: 'latin1', path });
      expect(hba.toString()).toBe(latin1.toString('latin1'));
    }
    expect((() => {
      try {
        edits[0]!();
      } catch (e) {
        return (e as AuthFileEncodingError).character;
      }
    })()).toBe('\u20ac');
    // Characters up to U+00FF are one byte each, as the server reads them back.
    hba.append({ type: 'local', database: '\xe9t\xe9', user: 'all', method: 'trust' });
    await hba.save();
    expect(readFileSync(path)).toEqual(Buffer.concat([latin1, Buffer.from('local \xe9t\xe9 all trust\n', 'latin1')]));
  });

  it('are refused by IdentFile edits too', async () => {
    const path = join(dir, 'pg_ident.conf');
    writeFileSync(path, Buffer.from('# \xe9\nm s p\n', 'latin1'));
    const ident = await IdentFile.load(path);
    expect(() => ident.append({ map: 'm', systemUser: '\u20ac', pgUser: 'p' })).toThrow(AuthFileEncodingError);
    expect(() => ident.set(0, { map: 'm\u0100', systemUser: 's', pgUser: 'p' })).toThrow(AuthFileEncodingError);
    expect(ident.toString()).toBe('# \xe9\nm s p\n');
  });

  it('are accepted in a UTF-8 file, where only a lone surrogate is refused', async () => {
    const path = join(dir, 'pg_hba.conf');
    writeFileSync(path, '# r\u00e9glages\n');
    const hba = await HbaFile.load(path);
    expect(hba.encoding).toBe('utf8');
    hba.append({ type: 'local', database: 'caf\u20ac', user: 'all', method: 'trust' });
    expect(() => hba.append({ type: 'local', database: 'x\ud800', user: 'all', method: 'trust' })).toThrow(AuthFileEncodingError);
    await hba.save();
    expect(readFileSync(path, 'utf8')).toBe('# r\u00e9glages\nlocal   caf\u20ac            all                                     trust\n');
    // Text parsed with a lone surrogate is refused by save, which writes nothing.
    const parsed = join(dir, 'parsed.conf');
    const error = await HbaFile.parse('# \ud800\n', { path: parsed }).save().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'AUTH_NOT_ENCODABLE', encoding: 'utf8', character: '\ud800', path: parsed });
    expect(() => statSync(parsed)).toThrow();
  });
});
