import { describe, expect, it } from 'vitest';
import { chooseAuthentication, Cluster, ClusterNotInitializedError, initdbArguments, nextStopMode } from '../../../src/cluster/index.js';
import { InvalidArgumentError } from '../../../src/errors.js';

const faux = { versionInfo: { major: 15 }, paths: { initdb: '/pg/bin/initdb', postgres: '/pg/bin/postgres' } };

describe('new Cluster', () => {
  it('needs an absolute data directory, which need not exist', () => {
    expect(() => new Cluster(faux, 'pg_data')).toThrow(InvalidArgumentError);
    expect(() => new Cluster(faux, 'pg_data')).toThrow('Expected `dataDirectory` to be an absolute path, got `pg_data`');
    const cluster = new Cluster(faux, '/nonexistent/pg_data');
    expect(cluster.dataDirectory).toBe('/nonexistent/pg_data');
    expect(cluster.installation).toBe(faux);
    expect(cluster.daemonPath).toBe('/pg/bin/postgres');
    expect(cluster.daemonProcess).toBeNull();
  });

  it('validates its options', () => {
    expect(() => new Cluster(faux, '/d', { runAs: '' })).toThrow('Expected `runAs` to be a user name or null');
    expect(() => new Cluster(faux, '/d', { log: 'yes' as unknown as () => void })).toThrow('Expected `log` to be a function');
    // The major decides how settings.effective() names included files (see settings-effective.test.ts).
    const noMajor = { paths: faux.paths } as unknown as typeof faux;
    expect(() => new Cluster(noMajor, '/d')).toThrow('Expected `installation` to be an Installation (paths and versionInfo.major)');
    expect(new Cluster(faux, '/d').settings.major).toBe(15);
  });

  it('refuses to start a server older than 10 (no status line in postmaster.pid to read readiness from)', async () => {
    const old = new Cluster({ ...faux, versionInfo: { major: 9 } }, '/nonexistent/pg_data');
    await expect(old.start()).rejects.toMatchObject({ name: 'ClusterStartupError', code: 'UNSUPPORTED_VERSION', dataDirectory: '/nonexistent/pg_data' });
    expect(old.daemonProcess).toBeNull();
  });

  it('settings and hba() of a cluster not initialized: ClusterNotInitializedError naming the missing file', async () => {
    const cluster = new Cluster(faux, '/nonexistent/pg_data');
    for (const call of [() => cluster.settings.get('port'), () => cluster.settings.set('port', '5433'), () => cluster.settings.entries(), () => cluster.hba()]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ClusterNotInitializedError);
      expect(error).toMatchObject({ code: 'CLUSTER_NOT_INITIALIZED', dataDirectory: '/nonexistent/pg_data', cause: { code: 'ENOENT' } });
    }
    expect(await cluster.settings.get('port').catch((e: unknown) => e)).toMatchObject({ path: '/nonexistent/pg_data/postgresql.conf' });
    expect(await cluster.hba().catch((e: unknown) => e)).toMatchObject({ path: '/nonexistent/pg_data/pg_hba.conf' });
  });

  it('answers about a directory that does not exist without touching a process', async () => {
    const cluster = new Cluster(faux, '/nonexistent/pg_data');
    expect(await cluster.initialized()).toBe(false);
    expect(await cluster.running()).toBe(false);
    expect(await cluster.pid()).toBeNull();
    expect(await cluster.readyForConnections()).toBeNull();
    expect(await cluster.stop()).toMatchObject({ wasRunning: false, stopped: true, escalations: [] });
  });
});

describe('chooseAuthentication', () => {
  it('defaults to scram-sha-256 with a password, else to mapped peer on the socket and reject over TCP', () => {
    expect(chooseAuthentication({ password: 'x' })).toEqual({ authLocal: 'scram-sha-256', authHost: 'scram-sha-256', mapsPeer: false });
    expect(chooseAuthentication({ extraArgs: ['--pwfile=/p'] })).toEqual({ authLocal: 'scram-sha-256', authHost: 'scram-sha-256', mapsPeer: false });
    expect(chooseAuthentication({})).toEqual({ authLocal: 'peer', authHost: 'reject', mapsPeer: true });
  });

  it('keeps what the caller chose, in the options or in extraArgs, and maps only a peer it chose itself', () => {
    expect(chooseAuthentication({ authLocal: 'peer' })).toEqual({ authHost: 'reject', mapsPeer: false });
    expect(chooseAuthentication({ authLocal: 'trust', password: 'x' })).toEqual({ authHost: 'scram-sha-256', mapsPeer: false });
    expect(chooseAuthentication({ authHost: 'md5', password: 'x' })).toEqual({ authLocal: 'scram-sha-256', mapsPeer: false });
    expect(chooseAuthentication({ authHost: 'trust' })).toEqual({ authLocal: 'peer', mapsPeer: true });
    for (const arg of ['-Atrust', '-A', '--auth=trust', '--auth']) expect(chooseAuthentication({ extraArgs: [arg] })).toEqual({ mapsPeer: false });
    expect(chooseAuthentication({ extraArgs: ['--auth-local=trust'] })).toEqual({ authHost: 'reject', mapsPeer: false });
    expect(chooseAuthentication({ extraArgs: ['--auth-host=trust'] })).toEqual({ authLocal: 'peer', mapsPeer: true });
  });
});

describe('initdbArguments', () => {
  it('maps every option to initdb', () => {
    expect(
      initdbArguments(
        '/d',
        {
          user: 'pg',
          encoding: 'utf-8',
          locale: 'C',
          lcCollate: 'C',
          lcCtype: 'C.UTF-8',
          authLocal: 'peer',
          authHost: 'scram-sha-256',
          dataChecksums: true,
          walSegsize: 1,
          waldir: '/w',
          noSync: true,
          extraArgs: ['--debug'],
        },
        15,
      ),
    ).toEqual([
      '-D',
      '/d',
      '-U',
      'pg',
      '-E',
      'utf-8',
      '--locale=C',
      '--lc-collate=C',
      '--lc-ctype=C.UTF-8',
      '--auth-local=peer',
      '--auth-host=scram-sha-256',
      '--data-checksums',
      '--wal-segsize=1',
      '--waldir=/w',
      '--no-sync',
      '--no-instructions',
      '--debug',
    ]);
  });

  it('turns checksums off explicitly on 18, where they are on by default', () => {
    expect(initdbArguments('/d', { dataChecksums: false }, 18)).toContain('--no-data-checksums');
    expect(initdbArguments('/d', { dataChecksums: false }, 15)).not.toContain('--no-data-checksums');
  });

  it('never puts a password in argv', () => {
    expect(initdbArguments('/d', { password: 'secret' }, 15).join(' ')).not.toContain('secret');
  });

  it('refuses bad values with one message shape', () => {
    expect(() => initdbArguments('/d', { walSegsize: 3 }, 15)).toThrow('Expected `walSegsize` to be a power of two from 1 to 1024 (megabytes), got `3`');
    expect(() => initdbArguments('/d', { waldir: 'wal' }, 15)).toThrow('Expected `waldir` to be an absolute path');
    expect(() => initdbArguments('/d', { user: '' }, 15)).toThrow('Expected `user` to be a non-empty string');
  });
});

describe('nextStopMode', () => {
  it('escalates smart → fast → immediate → kill', () => {
    expect(nextStopMode('smart')).toBe('fast');
    expect(nextStopMode('fast')).toBe('immediate');
    expect(nextStopMode('immediate')).toBe('kill');
    expect(nextStopMode('kill')).toBeNull();
  });
});
