import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertAccessible, canCreateIn, lookUpUser, resolveRunAs, RunAsError } from '../../../src/control/index.js';

const isRoot = process.getuid?.() === 0;
const dir = mkdtempSync(join(tmpdir(), 'pgct-unit-'));
chmodSync(dir, 0o755);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A user that owns nothing here and belongs to no group that does: permissions come from "other".
const stranger = { user: 'stranger', uid: 4_000_001, gid: 4_000_001, groups: [4_000_001] };

describe('resolveRunAs', () => {
  it.runIf(isRoot)('as root: postgres by default, an explicit user, and errors that say what to do', async () => {
    expect(await resolveRunAs()).toMatchObject({ user: 'postgres', uid: expect.any(Number) });
    expect((await resolveRunAs('postgres'))!.groups).toContain((await lookUpUser('postgres'))!.gid);
    await expect(resolveRunAs(null)).rejects.toMatchObject({ code: 'RUN_AS_REQUIRED' });
    await expect(resolveRunAs('root')).rejects.toMatchObject({ code: 'RUN_AS_REQUIRED', user: 'root' });
    await expect(resolveRunAs('no_such_user_pgct')).rejects.toMatchObject({ code: 'RUN_AS_USER_NOT_FOUND' });
  });

  it.runIf(!isRoot)('not root: null (run as myself), also when naming myself; another user is refused', async () => {
    expect(await resolveRunAs()).toBeNull();
    expect(await resolveRunAs(null)).toBeNull();
    expect(await resolveRunAs(userInfo().username)).toBeNull();
    const error = await resolveRunAs('root').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunAsError);
    expect(error).toMatchObject({ code: 'RUN_AS_NOT_PERMITTED', user: 'root' });
  });
});

describe('assertAccessible and canCreateIn', () => {
  it('names the first folder the user cannot search', () => {
    const closed = join(dir, 'closed');
    mkdirSync(join(closed, 'inner'), { recursive: true });
    chmodSync(closed, 0o700);
    const error = (() => {
      try {
        assertAccessible(join(closed, 'inner', 'data'), stranger);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toMatchObject({ code: 'PATH_NOT_ACCESSIBLE', path: closed, user: 'stranger' });
    expect((error as Error).message).toContain(`chmod o+x ${closed}`);
  });

  it('passes open folders and folders that do not exist yet, and checks a program is executable', () => {
    const open = join(dir, 'open');
    mkdirSync(open, { mode: 0o755 });
    expect(() => assertAccessible(join(open, 'missing', 'data'), stranger)).not.toThrow();
    const program = join(open, 'program');
    writeFileSync(program, '#!/bin/sh\n', { mode: 0o700 });
    expect(() => assertAccessible(program, stranger, 'execute')).toThrow(/cannot run/);
    chmodSync(program, 0o755);
    expect(() => assertAccessible(program, stranger, 'execute')).not.toThrow();
  });

  it('canCreateIn needs write and search permission', () => {
    const shared = join(dir, 'shared');
    mkdirSync(shared, { mode: 0o755 });
    expect(canCreateIn(shared, stranger)).toBe(false);
    chmodSync(shared, 0o1777);
    expect(canCreateIn(shared, stranger)).toBe(true);
    expect(canCreateIn(join(dir, 'missing'), stranger)).toBe(false);
  });
});
