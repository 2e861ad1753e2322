// After the Node process that owns an HA cluster dies by SIGKILL (no exit handler runs), no
// patroni, etcd or postgres of it is left: each got SIGTERM as its parent-death signal (setpriv
// --pdeathsig on tini, which passes it to Patroni, which stops its own PostgreSQL). After a
// SIGTERM, the SDK's exit cleanup stops the members, then etcd, and removes the folder.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findServerOrphans, isProcessAlive, processName, removeTree, stopProcessesSync } from '../../src/control/index.js';
import { compileSource } from '../integration/control/compile-source.js';
import { haSuiteName, hasHaPrograms, makeHaDirectory, until } from './ha-helpers.js';

interface Owned {
  node: number;
  root: string;
  etcd: number;
  patroni: number[];
  tini: number[];
  postgres: number[];
  dataDirectories: string[];
}

describe.skipIf(!hasHaPrograms)(haSuiteName('HA cluster: no orphans'), () => {
  let compiled: ReturnType<typeof compileSource>;
  let scratch: ReturnType<typeof makeHaDirectory>;
  beforeAll(() => {
    compiled = compileSource();
    scratch = makeHaDirectory();
  });
  afterAll(async () => {
    compiled?.remove();
    scratch?.remove();
  });

  it.each([
    ['SIGKILL', 'the parent-death signals'],
    ['SIGTERM', 'the exit cleanup'],
  ] as const)('after %s of the Node process (%s), no patroni, etcd or postgres of it survives', async (signal, _protection) => {
    const child = spawn(process.execPath, [join(process.cwd(), 'test', 'fixtures', 'ha', 'own-ha-cluster.mjs'), compiled.outDir, scratch.path], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    let owned: Owned | null = null;
    try {
      owned = await until('the owner to report its cluster', () => {
        if (child.exitCode !== null) throw new Error(`the owner exited: ${stderr}`);
        return stdout.includes('\n') ? (JSON.parse(stdout.split('\n')[0]!) as Owned) : null;
      }, 150_000);
      const pids = [owned.etcd, ...owned.tini, ...owned.patroni, ...owned.postgres];
      expect(pids.length).toBeGreaterThanOrEqual(1 + 2 + 2 + 2 * 4); // etcd, 2 tini, 2 patroni, 2 postmasters with children
      expect(pids.every(isProcessAlive)).toBe(true);
      expect(processName(owned.etcd)).toBe('etcd');
      expect(owned.tini.map(processName)).toEqual(['tini', 'tini']);

      const exited = once(child, 'exit');
      child.kill(signal);
      const [code, received] = (await exited) as [number | null, NodeJS.Signals | null];
      expect({ code, received }).toEqual({ code: null, received: signal });
      const killedAt = Date.now();
      await until('every process of the killed owner to be gone', () => pids.every((pid) => !isProcessAlive(pid)), 60_000);
      console.info(`[ha] all ${pids.length} processes gone ${Date.now() - killedAt} ms after ${signal} of Node`);
      for (const dataDirectory of owned.dataDirectories) expect(findServerOrphans(dataDirectory)).toEqual([]);
      // The exit cleanup also removes the folder; a SIGKILL leaves it (no handler runs), the finally below removes it.
      if (signal === 'SIGTERM') expect(existsSync(owned.root)).toBe(false);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      // Should the test fail, nothing of it stays: each Patroni stops its PostgreSQL on SIGTERM.
      if (owned !== null) {
        stopProcessesSync([...owned.tini, ...owned.patroni].filter(isProcessAlive), 'SIGTERM', 30_000);
        stopProcessesSync(owned.postgres.filter(isProcessAlive), 'SIGQUIT', 5_000);
        stopProcessesSync([owned.etcd].filter(isProcessAlive), 'SIGTERM', 5_000);
      }
      // SIGKILL leaves the folder (no exit handler ran); as root it holds the server user's files.
      if (owned !== null) await removeTree(owned.root);
    }
  });
});
