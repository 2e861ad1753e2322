// A value the server refuses (`shared_buffers = 'plenty'`), written to postgresql.conf, stops the
// server from starting and is ignored by a reload. cluster.settings refuses it with
// InvalidSettingValueError naming what is allowed, and writes nothing; `allowInvalid` writes it
// anyway, and reload() then reports it in `invalid`, apart from the restart-only changes in
// `pendingRestart` (pg_file_settings says "setting could not be applied" for both).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ClusterStartupError } from '../../../src/cluster/index.js';
import { InvalidSettingValueError } from '../../../src/config/index.js';
import { isRoot, npmInstallation, quickInit, rejection, useWorkspaces } from './fixtures.js';

const workspace = useWorkspaces();

describe(`cluster.settings refuses values the server refuses (${isRoot ? 'as root, the server as postgres' : 'as a normal user'})`, () => {
  it('refuses with what is allowed, writes nothing, takes what the server takes', async () => {
    const w = workspace();
    await w.cluster.init(quickInit);
    const path = w.cluster.settings.path;
    const before = readFileSync(path);

    const plenty = await rejection(w.cluster.settings.set('shared_buffers', 'plenty'));
    expect(plenty).toBeInstanceOf(InvalidSettingValueError);
    expect(plenty).toMatchObject({
      code: 'CONFIG_INVALID_VALUE',
      settingName: 'shared_buffers',
      value: 'plenty',
      reason: 'invalid value for parameter "shared_buffers": "plenty"',
      allowed: { type: 'integer', min: 16, max: 1073741823, unit: '8kB' },
    });
    expect(plenty.message).toBe(
      'Expected `shared_buffers` to be a memory size from 16 to 1073741823 in 8kB units, or with a unit (B, kB, MB, GB, TB), got `plenty`: ' +
        'invalid value for parameter "shared_buffers": "plenty". Nothing was written; pass `allowInvalid: true` to write it anyway',
    );
    expect(await rejection(w.cluster.settings.set('shared_buffers', '64kB'))).toMatchObject({ reason: expect.stringMatching(/^8 8kB is outside the valid range/) });
    // In a batch, the first refused value; numbers and booleans are checked as written (`on`/`off`).
    expect(await rejection(w.cluster.settings.update({ work_mem: '8MB', wal_level: 'bogus' }))).toMatchObject({
      settingName: 'wal_level',
      allowed: { type: 'enum', values: ['minimal', 'replica', 'logical'] },
    });
    expect(await rejection(w.cluster.settings.update({ port: 70000 }))).toMatchObject({ settingName: 'port', value: '70000', allowed: { min: 1, max: 65535, unit: null } });
    expect(await rejection(w.cluster.settings.set('fsync', 'maybe'))).toMatchObject({ reason: 'parameter "fsync" requires a Boolean value', allowed: { type: 'boolean' } });
    expect(await rejection(w.cluster.settings.set('random_page_cost', -1))).toMatchObject({ settingName: 'random_page_cost' });
    expect(readFileSync(path).equals(before)).toBe(true);

    // Taken: numbers and booleans, units, an enum alias the server does not list, a hexadecimal
    // float, custom names, strings (not checked); and a value with a quote round-trips.
    await w.cluster.settings.update({
      max_connections: 50,
      fsync: false,
      shared_buffers: '1MB',
      statement_timeout: '1.5s',
      wal_level: 'hot_standby',
      random_page_cost: '0x1p3',
      'myext.option': 'plenty',
      cluster_name: "it's",
    });
    expect(await w.cluster.settings.getset(['max_connections', 'fsync', 'wal_level', 'cluster_name'])).toEqual({
      max_connections: '50',
      fsync: 'off',
      wal_level: 'hot_standby',
      cluster_name: "it's",
    });
    expect(await w.cluster.invalidSettings({ shared_buffers: 'plenty', work_mem: '4MB', fsync: true })).toEqual([
      { name: 'shared_buffers', value: 'plenty', reason: 'invalid value for parameter "shared_buffers": "plenty"', allowed: { type: 'integer', min: 16, max: 1073741823, unit: '8kB' } },
    ]);

    // The server starts with all of that.
    await w.cluster.start({ settings: w.settings });
    const client = await w.cluster.connectionOptions();
    expect(client.port).toBeGreaterThan(0);
    await w.cluster.stop({ mode: 'fast' });

    // What the check prevents: with allowInvalid the value is written, and the server refuses to start.
    await w.cluster.settings.set('shared_buffers', 'plenty', { allowInvalid: true });
    const failed = await rejection(w.cluster.start({ settings: w.settings }));
    expect(failed).toBeInstanceOf(ClusterStartupError);
    expect(failed.message).toMatch(/invalid value for parameter "shared_buffers": "plenty"/);
    expect(await rejection(w.cluster.settings.set('shared_buffers', 'plenty', { allowInvalid: 'yes' as never }))).toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('reload() reports an invalid value in `invalid` and a restart-only change in `pendingRestart`', async () => {
    const w = workspace();
    await w.cluster.init(quickInit);
    await w.cluster.start({ settings: w.settings });

    // A restart-only change to a valid value, and an invalid value of a reloadable setting.
    await w.cluster.settings.set('shared_buffers', '256MB');
    await w.cluster.settings.set('work_mem', 'lots', { allowInvalid: true });
    const first = await w.cluster.reload();
    expect(first.checked).toBe(true);
    expect(first.pendingRestart).toEqual(['shared_buffers']);
    expect(first.invalid).toEqual([
      expect.objectContaining({ name: 'work_mem', value: 'lots', reason: 'invalid value for parameter "work_mem": "lots"', allowed: expect.objectContaining({ unit: 'kB' }) }),
    ]);
    expect(first.invalid[0]!.sourcefile).toBe(w.cluster.settings.path);
    // The server's own rows say the same words for both.
    expect(first.errors.map((row) => [row.name, row.error])).toEqual([
      ['shared_buffers', 'setting could not be applied'],
      ['work_mem', 'setting could not be applied'],
    ]);

    // An invalid value of a restart-only setting whose earlier change still waits: the server
    // keeps `pending_restart` on, but a restart would fail, so it is `invalid`, not pending.
    await w.cluster.settings.set('shared_buffers', 'plenty', { allowInvalid: true });
    await w.cluster.settings.set('work_mem', '8MB');
    const second = await w.cluster.reload();
    expect(second.invalid.map((row) => [row.name, row.value])).toEqual([['shared_buffers', 'plenty']]);
    expect(second.pendingRestart).toEqual([]);

    // Fixed: only the restart-only change is left.
    await w.cluster.settings.set('shared_buffers', '256MB');
    const third = await w.cluster.reload();
    expect(third).toMatchObject({ checked: true, invalid: [], pendingRestart: ['shared_buffers'] });
    await w.cluster.stop({ mode: 'fast' });
  });

  it('checks with the cluster\'s own major: io_method = worker is a value of 18', async () => {
    const w = workspace(npmInstallation(18));
    await w.cluster.init(quickInit);
    await w.cluster.settings.set('io_method', 'worker');
    expect(await rejection(w.cluster.settings.set('io_method', 'threads'))).toMatchObject({ code: 'CONFIG_INVALID_VALUE', allowed: { type: 'enum', values: expect.arrayContaining(['sync', 'worker']) } });
  });
});
