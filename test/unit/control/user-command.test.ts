import { afterEach, describe, expect, it } from 'vitest';
import { findSetpriv, setSetprivPathForTesting, settingsArguments, userCommand, isValidSettingName } from '../../../src/control/index.js';

const isRoot = process.getuid?.() === 0;
const postgresUser = { user: 'postgres', uid: 101, gid: 104, groups: [104] };

describe('userCommand', () => {
  afterEach(() => setSetprivPathForTesting(undefined));

  it('wraps with setpriv: switches user only as root, adds the parent-death signal', () => {
    setSetprivPathForTesting('/usr/bin/setpriv');
    const command = userCommand('/pg/bin/postgres', ['-D', '/d'], postgresUser, { parentDeathSignal: 'SIGQUIT' });
    expect(command.file).toBe('/usr/bin/setpriv');
    const expectedPrefix = isRoot ? ['--reuid=101', '--regid=104', '--init-groups'] : [];
    expect(command.args).toEqual([...expectedPrefix, '--pdeathsig=SIGQUIT', '--', '/pg/bin/postgres', '-D', '/d']);
    expect(command.hasParentDeathSignal).toBe(true);
  });

  it('runs the program itself when nothing needs wrapping', () => {
    setSetprivPathForTesting('/usr/bin/setpriv');
    expect(userCommand('/pg/bin/initdb', ['-D', '/d'], null)).toEqual({ file: '/pg/bin/initdb', args: ['-D', '/d'], hasParentDeathSignal: false });
  });

  it('without setpriv: the program itself, switching user through Node as root, and no parent-death signal', () => {
    setSetprivPathForTesting(null);
    const command = userCommand('/pg/bin/postgres', ['-D', '/d'], postgresUser, { parentDeathSignal: 'SIGQUIT' });
    expect(command.file).toBe('/pg/bin/postgres');
    expect(command.args).toEqual(['-D', '/d']);
    expect(command.hasParentDeathSignal).toBe(false);
    if (isRoot) expect(command).toMatchObject({ uid: 101, gid: 104 });
    else expect(command.uid).toBeUndefined();
  });

  it('finds setpriv on this machine (util-linux)', () => {
    expect(findSetpriv()).toMatch(/\/setpriv$/);
  });
});

describe('settingsArguments', () => {
  it('gives one -c name=value pair per setting, booleans as on/off', () => {
    expect(settingsArguments({ port: 5433, fsync: false, listen_addresses: '', 'auto_explain.log_min_duration': '10ms' })).toEqual([
      '-c',
      'port=5433',
      '-c',
      'fsync=off',
      '-c',
      'listen_addresses=',
      '-c',
      'auto_explain.log_min_duration=10ms',
    ]);
  });

  it('keeps a value with spaces or quotes as one argv item (no shell)', () => {
    expect(settingsArguments({ application_name: "it's a; test" })).toEqual(['-c', "application_name=it's a; test"]);
  });

  it('refuses names the server could not accept and values that are not scalars', () => {
    expect(() => settingsArguments({ 'port=1 -c x': 1 })).toThrow(/Expected `settings.port=1 -c x` to be a valid setting name/);
    expect(() => settingsArguments({ port: Number.NaN })).toThrow(/finite number/);
    expect(() => settingsArguments({ port: {} as unknown as string })).toThrow(/Expected `settings.port`/);
    expect(isValidSettingName('a.b')).toBe(true);
    expect(isValidSettingName('1abc')).toBe(false);
  });
});
