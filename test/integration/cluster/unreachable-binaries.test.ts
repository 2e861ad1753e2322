import { chmodSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Cluster, Installation } from '../../../src/index.js';
import { makeTempDir, npmBindir, TEST_TMP_PREFIX } from '../../helpers/scratch-server.js';

const isRoot = process.getuid?.() === 0;
const made: string[] = [];
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('npm binaries the server user cannot reach', () => {
  // As root the server runs as `postgres`; a project under /root keeps its node_modules out of
  // that user's reach. The Cluster runs a reachable copy of those binaries instead of failing.
  it.runIf(isRoot)('as root: init and start run from a reachable copy, and the server answers', async () => {
    const hidden = mkdtempSync(TEST_TMP_PREFIX);
    made.push(hidden);
    chmodSync(hidden, 0o700);
    cpSync(join(npmBindir(18), '..'), join(hidden, 'native'), { recursive: true, verbatimSymlinks: true });
    const installation = await Installation.fromBinDir(join(hidden, 'native', 'bin'));
    const root = makeTempDir();
    made.push(root);
    const cluster = new Cluster(installation, join(root, 'data'));
    await cluster.init({ user: 'postgres', authLocal: 'trust', noSync: true });
    try {
      await cluster.start({ settings: { listen_addresses: '', unix_socket_directories: root } });
      expect(await cluster.readyForConnections()).toBe(true);
      const pid = await cluster.pid();
      const { readlinkSync } = await import('node:fs');
      const program = readlinkSync(`/proc/${pid}/exe`);
      expect(program.startsWith(hidden)).toBe(false);
      expect(program).toMatch(/\/installations\/[0-9a-f]+\/bin\/postgres$/);
      made.push(join(program, '..', '..')); // this copy is keyed by the hidden path: drop it too
    } finally {
      await cluster.drop();
    }
  });
});
