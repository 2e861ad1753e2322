// The template copy as root, when the template is not the new server's user's (a template built
// for `postgres` given to a cluster run as another user): root copies it itself. The folder the
// copy goes into is that user's, who could plant the target as a link (root then copied into
// whatever it pointed to, leaving files of its choosing there) or swap a folder for a link while
// root gave the copy away. The copy is made in a folder only root can enter, then renamed in.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTree, resolveRunAs, type RunAsUser } from '../../../src/control/index.js';
import { Installation } from '../../../src/installation/index.js';
import { createTemporaryCluster, waitForCleanup } from '../../../src/throwaway/index.js';
import { systemBindir } from '../../helpers/scratch-server.js';
import { copyDirectory } from '../../../src/throwaway/copy-directory.js';
import { isRoot, makeVictim } from '../../helpers/server-user.js';

const OTHER_USER = 'pgcluster-ci';
let scratch: string;
let owner: RunAsUser;

beforeAll(async () => {
  scratch = mkdtempSync('/tmp/pgct-copy-');
  chmodSync(scratch, 0o755);
  owner = (await resolveRunAs(OTHER_USER))!;
});
afterAll(async () => {
  await waitForCleanup();
  if (scratch !== undefined) await removeTree(scratch);
});

/** A template-like tree of the server user `postgres`, a staging folder of ours, and a folder of the new owner to copy into. */
function layout(name: string): { source: string; staging: string; home: string } {
  const base = join(scratch, name);
  const source = join(base, 'template', 'data');
  mkdirSync(join(source, 'base', '1'), { recursive: true });
  writeFileSync(join(source, 'PG_VERSION'), '15\n');
  writeFileSync(join(source, 'base', '1', '1259'), 'x');
  chmodSync(join(base, 'template'), 0o755);
  execFileSync('chown', ['-R', 'postgres:postgres', source]);
  const staging = join(base, 'clusters');
  mkdirSync(staging, { mode: 0o755 });
  const home = join(staging, 'cluster');
  mkdirSync(home, { mode: 0o700 });
  chownSync(home, owner.uid, owner.gid);
  return { source, staging, home };
}

describe.skipIf(!isRoot)('copyDirectory as root, for another user than the template\'s (root only: the boundary)', () => {
  it('the target planted as a link to a root-owned folder: UNSAFE_DIRECTORY, nothing copied there, no staging folder left', async () => {
    const victim = makeVictim();
    try {
      const { source, staging, home } = layout('planted');
      symlinkSync(victim.path, join(home, 'data'));
      await expect(copyDirectory(source, join(home, 'data'), owner, { staging })).rejects.toMatchObject({ name: 'TemporaryClusterError', code: 'UNSAFE_DIRECTORY', path: join(home, 'data') });
      expect(readdirSync(victim.path)).toEqual(['precious.txt']);
      expect(readdirSync(staging)).toEqual(['cluster']);
    } finally {
      victim.cleanup();
    }
  });

  it('an ordinary copy: in place, every entry the new owner\'s, no staging folder left', async () => {
    const { source, staging, home } = layout('plain');
    const target = join(home, 'data');
    expect(await copyDirectory(source, target, owner, { staging })).toBe('cp');
    for (const path of [target, join(target, 'PG_VERSION'), join(target, 'base', '1', '1259')]) expect(lstatSync(path).uid).toBe(owner.uid);
    expect(readdirSync(staging)).toEqual(['cluster']);
  });

  it(`end to end: a template built for postgres, then a cluster run as ${OTHER_USER}: it runs on its own copy, and no staging folder is left`, { timeout: 60_000 }, async () => {
    const installation = await Installation.fromPgConfig(join(systemBindir(), 'pg_config'));
    const storage = join(scratch, 'storage');
    await (await createTemporaryCluster({ installation, storage })).dispose();
    await using cluster = await createTemporaryCluster({ installation, storage, runAs: OTHER_USER });
    expect(lstatSync(cluster.dataDirectory).uid).toBe(owner.uid);
    expect(await cluster.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    const clusters = join(cluster.directory, '..');
    expect(readdirSync(clusters).filter((name) => name.startsWith('.copy-'))).toEqual([]);
  });
});
