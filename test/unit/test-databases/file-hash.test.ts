import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashFiles } from '../../../src/test-databases/file-hash.js';
import { templateNameOf } from '../../../src/test-databases/migrated-template.js';
import { defaultCacheDirectory } from '../../../src/test-databases/cache-directory.js';

let project = '';
beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'pgct-hash-'));
  mkdirSync(join(project, 'migrations'));
  mkdirSync(join(project, 'seeds', 'deep'), { recursive: true });
  writeFileSync(join(project, 'migrations', '001.sql'), 'CREATE TABLE a (id int);\n');
  writeFileSync(join(project, 'migrations', '002.sql'), 'CREATE TABLE b (id int);\n');
  writeFileSync(join(project, 'seeds', 'deep', 'rows.csv'), '1,2\n');
});
afterAll(() => {
  if (project !== '') rmSync(project, { recursive: true, force: true });
});

describe('hashFiles', () => {
  it('covers every file a glob names, at any depth, and is the same for the same contents', async () => {
    const first = await hashFiles(['migrations/**', 'seeds/**'], project);
    expect(first.files.map((file) => file.slice(project.length + 1))).toEqual(['migrations/001.sql', 'migrations/002.sql', 'seeds/deep/rows.csv']);
    expect((await hashFiles(['seeds/**', 'migrations/**'], project)).hash).toBe(first.hash);
  });

  it('changes with a file\'s contents, its name, or a new file', async () => {
    const before = (await hashFiles(['migrations/**'], project)).hash;
    writeFileSync(join(project, 'migrations', '002.sql'), 'CREATE TABLE b (id bigint);\n');
    const changed = (await hashFiles(['migrations/**'], project)).hash;
    expect(changed).not.toBe(before);
    renameSync(join(project, 'migrations', '002.sql'), join(project, 'migrations', '003.sql'));
    const renamed = (await hashFiles(['migrations/**'], project)).hash;
    expect(renamed).not.toBe(changed);
    writeFileSync(join(project, 'migrations', '004.sql'), '');
    expect((await hashFiles(['migrations/**'], project)).hash).not.toBe(renamed);
  });

  it('refuses an entry that names no file (NO_FILES), so a typo never keys the template on nothing', async () => {
    await expect(hashFiles(['migratoins/**'], project)).rejects.toMatchObject({ name: 'TestDatabasesError', code: 'NO_FILES' });
  });
});

describe('names and places', () => {
  it('names a template after its key, within PostgreSQL\'s 63 bytes', () => {
    expect(templateNameOf('ab'.repeat(32))).toBe(`pgc_tpl_${'ab'.repeat(10)}`);
  });

  it('puts the cache under PG_CLUSTER_CACHE, else XDG_CACHE_HOME, else ~/.cache', () => {
    const saved = { cache: process.env['PG_CLUSTER_CACHE'], xdg: process.env['XDG_CACHE_HOME'] };
    try {
      process.env['PG_CLUSTER_CACHE'] = '/somewhere';
      expect(defaultCacheDirectory()).toBe('/somewhere');
      delete process.env['PG_CLUSTER_CACHE'];
      process.env['XDG_CACHE_HOME'] = '/xdg';
      expect(defaultCacheDirectory()).toBe('/xdg/pg-cluster');
      delete process.env['XDG_CACHE_HOME'];
      expect(defaultCacheDirectory()).toMatch(/\/\.cache\/pg-cluster$/);
    } finally {
      for (const [name, value] of [['PG_CLUSTER_CACHE', saved.cache], ['XDG_CACHE_HOME', saved.xdg]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});
