import { statSync, writeFileSync, readFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigFileChangedError } from '../../../src/config/index.js';
import { isRoot, quickInit, workspace, type Workspace } from './fixtures.js';

let w: Workspace;
beforeAll(async () => {
  w = workspace();
  await w.cluster.init(quickInit);
});
afterAll(async () => w.cleanup());

describe('cluster.settings', () => {
  it('reads and writes postgresql.conf as strings, touching only the lines concerned', async () => {
    const before = readFileSync(w.cluster.settings.path, 'utf8');
    expect(await w.cluster.settings.get('max_connections')).toBe('100');
    await w.cluster.settings.set('work_mem', '8MB');
    expect(await w.cluster.settings.get('work_mem')).toBe('8MB');
    await w.cluster.settings.update({ shared_buffers: '32MB', work_mem: null });
    expect(await w.cluster.settings.getset(['shared_buffers', 'work_mem', 'max_connections'])).toEqual({ shared_buffers: '32MB', max_connections: '100' });
    await w.cluster.settings.delete('shared_buffers');
    expect(await w.cluster.settings.has('shared_buffers')).toBe(false);
    // delete comments the line out (py-postgresql's `del settings[name]`): the value stays visible.
    expect(readFileSync(w.cluster.settings.path, 'utf8')).toMatch(/^#\s*shared_buffers = '?32MB'?/m);
    expect(readFileSync(w.cluster.settings.path, 'utf8')).not.toMatch(/^shared_buffers/m);
    expect(await w.cluster.settings.keys()).toContain('max_connections');
    const after = readFileSync(w.cluster.settings.path, 'utf8');
    const changed = after.split('\n').filter((line, i) => line !== before.split('\n')[i]);
    expect(changed.length).toBeLessThanOrEqual(3);
  });

  it('keeps the file owner (the server user) and mode on writes', async () => {
    const path = w.cluster.settings.path;
    const before = statSync(path);
    await w.cluster.settings.set('log_min_messages', 'notice');
    const after = statSync(path);
    expect({ uid: after.uid, gid: after.gid, mode: after.mode & 0o777 }).toEqual({ uid: before.uid, gid: before.gid, mode: before.mode & 0o777 });
    if (isRoot) expect(after.uid).not.toBe(0);
  });

  it('effective() merges postgresql.auto.conf, as the server does', async () => {
    appendFileSync(join(w.dataDirectory, 'postgresql.auto.conf'), "work_mem = '3MB'\n");
    const effective = await w.cluster.settings.effective();
    expect(effective.settings.get('work_mem')).toMatchObject({ value: '3MB', file: join(w.dataDirectory, 'postgresql.auto.conf') });
    expect(await w.cluster.settings.get('work_mem')).toBeUndefined(); // postgresql.conf alone does not set it
  });

  it('hbaFile() follows the hba_file setting; hba() edits the file, keeping owner and mode; reload applies it', async () => {
    expect(await w.cluster.hbaFile()).toBe(join(w.dataDirectory, 'pg_hba.conf'));
    const hba = await w.cluster.hba();
    hba.insertBefore({ type: 'local' }, { type: 'local', database: ['postgres'], user: ['nobody_here'], method: 'reject' });
    const before = statSync(await w.cluster.hbaFile());
    await hba.save();
    const after = statSync(await w.cluster.hbaFile());
    expect({ uid: after.uid, mode: after.mode & 0o777 }).toEqual({ uid: before.uid, mode: before.mode & 0o777 });

    await w.cluster.start({ settings: w.settings });
    try {
      const reload = await w.cluster.reload();
      expect(reload).toMatchObject({ checked: true, errors: [] });
      const client = new pg.Client(await w.cluster.connectionOptions());
      await client.connect();
      const { rows } = await client.query<{ user_name: string[] }>("select user_name from pg_hba_file_rules where auth_method = 'reject' and type = 'local'");
      await client.end();
      expect(rows).toEqual([{ user_name: ['nobody_here'] }]);
    } finally {
      await w.cluster.stop({ mode: 'fast' });
    }

    await w.cluster.settings.set('hba_file', 'custom_hba.conf');
    expect(await w.cluster.hbaFile()).toBe(join(w.dataDirectory, 'custom_hba.conf'));
    await w.cluster.settings.delete('hba_file');
  });

  it('hba() and ident() read with the grammar of the cluster\'s major (no include lines before 16)', async () => {
    const major = w.cluster.installation.versionInfo.major;
    const hbaPath = await w.cluster.hbaFile();
    const hbaText = readFileSync(hbaPath, 'utf8');
    const identPath = await w.cluster.identFile();
    expect(identPath).toBe(join(w.dataDirectory, 'pg_ident.conf'));
    const identText = readFileSync(identPath, 'utf8');
    try {
      writeFileSync(hbaPath, `${hbaText}include extra_hba.conf\n`);
      writeFileSync(identPath, `${identText}include extra_ident.conf\n`);
      const hba = await w.cluster.hba();
      const ident = await w.cluster.ident();
      expect({ hba: hba.major, ident: ident.major }).toEqual({ hba: major, ident: major });
      // PostgreSQL 15 reads `include` as an unknown connection type: a diagnostic, as the server reports.
      const hbaCodes = hba.diagnostics.map((d) => d.line);
      const identLines = ident.diagnostics.map((d) => d.line);
      const lastHba = hbaText.split('\n').length;
      const lastIdent = identText.split('\n').length;
      if (major < 16) {
        expect(hbaCodes).toContain(lastHba);
        expect(identLines).toContain(lastIdent);
      } else {
        expect(hbaCodes).not.toContain(lastHba);
        expect(identLines).not.toContain(lastIdent);
      }
    } finally {
      writeFileSync(hbaPath, hbaText);
      writeFileSync(identPath, identText);
    }
  });

  it('refuses to overwrite an edit someone made meanwhile', async () => {
    const file = await w.cluster.settings.load();
    file.set('work_mem', '5MB');
    writeFileSync(w.cluster.settings.path, `${readFileSync(w.cluster.settings.path, 'utf8')}# someone else\n`);
    await expect(file.save()).rejects.toBeInstanceOf(ConfigFileChangedError);
  });
});
