// What createHaCluster refuses before it starts anything: a missing program (with the Debian
// package to install), an installation Patroni cannot work with, bad options.
import { describe, expect, it } from 'vitest';
import { createHaCluster, HaError, HaPackageMissingError } from '../../../src/ha/index.js';
import { Installation } from '../../../src/installation/index.js';
import { npmBindir } from '../../helpers/scratch-server.js';

const present = { patroni: '/bin/true', etcd: '/bin/true', tini: '/bin/true' };

describe('createHaCluster: refused before anything starts', () => {
  it.each([
    ['patroni', 'patroni'],
    ['etcd', 'etcd-server'],
    ['tini', 'tini'],
  ] as const)('a missing %s names the package %s', async (program, packageName) => {
    const error = await createHaCluster({ programs: { ...present, [program]: `/nonexistent/${program}` } }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HaPackageMissingError);
    expect(error).toMatchObject({ code: 'HA_PACKAGE_MISSING', program: `/nonexistent/${program}`, package: packageName });
    expect((error as Error).message).toContain(`apt-get install ${packageName}`);
  });

  it('etcd is not needed with a DCS of the caller', async () => {
    const error = await createHaCluster({ dcs: { etcd3: { hosts: ['127.0.0.1:1'] } }, programs: { ...present, etcd: '/nonexistent/etcd', patroni: '/nonexistent/patroni' } }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'HA_PACKAGE_MISSING', package: 'patroni' });
  });

  it('an installation without pg_basebackup, pg_rewind and pg_controldata (the npm binaries) is HA_INSTALLATION_INCOMPLETE', async () => {
    const installation = await Installation.fromBinDir(npmBindir(16));
    const error = await createHaCluster({ installation, programs: present }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HaError);
    expect(error).toMatchObject({ code: 'HA_INSTALLATION_INCOMPLETE' });
    expect((error as Error).message).toMatch(/has no `pg_basebackup`, `pg_rewind`, `pg_controldata`, which Patroni needs/);
  });

  it('bad options get the expected(...) message', async () => {
    await expect(createHaCluster({ members: 0 })).rejects.toThrow('Expected `members` to be a whole number from 1 to 9, got `0`');
    await expect(createHaCluster({ synchronous: 'yes' as never })).rejects.toThrow('Expected `synchronous` to be a boolean, got `yes`');
    await expect(createHaCluster({ dcs: 'consul' as never })).rejects.toThrow("Expected `dcs` to be `'etcd'` or `{ etcd3: { hosts } }`, got `consul`");
    await expect(createHaCluster({ timeout: -5 })).rejects.toThrow('Expected `timeout` to be a non-negative number, got `-5`');
  });
});
