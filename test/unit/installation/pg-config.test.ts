import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CommandError } from '../../../src/control/index.js';
import { parsePgConfig, pgConfigDictionary, PgConfigError } from '../../../src/installation/index.js';
import { fixtureNames, makeScratchDir, readFixture, writeExecutable, writeFakePgConfig } from './fake-tree.js';

const scratch = makeScratchDir('pg-config');
afterAll(scratch.remove);

describe('parsePgConfig', () => {
  it('reads the Debian 15 output: lower-case keys, INCLUDEDIR-SERVER as includedir_server', () => {
    const info = parsePgConfig(readFixture('debian-15'));
    expect(info).toMatchObject({
      bindir: '/usr/lib/postgresql/15/bin',
      includedir_server: '/usr/include/postgresql/15/server',
      pkglibdir: '/usr/lib/postgresql/15/lib',
      sharedir: '/usr/share/postgresql/15',
      sysconfdir: '/etc/postgresql-common',
      version: 'PostgreSQL 15.18 (Debian 15.18-0+deb12u1)',
      ldflags_ex: '',
      cc: 'gcc',
    });
    expect(info.configure).toMatch(/^'--build=x86_64-linux-gnu' /);
    expect(Object.keys(info).every((key) => key === key.toLowerCase() && !key.includes('-'))).toBe(true);
  });

  it.each(fixtureNames)('reads every line of %s', (name) => {
    const text = readFixture(name);
    const info = parsePgConfig(text);
    const lines = text.split('\n').filter((line) => line.includes(' = '));
    expect(Object.keys(info)).toHaveLength(lines.length);
    expect(info.version).toMatch(/^PostgreSQL \d/);
    expect(info.bindir).toMatch(/^\/.*\/bin$/);
  });

  it('keeps `=` inside values and ignores lines without one', () => {
    expect(parsePgConfig('CPPFLAGS = -DX=1\r\nnoise\n\nLIBS = \n')).toEqual({ cppflags: '-DX=1', libs: '' });
  });
});

describe('pgConfigDictionary', () => {
  it('runs pg_config and parses its output', async () => {
    const path = writeFakePgConfig(join(scratch.dir, 'ok', 'pg_config'), readFixture('rhel-16beta2'));
    const info = await pgConfigDictionary(path);
    expect(info.version).toBe('PostgreSQL 16beta2');
    expect(info.bindir).toBe('/usr/pgsql-16/bin');
  });

  it('rejects a failing pg_config with the command, exit code and stderr', async () => {
    const path = writeFakePgConfig(join(scratch.dir, 'fails', 'pg_config'), '', { exitCode: 1, stderr: 'You need to install postgresql-server-dev-NN' });
    const error = await pgConfigDictionary(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PgConfigError);
    expect(error).toMatchObject({ code: 'PG_CONFIG_FAILED', command: path, args: [], exitCode: 1, stderr: 'You need to install postgresql-server-dev-NN' });
    expect((error as Error).cause).toBeInstanceOf(CommandError);
    expect((error as Error).message).toContain('You need to install postgresql-server-dev-NN');
  });

  it('rejects a missing pg_config as not found', async () => {
    const path = join(scratch.dir, 'nowhere', 'pg_config');
    await expect(pgConfigDictionary(path)).rejects.toMatchObject({ code: 'PG_CONFIG_NOT_FOUND', command: path, exitCode: null });
  });

  it('rejects output without a VERSION line', async () => {
    const path = writeExecutable(join(scratch.dir, 'odd', 'pg_config'), 'echo "usage: something else"');
    await expect(pgConfigDictionary(path)).rejects.toMatchObject({ code: 'PG_CONFIG_OUTPUT_INVALID', stdout: 'usage: something else', exitCode: 0 });
  });

  it('gives up on a pg_config that hangs, after the timeout', async () => {
    const path = writeExecutable(join(scratch.dir, 'hangs', 'pg_config'), 'exec sleep 10');
    await expect(pgConfigDictionary(path, { timeout: 100 })).rejects.toMatchObject({ code: 'PG_CONFIG_FAILED', signal: 'SIGTERM' });
  });

  it('validates its argument', async () => {
    await expect(pgConfigDictionary('')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', argument: 'pgConfigPath' });
  });
});
