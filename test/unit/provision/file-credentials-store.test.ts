// The credentials file as an attacker and a careless user meet it (issue 11, credentials store):
// a file of ours left readable by others is tightened to 0600, a file or folder someone else
// could have planted is refused on read (its passwords would become a user's password), and
// writers at the same time lose no entry.
import { chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileCredentialsStore } from '../../../src/provision/index.js';

const folders: string[] = [];
afterEach(() => {
  for (const made of folders.splice(0)) rmSync(made, { recursive: true, force: true });
});

function folder(): string {
  const made = mkdtempSync(join(tmpdir(), 'pgct-creds-'));
  folders.push(made);
  return made;
}

const isRoot = process.getuid?.() === 0;
/** An OS user other than this process's, for files "another user planted" (root can make them). */
function otherUid(): number {
  return userInfo({ encoding: 'utf8' }).uid === 0 ? 65534 : -1; // nobody
}

describe('FileCredentialsStore: the file and its folder', () => {
  it('a credentials file of ours that others can read is made 0600 (on read and on write)', async () => {
    const dir = join(folder(), 'pg-cluster');
    mkdirSync(dir, { mode: 0o700 });
    const path = join(dir, 'credentials.json');
    writeFileSync(path, JSON.stringify({ '1/app': 'pw' }), { mode: 0o644 });
    chmodSync(path, 0o644);
    const store = new FileCredentialsStore(path);
    await store.set('2/app', 'other');
    expect(lstatSync(path).mode & 0o777).toBe(0o600);
    chmodSync(path, 0o640);
    expect(await store.get('1/app')).toBe('pw');
    expect(lstatSync(path).mode & 0o777).toBe(0o600);
  });

  it('a folder others can write to is refused on read: UNSAFE_DIRECTORY, the planted password not used', async () => {
    const dir = join(folder(), 'pg-cluster');
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    const path = join(dir, 'credentials.json');
    writeFileSync(path, JSON.stringify({ '1/app': 'planted' }), { mode: 0o600 });
    await expect(new FileCredentialsStore(path).get('1/app')).rejects.toMatchObject({ code: 'UNSAFE_DIRECTORY' });
  });

  it.skipIf(!isRoot)('a file or folder owned by another OS user is refused on read and write (as root: files chowned to nobody)', async () => {
    const dir = join(folder(), 'pg-cluster');
    mkdirSync(dir, { mode: 0o700 });
    const path = join(dir, 'credentials.json');
    writeFileSync(path, JSON.stringify({ '1/app': 'planted' }), { mode: 0o600 });
    chownSync(path, otherUid(), otherUid());
    const store = new FileCredentialsStore(path);
    await expect(store.get('1/app')).rejects.toMatchObject({ code: 'UNSAFE_FILE' });
    await expect(store.set('1/app', 'mine')).rejects.toMatchObject({ code: 'UNSAFE_FILE' });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ '1/app': 'planted' });
    chownSync(path, 0, 0);
    chownSync(dir, otherUid(), otherUid());
    await expect(store.get('1/app')).rejects.toMatchObject({ code: 'UNSAFE_DIRECTORY' });
  });

  it('writers at the same time (two stores on one file, 40 keys at once) lose no entry, and leave no lock behind', async () => {
    const path = join(folder(), 'pg-cluster', 'credentials.json');
    const stores = [new FileCredentialsStore(path), new FileCredentialsStore(path)];
    const keys = Array.from({ length: 40 }, (_, i) => `${i % 3}/user${i}`);
    await Promise.all(keys.map((key, i) => stores[i % 2]!.set(key, `pw-${key}`)));
    const entries = JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
    expect(Object.keys(entries).sort()).toEqual([...keys].sort());
    for (const key of keys) expect(await stores[0]!.get(key)).toBe(`pw-${key}`);
    expect(() => lstatSync(`${path}.lock`)).toThrow(/ENOENT/);
  });

  it('a lock left by a process that is gone does not block a writer', async () => {
    const path = join(folder(), 'pg-cluster', 'credentials.json');
    const store = new FileCredentialsStore(path);
    await store.set('1/a', 'x');
    writeFileSync(`${path}.lock`, '999999999\n', { mode: 0o600 }); // no such pid
    await store.set('1/b', 'y');
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ '1/a': 'x', '1/b': 'y' });
  });
});
