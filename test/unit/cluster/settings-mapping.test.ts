import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClusterSettings, SettingsRestoreConflictError, type ReloadResult } from '../../../src/cluster/index.js';
import { InvalidArgumentError } from '../../../src/errors.js';

// A file with what lossless restoring has to keep: CRLF, a Latin-1 comment, tabs, a commented-out
// line, a repeated setting and no final newline.
const text = Buffer.concat([
  Buffer.from("# caf"), Buffer.from([0xe9]), Buffer.from("\r\nport = 5433\r\n\twork_mem = '4MB'   # small\r\n#shared_buffers = 128MB\r\nwork_mem = 8MB\r\nlisten_addresses = ''"),
]);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pgct-settings-'));
  writeFileSync(join(dir, 'postgresql.conf'), text, { mode: 0o640 });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const conf = () => readFileSync(join(dir, 'postgresql.conf'));

describe('cluster.settings as a mapping (py-postgresql)', () => {
  it('keys, values, items, count and for await give the settings the file sets, as the server reads them', async () => {
    const settings = new ClusterSettings(dir);
    expect(await settings.keys()).toEqual(['port', 'work_mem', 'listen_addresses']);
    expect(await settings.values()).toEqual(['5433', '8MB', '']);
    expect(await settings.items()).toEqual([['port', '5433'], ['work_mem', '8MB'], ['listen_addresses', '']]);
    expect(await settings.items()).toEqual(await settings.entries());
    expect(await settings.count()).toBe(3);
    const seen: Array<[string, string]> = [];
    for await (const [name, value] of settings) seen.push([name, value]);
    expect(seen).toEqual(await settings.entries());
  });

  it('get(name, fallback) gives the fallback only when the file does not set the name', async () => {
    const settings = new ClusterSettings(dir);
    expect(await settings.get('shared_buffers', '128MB')).toBe('128MB'); // commented out: not set
    expect(await settings.get('shared_buffers')).toBeUndefined();
    expect(await settings.get('port', '5432')).toBe('5433');
    expect(await settings.get('listen_addresses', 'localhost')).toBe(''); // set to the empty string
    expect(await settings.get('nothing', null)).toBeNull();
  });

  it("select(predicate) (pg_boss's select_parameters): the settings whose name and value it accepts", async () => {
    const settings = new ClusterSettings(dir);
    expect(await settings.select((name) => name.endsWith('_mem'))).toEqual({ work_mem: '8MB' });
    expect(await settings.select((_name, value) => /^\d+$/.test(value))).toEqual({ port: '5433' });
    expect(await settings.select(() => false)).toEqual({});
    await expect(settings.select('port' as never)).rejects.toThrow(InvalidArgumentError);
    await expect(settings.select('port' as never)).rejects.toThrow('Expected `predicate` to be a function (name, value) => boolean, got `port`');
  });
});

describe('settings.temporarily', () => {
  it('writes the settings, and restores the exact bytes, owner and mode on dispose', async () => {
    const settings = new ClusterSettings(dir);
    {
      await using temporary = await settings.temporarily({ work_mem: '64MB', shared_buffers: '256MB', port: null });
      expect(await settings.getset(['work_mem', 'shared_buffers', 'port'])).toEqual({ work_mem: '64MB', shared_buffers: '256MB' });
      expect(temporary.previousText).toBe(text.toString('latin1'));
      expect(temporary.reload).toBeNull(); // no reload hook: nothing runs
      expect(temporary.pendingRestart).toEqual([]);
    }
    expect(conf().equals(text)).toBe(true);
    expect(statSync(join(dir, 'postgresql.conf')).mode & 0o777).toBe(0o640);
  });

  it('restores also when the body throws, and the body error is the one that surfaces', async () => {
    const settings = new ClusterSettings(dir);
    const body = async () => {
      await using _temporary = await settings.temporarily({ work_mem: '64MB' });
      expect(await settings.get('work_mem')).toBe('64MB');
      throw new Error('the body failed');
    };
    await expect(body()).rejects.toThrow('the body failed');
    expect(conf().equals(text)).toBe(true);
  });

  it('restore() runs once; later calls and dispose say restored: false', async () => {
    const settings = new ClusterSettings(dir);
    const temporary = await settings.temporarily({ work_mem: '64MB' });
    expect(temporary.isRestored).toBe(false);
    expect(await temporary.restore()).toEqual({ restored: true, reload: null, pendingRestart: [] });
    writeFileSync(join(dir, 'postgresql.conf'), 'port = 6000\n'); // someone's later edit is not touched again
    expect((await temporary.restore()).restored).toBe(false);
    await temporary[Symbol.asyncDispose]();
    expect(readFileSync(join(dir, 'postgresql.conf'), 'utf8')).toBe('port = 6000\n');
  });

  it("refuses to restore over someone else's edit (nothing written, the old text in the error); force restores anyway", async () => {
    const settings = new ClusterSettings(dir);
    const temporary = await settings.temporarily({ work_mem: '64MB' });
    const theirs = readFileSync(join(dir, 'postgresql.conf'), 'latin1') + '\r\nmax_connections = 20';
    writeFileSync(join(dir, 'postgresql.conf'), theirs, 'latin1');
    const error = await temporary.restore().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SettingsRestoreConflictError);
    expect(error).toMatchObject({ code: 'CONFIG_RESTORE_CONFLICT', path: join(dir, 'postgresql.conf'), previousText: text.toString('latin1') });
    expect(readFileSync(join(dir, 'postgresql.conf'), 'latin1')).toBe(theirs);
    expect(temporary.isRestored).toBe(false); // a refused restore can be retried
    expect((await temporary.restore({ force: true })).restored).toBe(true);
    expect(conf().equals(text)).toBe(true);
  });

  it('reloads through the hook after writing and after restoring, and names the settings that need a restart', async () => {
    const calls: string[] = [];
    const verdict = (pending: string[]): ReloadResult => ({ pid: 1, checked: true, errors: [], pendingRestart: pending, invalid: [] });
    const settings = new ClusterSettings(dir, 15, undefined, undefined, {}, async () => {
      calls.push(readFileSync(join(dir, 'postgresql.conf'), 'latin1').includes('64MB') ? 'temporary' : 'restored');
      return verdict(['shared_buffers', 'max_connections']);
    });
    const temporary = await settings.temporarily({ work_mem: '64MB', Shared_Buffers: '256MB' });
    expect(temporary.reload?.checked).toBe(true);
    expect(temporary.pendingRestart).toEqual(['shared_buffers']); // max_connections is not ours
    const restored = await temporary.restore();
    expect(restored.pendingRestart).toEqual(['shared_buffers']);
    expect(calls).toEqual(['temporary', 'restored']);
  });

  it('puts the file back when the reload after writing fails, and rejects with its error', async () => {
    const settings = new ClusterSettings(dir, 15, undefined, undefined, {}, async () => {
      throw new Error('no reload');
    });
    await expect(settings.temporarily({ work_mem: '64MB' })).rejects.toThrow('no reload');
    expect(conf().equals(text)).toBe(true);
  });

  it('validates like update() and writes nothing when refused', async () => {
    const settings = new ClusterSettings(dir, 15, async (names) => names.filter((n) => n === 'wrok_mem').map((name) => ({ name, suggestion: 'work_mem' })));
    await expect(settings.temporarily({ wrok_mem: '1MB' })).rejects.toMatchObject({ code: 'CONFIG_UNKNOWN_SETTING', suggestion: 'work_mem' });
    await expect(settings.temporarily(null as never)).rejects.toThrow('Expected `settings` to be an object of setting names to values');
    await expect(settings.temporarily({}, { allowUnknown: 'yes' as never })).rejects.toThrow(InvalidArgumentError);
    expect(conf().equals(text)).toBe(true);
    const temporary = await settings.temporarily({ work_mem: '1MB' });
    await expect(temporary.restore({ force: 1 as never })).rejects.toThrow('Expected `force` to be a boolean');
    await temporary.restore();
  });
});
