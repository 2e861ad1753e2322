import { describe, expect, it } from 'vitest';
import { Cluster } from '../../../src/cluster/index.js';
import { resolveClusterLayout } from '../../../src/cluster/cluster-layout.js';
import { InvalidArgumentError } from '../../../src/errors.js';

const installation = { versionInfo: { major: 15 }, paths: {} };

describe('resolveClusterLayout', () => {
  it('the default: everything in the data directory, nothing split', () => {
    expect(resolveClusterLayout('/d', {})).toEqual({ configFile: '/d/postgresql.conf', configDirectory: null, hbaFile: null, identFile: null, defaultDirectory: '/d', isSplit: false });
  });

  it('configDirectory: Debian\'s layout', () => {
    expect(resolveClusterLayout('/var/lib/postgresql/15/main', { configDirectory: '/etc/postgresql/15/main/' })).toEqual({
      configFile: '/etc/postgresql/15/main/postgresql.conf',
      configDirectory: '/etc/postgresql/15/main',
      hbaFile: null,
      identFile: null,
      defaultDirectory: '/etc/postgresql/15/main',
      isSplit: true,
    });
  });

  it('configFile alone: its folder is reported, pg_hba.conf stays where the server looks (the data directory)', () => {
    expect(resolveClusterLayout('/d', { configFile: '/etc/pg.conf', hbaFile: '/etc/hba' })).toEqual({
      configFile: '/etc/pg.conf',
      configDirectory: '/etc',
      hbaFile: '/etc/hba',
      identFile: null,
      defaultDirectory: '/d',
      isSplit: true,
    });
  });

  it('configFile naming the data directory\'s own postgresql.conf is no split', () => {
    expect(resolveClusterLayout('/d', { configFile: '/d/postgresql.conf' }).isSplit).toBe(false);
  });
});

describe('new Cluster(…, layout options): bad ones and bad combinations are InvalidArgumentError', () => {
  it.each([
    [{ configDirectory: 'etc/main' }, 'Expected `configDirectory` to be an absolute path, got `etc/main`'],
    [{ configFile: 42 }, 'Expected `configFile` to be an absolute path, got `42`'],
    [{ hbaFile: '' }, 'Expected `hbaFile` to be an absolute path, got ``'],
    [{ identFile: 'pg_ident.conf' }, 'Expected `identFile` to be an absolute path, got `pg_ident.conf`'],
    [{ configDirectory: '/etc/x', configFile: '/etc/x/postgresql.conf' }, 'Expected `configFile` to be unset when `configDirectory` is given (the postgresql.conf is then `<configDirectory>/postgresql.conf`), got `/etc/x/postgresql.conf`'],
    [{ configDirectory: '/etc/x', hbaFile: '/etc/x/postgresql.conf' }, 'Expected `hbaFile` to be another file than the postgresql.conf, got `/etc/x/postgresql.conf`'],
  ])('%j', (options, message) => {
    const make = () => new Cluster(installation, '/d', options as never);
    expect(make).toThrow(InvalidArgumentError);
    expect(make).toThrow(message);
  });

  it('the properties say where the files are', () => {
    const cluster = new Cluster(installation, '/var/lib/postgresql/15/main', { configDirectory: '/etc/postgresql/15/main' });
    expect([cluster.configFile, cluster.configDirectory, cluster.settings.path, cluster.settings.autoConfPath]).toEqual([
      '/etc/postgresql/15/main/postgresql.conf',
      '/etc/postgresql/15/main',
      '/etc/postgresql/15/main/postgresql.conf',
      '/var/lib/postgresql/15/main/postgresql.auto.conf',
    ]);
    const plain = new Cluster(installation, '/d');
    expect([plain.configFile, plain.configDirectory]).toEqual(['/d/postgresql.conf', null]);
  });
});

describe('new Cluster(…, { serverSettings, serverEnvironment, logfile, beforeControl }): bad ones are InvalidArgumentError', () => {
  it.each([
    [{ serverSettings: { 'bad name': 'x' } }, 'Expected `settings.bad name` to be a valid setting name, got `bad name`'],
    [{ serverSettings: null }, 'Expected `serverSettings` to be an object of setting names to values, got `null`'],
    [{ serverEnvironment: { LANG: 1 } }, 'Expected `serverEnvironment` to be an object of variable names to strings, got `{"LANG":1}`'],
    [{ logfile: 'server.log' }, 'Expected `logfile` to be an absolute path, got `server.log`'],
    [{ beforeControl: 'no' }, 'Expected `beforeControl` to be a function, got `no`'],
  ])('%j', (options, message) => {
    expect(() => new Cluster(installation, '/d', options as never)).toThrow(message);
  });

  it('logfile moves logPath', () => {
    expect(new Cluster(installation, '/d', { logfile: '/var/log/postgresql/x.log' }).logPath).toBe('/var/log/postgresql/x.log');
    expect(new Cluster(installation, '/d').logPath).toBe('/d.log');
  });
});
