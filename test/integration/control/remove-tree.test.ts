// removeTree as root, against the server's OS user swapping folders for links while the tree is
// removed (the race fs.rm loses: it removes by path). The user is `postgres`, acting as a SQL
// superuser can through COPY … TO PROGRAM.
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lookUpUser, RemovalError, removeTree, removeTreeSync } from '../../../src/control/index.js';
import { makeTempDir } from '../../helpers/scratch-server.js';
import { canSwapLinks, isRoot, makeVictim, runAsServerUser, startLinkSwapper, type Victim } from '../../helpers/server-user.js';

const made: string[] = [];
const victims: Victim[] = [];
afterEach(() => {
  for (const path of made.splice(0)) rmSync(path, { recursive: true, force: true });
  for (const victim of victims.splice(0)) victim.cleanup();
});

function victim(): Victim {
  const v = makeVictim();
  victims.push(v);
  return v;
}

/** A folder of the server's user (as root: `postgres`) with a `data` folder of its own inside. */
function serverUserTree(): { root: string; data: string } {
  const root = makeTempDir();
  made.push(root);
  const data = join(root, 'data');
  runAsServerUser('mkdir', ['-m', '700', data]);
  return { root, data };
}

describe.skipIf(!isRoot || !canSwapLinks)('removeTree as root while the server user swaps folders for links (root only: without another user there is no boundary)', () => {
  for (const [name, remove] of [
    ['removeTree', (path: string) => removeTree(path)],
    ['removeTreeSync (the exit cleanup)', async (path: string) => removeTreeSync(path)],
  ] as const) {
    it(`${name}: the root-owned folder the links point to keeps its file (the removal finishes or fails typed, never follows)`, async () => {
      const target = victim();
      // Three rounds: a path walk loses this race most of the time; one loss is enough to fail.
      for (let round = 0; round < 3; round++) {
        const { root, data } = serverUserTree();
        const swapper = startLinkSwapper(data, target.path, 100);
        try {
          await new Promise((resolve) => setTimeout(resolve, 100));
          // While the swapper runs, the removal may fail (typed, nothing followed); it must never reach the target.
          const outcome = await remove(root).catch((error: unknown) => error);
          if (outcome !== 'removed') expect(outcome).toMatchObject({ name: 'RemovalError', code: 'REMOVAL_FAILED' });
        } finally {
          await swapper.stop();
        }
        expect(readFileSync(target.file, 'utf8')).toBe('keep me\n');
        // Once the user stops, what is left goes.
        await removeTree(root);
        expect(existsSync(root)).toBe(false);
        expect(readFileSync(target.file, 'utf8')).toBe('keep me\n');
        expect(existsSync(target.path)).toBe(true);
      }
    });
  }
});

describe.skipIf(!isRoot)('removeTree as root (root only: ownership and traversal)', () => {
  it('empties a tree whose parent its owner cannot traverse (a root-only 0700 folder above it)', async () => {
    const outer = mkdtempSync('/tmp/pgct-outer-');
    made.push(outer);
    chmodSync(outer, 0o700);
    const postgres = (await lookUpUser('postgres'))!;
    const tree = join(outer, 'tree');
    mkdirSync(join(tree, 'sub'), { recursive: true });
    writeFileSync(join(tree, 'sub', 'file'), 'x');
    for (const path of [tree, join(tree, 'sub'), join(tree, 'sub', 'file')]) chownSync(path, postgres.uid, postgres.gid);
    expect(await removeTree(tree)).toBe('removed');
    expect(existsSync(tree)).toBe(false);
  });

  it('walks a root-owned folder itself and empties the folders of the server user in it as that user; links are removed, not followed', async () => {
    const target = victim();
    const top = mkdtempSync('/tmp/pgct-rootowned-');
    made.push(top);
    writeFileSync(join(top, 'owner.json'), '{}');
    symlinkSync(target.path, join(top, 'link-to-victim'));
    const { root } = serverUserTree();
    const inner = join(top, 'cluster');
    // A folder of the server user's inside the root-owned one, with a link of its own.
    runAsServerUser('sh', ['-c', `mkdir -p "$1/data/base" && ln -s "$2" "$1/data/pg_wal"`, 'sh', root, target.path]);
    // Move the user's folder under the root-owned one (root may).
    renameSync(root, inner);
    expect(await removeTree(top)).toBe('removed');
    expect(existsSync(top)).toBe(false);
    expect(readFileSync(target.file, 'utf8')).toBe('keep me\n');
  });

  it('a folder of a uid without a user entry is refused, and nothing is removed', async () => {
    const top = mkdtempSync('/tmp/pgct-nobody-');
    made.push(top);
    writeFileSync(join(top, 'file'), 'x');
    chownSync(top, 54321, 54321);
    const error = await removeTree(top).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RemovalError);
    expect(error).toMatchObject({ code: 'REMOVAL_REFUSED', path: top });
    expect(readFileSync(join(top, 'file'), 'utf8')).toBe('x');
  });
});

describe('removeTree (any user)', () => {
  it('a symbolic link is removed, never its target; a file is unlinked; a missing path is `missing`', async () => {
    const target = victim();
    const { root } = serverUserTree();
    const link = join(root, 'link');
    symlinkSync(target.path, link);
    expect(await removeTree(link)).toBe('unlinked');
    expect(existsSync(link)).toBe(false);
    expect(readFileSync(target.file, 'utf8')).toBe('keep me\n');
    expect(await removeTree(join(root, 'nothing-here'))).toBe('missing');
    expect(removeTreeSync(join(root, 'nothing-here'))).toBe('missing');
  });

  it('a tree with links inside: the links go, their targets stay', async () => {
    const target = victim();
    const { root, data } = serverUserTree();
    runAsServerUser('sh', ['-c', `mkdir -p "$1/pg_tblspc" "$1/base/1" && echo x > "$1/base/1/f" && ln -s "$2" "$1/pg_wal" && ln -s "$2" "$1/pg_tblspc/16384"`, 'sh', data, target.path]);
    expect(readlinkSync(join(data, 'pg_wal'))).toBe(target.path);
    expect(await removeTree(root)).toBe('removed');
    expect(existsSync(root)).toBe(false);
    expect(readFileSync(target.file, 'utf8')).toBe('keep me\n');
  });

  it('with `identity`, a path that is not that directory any more is left alone (`changed`)', async () => {
    const { data } = serverUserTree();
    const before = lstatSync(data, { bigint: true });
    runAsServerUser('sh', ['-c', `mv "$1" "$1.old" && mkdir "$1"`, 'sh', data]);
    expect(await removeTree(data, { identity: { dev: before.dev, ino: before.ino } })).toBe('changed');
    expect(existsSync(data)).toBe(true);
    expect(existsSync(`${data}.old`)).toBe(true);
  });
});
