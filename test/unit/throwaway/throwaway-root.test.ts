import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensurePrivateDirectory, resolveThrowawayRoot } from '../../../src/throwaway/throwaway-root.js';

const scratch = mkdtempSync('/tmp/pgct-root-');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const isRoot = process.getuid?.() === 0;

describe('ensurePrivateDirectory', () => {
  it('creates a folder only its owner can write, traversable by others when shared', async () => {
    const path = await ensurePrivateDirectory(join(scratch, 'a'));
    expect(statSync(path).mode & 0o777).toBe(0o700);
    expect(statSync(await ensurePrivateDirectory(join(scratch, 'b'), { shared: true })).mode & 0o777).toBe(0o755);
  });

  it('refuses a folder others can write and a symbolic link', async () => {
    mkdirSync(join(scratch, 'open'));
    chmodSync(join(scratch, 'open'), 0o777);
    await expect(ensurePrivateDirectory(join(scratch, 'open'))).rejects.toMatchObject({ code: 'UNSAFE_DIRECTORY', path: join(scratch, 'open') });
    symlinkSync(join(scratch, 'a'), join(scratch, 'link'));
    await expect(ensurePrivateDirectory(join(scratch, 'link'))).rejects.toThrow(/is not a directory/);
  });
});

describe('resolveThrowawayRoot', () => {
  it('takes an absolute path as it is, and refuses a relative one', async () => {
    const root = await resolveThrowawayRoot(join(scratch, 'custom'));
    expect(root.path).toBe(join(scratch, 'custom'));
    expect(statSync(root.path).mode & 0o777).toBe(isRoot ? 0o755 : 0o700);
    await expect(resolveThrowawayRoot('relative/dir')).rejects.toThrow(/Expected `storage`/);
  });

  it('puts `disk` under /var/tmp in a folder named after the uid', async () => {
    const root = await resolveThrowawayRoot('disk');
    expect(root).toEqual({ path: `/var/tmp/pg-cluster-${process.getuid?.()}`, isMemory: false });
  });
});
