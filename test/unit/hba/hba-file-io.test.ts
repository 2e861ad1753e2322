import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.js';
import { AuthFileChangedError, HbaFile, IdentFile } from '../../../src/hba/index.js';

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
