// Links are refused unless followSymlinks, by every reader and writer of configuration files and
// by the server log's opener; as any user (no server, no other user: real files and links).
import { closeSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigFile, HbaFile, openServerLog, readConfigFileSet, readHbaFileSet, SymlinkedFileError, UnsafeLogFileError } from '../../../src/index.js';
import { writeFileAtomic } from '../../../src/fs/atomic-write.js';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function folder(): string {
  const made = mkdtempSync(join(tmpdir(), 'pgct-links-'));
  folders.push(made);
  return made;
}

describe('configuration files behind a symbolic link', () => {
  it('ConfigFile.load refuses the link (FILE_IS_SYMLINK) and nothing of the target comes back', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'secret'), "my.secret = 'hunter2'\n");
    symlinkSync(join(dir, 'secret'), join(dir, 'postgresql.conf'));
    const error = await ConfigFile.load(join(dir, 'postgresql.conf')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SymlinkedFileError);
    expect(error).toMatchObject({ code: 'FILE_IS_SYMLINK', path: join(dir, 'postgresql.conf') });
    expect(String((error as Error).message)).not.toContain('hunter2');
    await expect(readConfigFileSet(join(dir, 'postgresql.conf'))).rejects.toMatchObject({ code: 'FILE_IS_SYMLINK' });
  });

  it('with followSymlinks, load reads the target and save writes it, keeping the link', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'real.conf'), 'work_mem = 4MB\n', { mode: 0o640 });
    symlinkSync('real.conf', join(dir, 'postgresql.conf'));
    const conf = await ConfigFile.load(join(dir, 'postgresql.conf'), { followSymlinks: true });
    expect(conf.get('work_mem')).toBe('4MB');
    await conf.set('work_mem', '8MB').save();
    expect(lstatSync(join(dir, 'postgresql.conf')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'real.conf'), 'utf8')).toBe('work_mem = 8MB\n');
    expect(lstatSync(join(dir, 'real.conf')).mode & 0o777).toBe(0o640);
  });

  it('a file loaded as a regular file and then swapped for a link is not written through it', async () => {
    const dir = folder();
    const path = join(dir, 'postgresql.conf');
    writeFileSync(path, 'work_mem = 4MB\n');
    writeFileSync(join(dir, 'other'), 'work_mem = 4MB\n');
    const conf = await ConfigFile.load(path);
    rmSync(path);
    symlinkSync(join(dir, 'other'), path);
    await expect(conf.set('work_mem', '8MB').save()).rejects.toMatchObject({ code: 'FILE_IS_SYMLINK' });
    expect(lstatSync(path).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'other'), 'utf8')).toBe('work_mem = 4MB\n');
  });

  it('an included file or include_dir that is a link: CONFIG_INCLUDE_IS_SYMLINK, its settings unread', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'secret'), "my.secret = 'hunter2'\n");
    symlinkSync(join(dir, 'secret'), join(dir, 'extra.conf'));
    mkdirSync(join(dir, 'real.d'));
    writeFileSync(join(dir, 'real.d', 'a.conf'), "my.other = 'x'\n");
    symlinkSync(join(dir, 'real.d'), join(dir, 'conf.d'));
    writeFileSync(join(dir, 'postgresql.conf'), "include_if_exists = 'extra.conf'\ninclude_dir = 'conf.d'\n");
    const set = await readConfigFileSet(join(dir, 'postgresql.conf'), { autoConfPath: null });
    expect(set.errors.map((e) => e.code)).toEqual(['CONFIG_INCLUDE_IS_SYMLINK', 'CONFIG_INCLUDE_IS_SYMLINK']);
    expect(set.settings.has('my.secret')).toBe(false);
    const conf = await ConfigFile.load(join(dir, 'postgresql.conf'));
    expect(conf.get('my.secret')).toBeUndefined();
    const followed = await readConfigFileSet(join(dir, 'postgresql.conf'), { autoConfPath: null, followSymlinks: true });
    expect(followed.settings.get('my.secret')?.value).toBe('hunter2');
    expect(followed.settings.get('my.other')?.value).toBe('x');
  });

  it('HbaFile.load refuses a link; an @file that is one is an AUTH_FILE_IS_SYMLINK diagnostic', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'secret'), 'hunter2\n');
    symlinkSync(join(dir, 'secret'), join(dir, 'pg_hba.conf'));
    await expect(HbaFile.load(join(dir, 'pg_hba.conf'))).rejects.toBeInstanceOf(SymlinkedFileError);
    rmSync(join(dir, 'pg_hba.conf'));
    symlinkSync(join(dir, 'secret'), join(dir, 'users'));
    writeFileSync(join(dir, 'pg_hba.conf'), 'local all @users trust\n');
    const set = await readHbaFileSet(join(dir, 'pg_hba.conf'));
    expect(set.diagnostics).toEqual([expect.objectContaining({ code: 'AUTH_FILE_IS_SYMLINK' })]);
    expect(JSON.stringify(set)).not.toContain('hunter2');
  });

  it('writeFileAtomic refuses a link instead of replacing it with a copy', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'target'), 'old\n', { mode: 0o600 });
    symlinkSync(join(dir, 'target'), join(dir, 'link'));
    await expect(writeFileAtomic(join(dir, 'link'), 'new\n')).rejects.toMatchObject({ code: 'FILE_IS_SYMLINK' });
    expect(lstatSync(join(dir, 'link')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'target'), 'utf8')).toBe('old\n');
  });
});

describe('openServerLog', () => {
  it('creates a missing log (mode 0600) and appends to an existing regular one', () => {
    const dir = folder();
    const path = join(dir, 'server.log');
    const created = openServerLog(path, null);
    closeSync(created.fd);
    expect(lstatSync(path).mode & 0o777).toBe(0o600);
    writeFileSync(path, 'earlier\n');
    const again = openServerLog(path, null);
    closeSync(again.fd);
    expect(again.offset).toBe(8);
  });

  it('refuses a link (to an existing file or to nothing) and creates nothing at its target', () => {
    const dir = folder();
    writeFileSync(join(dir, 'precious'), 'keep\n');
    symlinkSync(join(dir, 'precious'), join(dir, 'a.log'));
    expect(() => openServerLog(join(dir, 'a.log'), null)).toThrow(UnsafeLogFileError);
    symlinkSync(join(dir, 'nowhere'), join(dir, 'b.log'));
    expect(() => openServerLog(join(dir, 'b.log'), null)).toThrow('symbolic link');
    expect(readFileSync(join(dir, 'precious'), 'utf8')).toBe('keep\n');
    expect(() => lstatSync(join(dir, 'nowhere'))).toThrow();
  });
});
