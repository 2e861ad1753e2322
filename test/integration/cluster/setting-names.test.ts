// A setting name the server does not know, written to postgresql.conf, stops the server from
// starting. cluster.settings refuses it (with the nearest known name) and writes nothing; the
// server itself decides which names it knows: `postgres --describe-config`, then `postgres -C`.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ClusterStartupError, UnknownSettingError } from '../../../src/cluster/index.js';
import { describeSettings } from '../../../src/installation/index.js';
import { npmInstallation, quickInit, rejection, systemInstallation, useWorkspaces } from './fixtures.js';

const workspace = useWorkspaces();

describe('cluster.settings refuses names the server does not know', () => {
  it('refuses a typo with a suggestion, writes nothing, and takes what the server knows', async () => {
    const w = workspace();
    await w.cluster.init(quickInit);
    const path = w.cluster.settings.path;
    const before = readFileSync(path);

    const typo = await rejection(w.cluster.settings.set('wrok_mem', '4MB'));
    expect(typo).toBeInstanceOf(UnknownSettingError);
    expect(typo).toMatchObject({ code: 'CONFIG_UNKNOWN_SETTING', settingName: 'wrok_mem', suggestion: 'work_mem', dataDirectory: w.dataDirectory });
    const batch = await rejection(w.cluster.settings.update({ work_mem: '8MB', shared_bufers: '1MB' }));
    expect(batch).toMatchObject({ settingName: 'shared_bufers', suggestion: 'shared_buffers' });
    const far = await rejection(w.cluster.settings.set('no_such_setting_at_all', 'on'));
    expect(far).toMatchObject({ settingName: 'no_such_setting_at_all', suggestion: null });
    expect(readFileSync(path).equals(before)).toBe(true);

    // A developer option is not in --describe-config: the server is asked, and it knows it.
    const described = (await describeSettings(w.cluster.daemonPath)).map((entry) => entry.name);
    expect(described).toContain('work_mem');
    expect(described).not.toContain('zero_damaged_pages');
    await w.cluster.settings.set('zero_damaged_pages', 'off');
    // Names in any case, custom names with a dot, and removals pass.
    await w.cluster.settings.update({ Work_Mem: '8MB', 'myext.option': 'x', wrok_mem: null });
    expect(await w.cluster.settings.getset(['work_mem', 'zero_damaged_pages', 'myext.option'])).toEqual({ work_mem: '8MB', zero_damaged_pages: 'off', 'myext.option': 'x' });

    // The server starts with all of that, and it knows what the check said it knows.
    await w.cluster.start({ settings: w.settings });
    expect(await w.cluster.unknownSettings(['work_mem', 'zero_damaged_pages', 'wrok_mem', 'ext.x'])).toEqual([{ name: 'wrok_mem', suggestion: 'work_mem' }]);
    await w.cluster.stop({ mode: 'fast' });

    // What the check prevents: with allowUnknown the typo is written, and the server refuses to start.
    await w.cluster.settings.set('wrok_mem', '4MB', { allowUnknown: true });
    const failed = await rejection(w.cluster.start({ settings: w.settings }));
    expect(failed).toBeInstanceOf(ClusterStartupError);
    expect(failed).toMatchObject({ code: 'INVALID_SETTING' });
    expect(failed.message).toMatch(/unrecognized configuration parameter "wrok_mem"/);
    await w.cluster.settings.delete('wrok_mem', { remove: true });
    await w.cluster.start({ settings: w.settings });
    await w.cluster.stop({ mode: 'fast' });
  });

  it('knows the names of its own major: io_method is a setting of 18, not of 15', async () => {
    const on15 = workspace(systemInstallation());
    const on18 = workspace(npmInstallation(18));
    await on15.cluster.init(quickInit);
    await on18.cluster.init(quickInit);
    expect(await on18.cluster.unknownSettings(['io_method', 'work_mem'])).toEqual([]);
    expect(await on15.cluster.unknownSettings(['io_method', 'work_mem'])).toEqual([{ name: 'io_method', suggestion: null }]);
    await on18.cluster.settings.set('io_method', 'sync');
    expect(await rejection(on15.cluster.settings.set('io_method', 'sync'))).toMatchObject({ code: 'CONFIG_UNKNOWN_SETTING' });
  });
});
