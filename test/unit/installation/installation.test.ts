import { mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Installation, InstallationInfoError, parsePgConfig, pgConfigDictionary } from '../../../src/installation/index.js';
import { fixtureNames, makeScratchDir, materialise, readFixture, serverPrograms, writeExecutable, writeFakePgConfig } from './fake-tree.js';

const scratch = makeScratchDir('installation');
afterAll(scratch.remove);

function fromFixture(name: (typeof fixtureNames)[number]): Installation {
  return new Installation(parsePgConfig(readFixture(name)));
}

// py-postgresql's "Installation Interface Points", one test per documented example.
describe('py-postgresql Installation documentation examples', () => {
  const prefix = join(scratch.dir, 'py-docs');
  // /src/build/pg90 re-rooted under a temp dir, with every program of a 9.0 install but psql.
  const { text, bindir } = materialise(readFixture('pg90devel'), prefix, ['pg_config', 'postgres', 'postmaster', 'initdb', 'pg_ctl', 'pg_resetxlog', 'pg_controldata', 'createdb', 'createlang', 'droplang', 'ipcclean']);

  it('Installation(pg_config_dictionary(path)): builds from the dictionary pg_config prints', async () => {
    const info = await pgConfigDictionary(join(bindir, 'pg_config'));
    const pgInstall = new Installation(info);
    expect(pgInstall.paths.bindir).toBe(bindir);
    expect(pgInstall.info).toEqual(parsePgConfig(text));
  });

  it("version: 'PostgreSQL 9.0devel'", () => {
    expect(new Installation(parsePgConfig(text)).version).toBe('PostgreSQL 9.0devel');
  });

  it("version_info: (9, 0, 0, 'devel', 0)", () => {
    expect(new Installation(parsePgConfig(text)).versionInfo).toEqual({ major: 9, minor: 0, patch: 0, state: 'devel', level: 0 });
  });

  it('ssl: a boolean saying whether the build has SSL', () => {
    expect(new Installation(parsePgConfig(text)).ssl).toBe(true);
  });

  it('configure_options: normalised long option names, true for flags', () => {
    expect(new Installation(parsePgConfig(text)).configureOptions).toEqual({
      enable_debug: true,
      with_libxml: true,
      enable_cassert: true,
      with_libedit_preferred: true,
      prefix: '/src/build/pg90',
      with_openssl: true,
      enable_integer_datetimes: true,
      enable_depend: true,
    });
  });

  it('paths: bindir is $PREFIX/bin, libdir is $PREFIX/lib; keys are pgDirectories and pgExecutables', () => {
    const { paths } = new Installation(parsePgConfig(text));
    const root = join(prefix, 'src/build/pg90');
    expect(paths.bindir).toBe(join(root, 'bin'));
    expect(paths.libdir).toBe(join(root, 'lib'));
    expect(Object.keys(paths).sort()).toEqual([...Installation.pgDirectories, ...Installation.pgExecutables].sort());
  });

  it('pg_directories and pg_executables list the documented keys', () => {
    expect(Installation.pgDirectories).toEqual(['bindir', 'docdir', 'includedir', 'pkgincludedir', 'includedir_server', 'libdir', 'pkglibdir', 'localedir', 'mandir', 'sharedir', 'sysconfdir']);
    for (const name of ['pg_config', 'psql', 'initdb', 'pg_resetxlog', 'pg_controldata', 'clusterdb', 'pg_ctl', 'pg_dump', 'pg_dumpall', 'postgres', 'postmaster', 'reindexdb', 'vacuumdb', 'ipcclean', 'createdb', 'ecpg', 'createuser', 'createlang', 'droplang', 'dropuser', 'pg_restore']) {
      expect(Installation.pgExecutables).toContain(name);
    }
    for (const name of ['pg_resetwal', 'pg_basebackup', 'pg_isready', 'pg_rewind', 'pg_upgrade', 'pg_waldump']) {
      expect(Installation.pgExecutables).toContain(name);
    }
  });

  it('paths: an executable that does not exist is null (None)', () => {
    const { paths } = new Installation(parsePgConfig(text));
    expect(paths.psql).toBeNull();
    expect(paths.ipcclean).toBe(join(bindir, 'ipcclean'));
    expect(paths.pg_resetxlog).toBe(join(bindir, 'pg_resetxlog'));
    expect(paths.pg_resetwal).toBeNull();
  });

  it("Installation('/usr/local/pgsql/bin/pg_config'): a typed error pointing to Installation.fromPgConfig", async () => {
    const make = () => new Installation('/usr/local/pgsql/bin/pg_config' as never);
    expect(make).toThrow(InstallationInfoError);
    expect(make).toThrow(/Installation\.fromPgConfig\("\/usr\/local\/pgsql\/bin\/pg_config"\)/);
    // …and the documented way to get psql's path, in its asynchronous form:
    const pgInstall = await Installation.fromPgConfig(join(bindir, 'pg_config'));
    expect(pgInstall.paths.psql).toBeNull();
    expect(pgInstall.paths.pg_ctl).toBe(join(bindir, 'pg_ctl'));
  });
});

describe('Installation from the checked-in pg_config outputs', () => {
  it('Debian 15: version with its distribution suffix, SSL, repeated options resolved', () => {
    const inst = fromFixture('debian-15');
    expect(inst.version).toBe('PostgreSQL 15.18 (Debian 15.18-0+deb12u1)');
    expect(inst.versionInfo).toEqual({ major: 15, minor: 18, patch: 0, state: 'final', level: 0 });
    expect(inst.ssl).toBe(true);
    expect(inst.configureOptions).toMatchObject({
      build: 'x86_64-linux-gnu',
      prefix: '/usr',
      libdir: '/usr/lib/x86_64-linux-gnu/',
      sysconfdir: '/etc/postgresql-common',
      includedir: '/usr/include/postgresql/',
      mandir: '/usr/share/postgresql/15/man',
      with_openssl: true,
      enable_debug: true,
      with_extra_version: ' (Debian 15.18-0+deb12u1)',
      with_uuid: 'e2fs',
      awk: 'mawk',
      mkdir_p: '/bin/mkdir -p',
      cflags: '-g -O2 -fstack-protector-strong -Wformat -Werror=format-security -fno-omit-frame-pointer',
      xsltproc: 'xsltproc --nonet',
      build_alias: 'x86_64-linux-gnu',
      llvm_config: '/usr/bin/llvm-config-14',
    });
    expect(inst.configureOptions.enable_cassert).toBeUndefined();
  });

  it('a source build with --enable-debug --enable-cassert and --with-ssl=openssl', () => {
    const inst = fromFixture('source-build-debug-cassert');
    expect(inst.versionInfo).toEqual({ major: 17, minor: 2, patch: 0, state: 'final', level: 0 });
    expect(inst.configureOptions).toEqual({
      enable_debug: true,
      enable_cassert: true,
      enable_tap_tests: true,
      with_ssl: 'openssl',
      with_icu: true,
      cflags: '-O0 -g3 -fno-omit-frame-pointer',
    });
    expect(inst.ssl).toBe(true);
  });

  it('a 16beta2 package', () => {
    const inst = fromFixture('rhel-16beta2');
    expect(inst.version).toBe('PostgreSQL 16beta2');
    expect(inst.versionInfo).toEqual({ major: 16, minor: 0, patch: 0, state: 'beta', level: 2 });
    expect(inst.configureOptions.with_ssl).toBe('openssl');
    expect(inst.configureOptions.pkg_config_path).toBe(':/usr/lib64/pkgconfig:/usr/share/pkgconfig');
    expect(inst.ssl).toBe(true);
  });

  it('Homebrew: (Homebrew) as extra version, CC and PKG_CONFIG_PATH as environment options', () => {
    const inst = fromFixture('homebrew-14');
    expect(inst.versionInfo).toEqual({ major: 14, minor: 10, patch: 0, state: 'final', level: 0 });
    expect(inst.configureOptions).toMatchObject({ disable_debug: true, with_extra_version: ' (Homebrew)', cc: 'clang', with_openssl: true, with_bonjour: true, python: 'python3' });
    expect(inst.ssl).toBe(true);
  });

  it('a build without SSL', () => {
    const inst = fromFixture('partial-install-missing-server');
    expect(inst.ssl).toBe(false);
    expect(inst.configureOptions).toEqual({ prefix: '/opt/pg17-client', without_readline: true, without_icu: true });
  });

  it.each(fixtureNames)('%s: paths are null when the installation is not on this machine', (name) => {
    const inst = fromFixture(name);
    const values = Object.values(inst.paths);
    // None of these prefixes exist here (debian-15 does, and is checked separately).
    if (name !== 'debian-15') expect(values.every((value) => value === null)).toBe(true);
    expect(inst.hasServer).toBe(name === 'debian-15' ? inst.paths.postgres !== null : false);
  });
});

describe('Installation paths', () => {
  it('gives every directory and executable of a full tree as an absolute path', () => {
    const root = join(scratch.dir, 'full');
    const programs = [...Installation.pgExecutables.filter((name) => !['ipcclean', 'createlang', 'droplang', 'pg_resetxlog', 'postmaster'].includes(name))];
    const { text, bindir } = materialise(readFixture('source-build-debug-cassert'), root, programs);
    const inst = new Installation(parsePgConfig(text));
    for (const dir of Installation.pgDirectories) {
      expect(inst.paths[dir], dir).toBe(join(root, parsePgConfig(readFixture('source-build-debug-cassert'))[dir]!));
    }
    for (const name of programs) expect(inst.paths[name], name).toBe(join(bindir, name));
    for (const name of ['ipcclean', 'createlang', 'droplang', 'pg_resetxlog', 'postmaster'] as const) expect(inst.paths[name]).toBeNull();
    expect(inst.hasServer).toBe(true);
  });

  it('reports a prefix with only client programs as having no server', () => {
    const root = join(scratch.dir, 'client-only');
    const { text, bindir } = materialise(readFixture('partial-install-missing-server'), root, ['pg_config', 'psql', 'pg_dump', 'pg_isready']);
    const inst = new Installation(parsePgConfig(text));
    expect(inst.paths).toMatchObject({ psql: join(bindir, 'psql'), pg_dump: join(bindir, 'pg_dump'), initdb: null, postgres: null, pg_ctl: null });
    expect(inst.hasServer).toBe(false);
  });

  it('does not count a directory, or a file without an execute bit, as a program', () => {
    const bindir = join(scratch.dir, 'odd-bin');
    mkdirSync(join(bindir, 'initdb'), { recursive: true });
    writeFileSync(join(bindir, 'psql'), '#!/bin/sh\n', { mode: 0o644 });
    writeExecutable(join(bindir, 'pg_ctl'));
    symlinkSync(join(bindir, 'pg_ctl'), join(bindir, 'postmaster'));
    const inst = new Installation({ version: 'PostgreSQL 17.2', bindir });
    expect(inst.paths).toMatchObject({ initdb: null, psql: null, pg_ctl: join(bindir, 'pg_ctl'), postmaster: join(bindir, 'postmaster') });
  });

  it('treats paths it cannot look at as absent', () => {
    const file = writeExecutable(join(scratch.dir, 'a-file'));
    const inst = new Installation({ version: 'PostgreSQL 17.2', bindir: join(file, 'bin'), sharedir: join(file, 'share') });
    expect(inst.paths.bindir).toBeNull();
    expect(inst.paths.sharedir).toBeNull();
    expect(new Installation({ version: 'PostgreSQL 17.2', bindir: scratch.dir, postgres: join(file, 'postgres') }).paths.postgres).toBeNull();
  });

  it('finds .exe programs on win32', () => {
    const bindir = join(scratch.dir, 'win-bin');
    for (const name of ['postgres.exe', 'initdb.exe', 'pg_ctl.exe', 'psql']) writeExecutable(join(bindir, name));
    const inst = new Installation({ version: 'PostgreSQL 16.4', bindir }, { platform: 'win32' });
    expect(inst.paths).toMatchObject({ postgres: join(bindir, 'postgres.exe'), initdb: join(bindir, 'initdb.exe'), psql: null });
    expect(inst.hasServer).toBe(true);
    expect(new Installation({ version: 'PostgreSQL 16.4', bindir }, { platform: 'linux' }).paths.postgres).toBeNull();
  });

  it('lets a dictionary place a program outside bindir', () => {
    const elsewhere = writeExecutable(join(scratch.dir, 'elsewhere', 'my-postgres'));
    const inst = new Installation({ version: 'PostgreSQL 15.1', postgres: elsewhere, psql: join(scratch.dir, 'missing') });
    expect(inst.paths.postgres).toBe(elsewhere);
    expect(inst.paths.psql).toBeNull();
  });
});

describe('Installation from any dictionary', () => {
  it('builds a faux installation; keys in any case, `-` read as `_`', () => {
    const inst = new Installation({ VERSION: 'PostgreSQL 13.4', 'INCLUDEDIR-SERVER': '/nowhere', CONFIGURE: "'--with-openssl'" });
    expect(inst.version).toBe('PostgreSQL 13.4');
    expect(inst.info).toEqual({ version: 'PostgreSQL 13.4', includedir_server: '/nowhere', configure: "'--with-openssl'" });
    expect(inst.ssl).toBe(true);
    expect(inst.paths.includedir_server).toBeNull();
  });

  it('is frozen', () => {
    const inst = new Installation({ version: 'PostgreSQL 13.4' });
    expect(Object.isFrozen(inst.paths) && Object.isFrozen(inst.versionInfo) && Object.isFrozen(inst.configureOptions) && Object.isFrozen(inst.info)).toBe(true);
  });

  it('reads SSL from LIBS when there are no configure options (a meson build)', () => {
    expect(new Installation({ version: 'PostgreSQL 17.0', libs: '-lpgcommon -lssl -lcrypto' }).ssl).toBe(true);
    expect(new Installation({ version: 'PostgreSQL 17.0', libs: '-lpgcommon -lz' }).ssl).toBe(false);
    expect(new Installation({ version: 'PostgreSQL 17.0', configure: "'--without-openssl'", libs: '-lssl' }).ssl).toBe(false);
  });

  it.each<[string, unknown, string | null]>([
    ['a path', '/usr/lib/postgresql/15/bin/pg_config', null],
    ['null', null, null],
    ['an array', [], null],
    ['no version', { bindir: '/usr/bin' }, 'version'],
    ['an unreadable version', { version: 'Postgres fifteen' }, 'version'],
    ['a non-string value', { version: 'PostgreSQL 15.1', bindir: 42 }, 'bindir'],
  ])('refuses %s with InstallationInfoError', (_label, info, key) => {
    try {
      new Installation(info as never);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InstallationInfoError);
      expect(error).toMatchObject({ code: 'INVALID_INSTALLATION_INFO', key });
    }
  });

  it('serialises to JSON with its version, paths and options', () => {
    const inst = new Installation({ version: 'PostgreSQL 16beta2', configure: "'--enable-debug'" });
    expect(JSON.parse(JSON.stringify(inst))).toMatchObject({
      version: 'PostgreSQL 16beta2',
      versionInfo: { major: 16, state: 'beta', level: 2 },
      ssl: false,
      hasServer: false,
      configureOptions: { enable_debug: true },
      paths: { bindir: null, psql: null },
    });
  });
});

describe('Installation.fingerprint', () => {
  it('is stable for the same binaries and changes when postgres is replaced or the version differs', async () => {
    const root = join(scratch.dir, 'fingerprint');
    const { text, bindir } = materialise(readFixture('source-build-debug-cassert'), root, serverPrograms);
    const info = parsePgConfig(text);
    const first = await new Installation(info).fingerprint();
    expect(first).toMatch(/^[0-9a-f]{32}$/);
    expect(await new Installation(info).fingerprint()).toBe(first);
    expect(await new Installation({ ...info, version: 'PostgreSQL 17.3' }).fingerprint()).not.toBe(first);
    utimesSync(join(bindir, 'postgres'), new Date('2020-01-01T00:00:00Z'), new Date('2020-01-01T00:00:00Z'));
    expect(await new Installation(info).fingerprint()).not.toBe(first);
  });

  it('sees through a symlinked bin directory', async () => {
    const root = join(scratch.dir, 'fingerprint-link');
    const { text, bindir } = materialise(readFixture('homebrew-14'), root, serverPrograms);
    const link = join(scratch.dir, 'opt-postgresql@14-bin');
    symlinkSync(bindir, link);
    const info = parsePgConfig(text);
    expect(await new Installation({ ...info, bindir: link }).fingerprint()).toBe(await new Installation(info).fingerprint());
  });

  it('works for a faux installation without programs', async () => {
    expect(await new Installation({ version: 'PostgreSQL 9.0devel' }).fingerprint()).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('Installation.fromPgConfig', () => {
  it('passes pg_config errors through', async () => {
    const path = writeFakePgConfig(join(scratch.dir, 'broken', 'pg_config'), '', { exitCode: 2, stderr: 'broken' });
    await expect(Installation.fromPgConfig(path)).rejects.toMatchObject({ code: 'PG_CONFIG_FAILED', exitCode: 2, stderr: 'broken' });
  });
});
