// cluster.settings edits and what else the server reads: a setting that postgresql.auto.conf
// (ALTER SYSTEM) also sets cannot be changed through postgresql.conf, so such an edit is refused
// unless the caller says to go on; a setting from an included file takes `inMainFile`; `delete`
// and `update` take the editor's `remove`; a postgresql.conf that is not UTF-8 keeps its bytes.
// The server says what takes effect.
import { appendFileSync, chownSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { SettingInAutoConfError, SettingInIncludedFileError } from '../../../src/config/index.js';
import { quickInit, rejection, useWorkspaces, type Workspace } from './fixtures.js';

const workspace = useWorkspaces();

async function query<T extends Record<string, unknown>>(w: Workspace, sql: string): Promise<T[]> {
  const client = new pg.Client(await w.cluster.connectionOptions());
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

async function show(w: Workspace, name: string): Promise<string> {
  const [row] = await query<{ value: string }>(w, `select current_setting('${name}') as value`);
  return row!.value;
}

describe('cluster.settings and postgresql.auto.conf (ALTER SYSTEM)', () => {
  it('refuses an edit that ALTER SYSTEM overrides, says where, and writes nothing; ignoreAutoConf goes on', async () => {
    const w = workspace();
    await w.cluster.init(quickInit);
    await w.cluster.start({ settings: w.settings });
    await query(w, "alter system set work_mem = '64MB'");
    const [auto] = await query<{ sourcefile: string; sourceline: number; setting: string; applied: boolean }>(
      w,
      "select sourcefile, sourceline, setting, applied from pg_file_settings where name = 'work_mem'",
    );
    expect(auto).toMatchObject({ sourcefile: w.cluster.settings.autoConfPath, setting: '64MB', applied: true });

    const path = w.cluster.settings.path;
    const before = readFileSync(path);
    const refused = await rejection(w.cluster.settings.set('work_mem', '8MB'));
    expect(refused).toBeInstanceOf(SettingInAutoConfError);
    expect(refused).toMatchObject({ code: 'CONFIG_SET_IN_AUTO_CONF', settingName: 'work_mem', file: auto!.sourcefile, line: auto!.sourceline, value: '64MB' });
    expect(refused.message).toContain('ALTER SYSTEM RESET work_mem');
    // Names compare as the server compares them; update and delete are refused the same way.
    await expect(w.cluster.settings.set('WORK_MEM', '8MB')).rejects.toMatchObject({ code: 'CONFIG_SET_IN_AUTO_CONF', settingName: 'WORK_MEM' });
    await expect(w.cluster.settings.update({ maintenance_work_mem: '32MB', work_mem: '8MB' })).rejects.toBeInstanceOf(SettingInAutoConfError);
    await expect(w.cluster.settings.update({ work_mem: null })).rejects.toBeInstanceOf(SettingInAutoConfError);
    await expect(w.cluster.settings.delete('work_mem')).rejects.toBeInstanceOf(SettingInAutoConfError);
    expect(readFileSync(path)).toEqual(before);
    // A setting ALTER SYSTEM does not set is edited as before.
    await w.cluster.settings.set('maintenance_work_mem', '32MB');

    // Told to go on, it writes postgresql.conf; the server reads it and goes on using ALTER SYSTEM's value.
    await w.cluster.settings.set('work_mem', '8MB', { ignoreAutoConf: true });
    expect(await w.cluster.settings.get('work_mem')).toBe('8MB');
    expect(await w.cluster.reload()).toMatchObject({ checked: true, errors: [] });
    expect(await show(w, 'work_mem')).toBe('64MB');
    expect(await show(w, 'maintenance_work_mem')).toBe('32MB');
    const rows = await query<{ sourcefile: string; setting: string; applied: boolean }>(
      w,
      "select sourcefile, setting, applied from pg_file_settings where name = 'work_mem' order by seqno",
    );
    expect(rows).toEqual([
      { sourcefile: path, setting: '8MB', applied: false },
      { sourcefile: w.cluster.settings.autoConfPath, setting: '64MB', applied: true },
    ]);
    expect((await w.cluster.settings.effective()).settings.get('work_mem')).toMatchObject({ value: '64MB', file: w.cluster.settings.autoConfPath });

    // Once ALTER SYSTEM lets go of it, the edit needs no option, and takes effect.
    await query(w, 'alter system reset work_mem');
    await w.cluster.settings.set('work_mem', '12MB');
    expect(await w.cluster.reload()).toMatchObject({ checked: true, errors: [] });
    expect(await show(w, 'work_mem')).toBe('12MB');
  });

  it('checks the options it takes', async () => {
    const w = workspace();
    await w.cluster.init(quickInit);
    await expect(w.cluster.settings.set('work_mem', '8MB', null as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'options' });
    await expect(w.cluster.settings.update({ work_mem: '8MB' }, { ignoreAutoConf: 'yes' as never })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      argument: 'ignoreAutoConf',
    });
    await expect(w.cluster.settings.delete('work_mem', 1 as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'options' });
  });
});

describe('cluster.settings passes the editor’s options through', () => {
  it('inMainFile overrides an included file; remove deletes lines; the server reads what was written', async () => {
    const w = workspace();
    await w.cluster.init(quickInit);
    const path = w.cluster.settings.path;
    const tuning = join(w.dataDirectory, 'tuning.conf');
    writeFileSync(tuning, 'work_mem = 6MB\n');
    const { uid, gid } = statSync(path);
    chownSync(tuning, uid, gid);
    appendFileSync(path, "include 'tuning.conf'\nlock_timeout = 1000\nstatement_timeout = 2000\n");

    await expect(w.cluster.settings.set('work_mem', '9MB')).rejects.toBeInstanceOf(SettingInIncludedFileError);
    await expect(w.cluster.settings.update({ work_mem: '9MB' })).rejects.toBeInstanceOf(SettingInIncludedFileError);
    await expect(w.cluster.settings.delete('work_mem')).rejects.toMatchObject({ code: 'CONFIG_SET_IN_INCLUDED_FILE', file: tuning, line: 1 });
    await w.cluster.settings.set('work_mem', '9MB', { inMainFile: true });
    expect(await w.cluster.settings.get('work_mem')).toBe('9MB');

    await w.cluster.settings.delete('lock_timeout', { remove: true });
    await w.cluster.settings.update({ statement_timeout: null, idle_in_transaction_session_timeout: '1min' }, { remove: true });
    const text = readFileSync(path, 'utf8');
    expect(text).not.toMatch(/lock_timeout = 1000|statement_timeout = 2000/);
    expect(text.endsWith("include 'tuning.conf'\nwork_mem = 9MB\n")).toBe(true);
    expect(text).toMatch(/^idle_in_transaction_session_timeout = 1min/m);

    await w.cluster.start({ settings: w.settings });
    expect([await show(w, 'work_mem'), await show(w, 'lock_timeout'), await show(w, 'statement_timeout')]).toEqual(['9MB', '0', '0']);
    expect(await show(w, 'idle_in_transaction_session_timeout')).toBe('1min');
  });
});

describe('cluster.settings on a postgresql.conf that is not UTF-8', () => {
  it('reads and edits it, keeping the bytes of every other line; the server reads the edit', async () => {
    const w = workspace();
    await w.cluster.init(quickInit);
    const path = w.cluster.settings.path;
    // One Latin-1 comment (é as the byte 0xE9) is enough to make the file invalid UTF-8.
    appendFileSync(path, Buffer.from('# r\xe9glages locaux\nwork_mem = 4MB\n', 'latin1'));
    const before = readFileSync(path);
    expect(await w.cluster.settings.get('max_connections')).toBe('100');
    expect((await w.cluster.settings.load()).encoding).toBe('latin1');
    await w.cluster.settings.set('work_mem', '5MB');
    await expect(w.cluster.settings.set('local.label', 'ZĂ')).rejects.toMatchObject({ code: 'CONFIG_NOT_ENCODABLE', character: 'Ă' });
    await w.cluster.settings.set('local.label', 'été');
    const after = readFileSync(path);
    const lines = (bytes: Buffer): string[] => bytes.toString('latin1').split('\n');
    expect(lines(after).filter((line, i) => line !== lines(before)[i])).toEqual(['work_mem = 5MB', 'local.label = \xe9t\xe9', '']);
    expect(after.includes(Buffer.from('# r\xe9glages locaux\n', 'latin1'))).toBe(true);

    await w.cluster.start({ settings: w.settings });
    expect(await show(w, 'work_mem')).toBe('5MB');
    // The server keeps the bytes; node-postgres would decode them as UTF-8, so compare bytes.
    const [row] = await query<{ hex: string }>(w, "select encode(textsend(current_setting('local.label')), 'hex') as hex");
    expect(row!.hex).toBe(Buffer.from('\xe9t\xe9', 'latin1').toString('hex'));
  });
});
