import { chmodSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Installation, reachableInstallation, resolveRunAs, runCommand, RunAsError } from '../../../src/index.js';
import { npmBindir, TEST_TMP_PREFIX } from '../../helpers/scratch-server.js';

const isRoot = process.getuid?.() === 0;
const made: string[] = [];
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('reachableInstallation', () => {
  it('returns the installation itself when no other OS user runs the server', async () => {
    const installation = await Installation.fromBinDir(npmBindir(18));
    expect(await reachableInstallation(installation, null)).toBe(installation);
  });

  it.runIf(isRoot)('as root, copies npm binaries the server user cannot reach into a cache it can, once', async () => {
    const user = (await resolveRunAs())!;
    const hidden = mkdtempSync(TEST_TMP_PREFIX);
    made.push(hidden);
    chmodSync(hidden, 0o700); // like /root: postgres cannot traverse it
    cpSync(join(npmBindir(18), '..'), join(hidden, 'native'), { recursive: true, verbatimSymlinks: true });
    const installation = await Installation.fromBinDir(join(hidden, 'native', 'bin'));
    const cacheParent = mkdtempSync(TEST_TMP_PREFIX);
    made.push(cacheParent);
    chmodSync(cacheParent, 0o755);
    const cacheRoot = join(cacheParent, 'installations');

    const reachable = await reachableInstallation(installation, user, { cacheRoot });
    expect(reachable.paths.bindir!.startsWith(cacheRoot)).toBe(true);
    expect(reachable.version).toBe(installation.version);
    const { stdout } = await runCommand('setpriv', [
      `--reuid=${user.uid}`,
      `--regid=${user.gid}`,
      '--init-groups',
      '--',
      reachable.paths.postgres!,
      '--version',
    ]);
    expect(stdout).toMatch(/\(PostgreSQL\) 18\./);
    // A second call reuses the copy.
    const again = await reachableInstallation(installation, user, { cacheRoot });
    expect(again.paths.bindir).toBe(reachable.paths.bindir);
  });

  it.runIf(isRoot)('as root, reports PATH_NOT_ACCESSIBLE for an installation that cannot be relocated', async () => {
    const user = (await resolveRunAs())!;
    const hidden = mkdtempSync(TEST_TMP_PREFIX);
    made.push(hidden);
    chmodSync(hidden, 0o700);
    // A Debian-style installation: its share directory lies outside the bin directory's prefix.
    cpSync('/usr/lib/postgresql/15/bin/postgres', join(hidden, 'postgres'));
    const withProgram = new Installation({ version: 'PostgreSQL 15.18', bindir: hidden, sharedir: '/usr/share/postgresql/15' });
    expect(withProgram.paths.postgres).toBe(join(hidden, 'postgres'));
    const error = await reachableInstallation(withProgram, user).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunAsError);
    expect((error as RunAsError).code).toBe('PATH_NOT_ACCESSIBLE');
  });
});
