// A throwaway cluster's folder is the server's OS user's: that user (a SQL superuser, through
// COPY … TO PROGRAM) can replace `data` by a link to another OS user's data directory. Root's
// stop() or dispose() must then not find, signal or stop that other user's server.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from '../../../src/cluster/index.js';
import { isProcessAlive, removeTree } from '../../../src/control/index.js';
import { Installation } from '../../../src/installation/index.js';
import { createTemporaryCluster, sweepLeftovers, waitForCleanup } from '../../../src/throwaway/index.js';
import { systemBindir } from '../../helpers/scratch-server.js';
import { isRoot, runAsServerUser } from '../../helpers/server-user.js';

const OTHER_USER = 'pgcluster-ci';
// Made when a test runs (root only): a run as a normal user, where every test skips, leaves nothing.
let scratch: string;
let installation: Installation;

beforeAll(async () => {
  scratch = mkdtempSync('/tmp/pgct-data-link-');
  chmodSync(scratch, 0o755);
  installation = await Installation.fromPgConfig(join(systemBindir(), 'pg_config'));
});
afterAll(async () => {
  await waitForCleanup();
  if (scratch !== undefined) await removeTree(scratch);
});

describe('stop() of a throwaway cluster whose data folder the server user re-linked', () => {
  it.skipIf(!isRoot)(`data linked to a running cluster of ${OTHER_USER}: that server lives on (root only: the boundary)`, { timeout: 120_000 }, async () => {
    const victim = new Cluster(installation, join(scratch, 'victim'), { runAs: OTHER_USER });
    await victim.init({ user: 'postgres', authLocal: 'trust', encoding: 'UTF8', locale: 'C', noSync: true });
    const started = await victim.start({ settings: { listen_addresses: '', unix_socket_directories: join(scratch, 'victim-sock'), fsync: false } });
    try {
      const cluster = await createTemporaryCluster({ installation, storage: join(scratch, 'storage') });
      const data = cluster.dataDirectory;
      // As the server's user: end its own server, move its data folder aside, link another's in.
      runAsServerUser(join(systemBindir(), 'pg_ctl'), ['stop', '-D', data, '-m', 'immediate', '-w']);
      runAsServerUser('sh', ['-c', 'mv "$1" "$1.moved" && ln -s "$2" "$1"', 'sh', data, victim.dataDirectory]);
      await cluster.dispose().catch(() => undefined);
      await waitForCleanup();
      expect(isProcessAlive(started.pid)).toBe(true);
      expect(await victim.running()).toBe(true);
    } finally {
      await victim.stop({ mode: 'immediate' }).catch(() => undefined);
    }
  });

  // A Cluster object that did not start the server (another process's, a CLI call) knows nothing
  // of where it started: it finds a server by postmaster.pid and the working directory, through
  // the link. As root it signals only a server of its run-as user.
  it.skipIf(!isRoot)(`a fresh Cluster on a data path re-linked to a running cluster of ${OTHER_USER}: stop() and reload() refuse, that server lives on (root only: the boundary)`, { timeout: 120_000 }, async () => {
    const victim = new Cluster(installation, join(scratch, 'victim-fresh'), { runAs: OTHER_USER });
    await victim.init({ user: 'postgres', authLocal: 'trust', encoding: 'UTF8', locale: 'C', noSync: true });
    const started = await victim.start({ settings: { listen_addresses: '', unix_socket_directories: join(scratch, 'victim-fresh-sock'), fsync: false } });
    try {
      const cluster = await createTemporaryCluster({ installation, storage: join(scratch, 'storage'), keep: true });
      const data = cluster.dataDirectory;
      await cluster.dispose();
      runAsServerUser('sh', ['-c', 'mv "$1" "$1.moved" && ln -s "$2" "$1"', 'sh', data, victim.dataDirectory]);
      const fresh = new Cluster(installation, data);
      expect(await fresh.running()).toBe(true); // the truth: a server answers for that path
      for (const call of [() => fresh.stop({ mode: 'immediate' }), () => fresh.kill(), () => fresh.reload()]) {
        await expect(call()).rejects.toMatchObject({ code: 'SERVER_NOT_OURS' });
      }
      expect(isProcessAlive(started.pid)).toBe(true);
      expect(await victim.running()).toBe(true);
      runAsServerUser('rm', ['-f', data]);
      await removeTree(cluster.directory);
    } finally {
      await victim.stop({ mode: 'immediate' }).catch(() => undefined);
    }
  });

  // The sweep of folders left by killed processes: the server's user writes the owner marker (a
  // dead pid) and links `data` to another user's data directory; root then found that server by
  // its postmaster.pid and working directory, and SIGQUIT it.
  it.skipIf(!isRoot)(`the sweep, with data linked to a running cluster of ${OTHER_USER}: that server lives on (root only: the boundary)`, { timeout: 120_000 }, async () => {
    const victim = new Cluster(installation, join(scratch, 'victim-sweep'), { runAs: OTHER_USER });
    await victim.init({ user: 'postgres', authLocal: 'trust', encoding: 'UTF8', locale: 'C', noSync: true });
    const started = await victim.start({ settings: { listen_addresses: '', unix_socket_directories: join(scratch, 'victim-sweep-sock'), fsync: false } });
    try {
      const cluster = await createTemporaryCluster({ installation, storage: join(scratch, 'storage'), keep: true });
      const data = cluster.dataDirectory;
      await cluster.dispose();
      const dead = Number(execFileSync('sh', ['-c', 'true & echo $!'], { encoding: 'utf8' }).trim());
      const marker = JSON.stringify({ pid: dead, startTicks: null, createdAt: '' });
      runAsServerUser('sh', ['-c', 'rm -f "$1/owner.json" && printf %s "$2" > "$1/owner.json" && mv "$1/data" "$1/data.moved" && ln -s "$3" "$1/data"', 'sh', cluster.directory, marker, victim.dataDirectory]);
      const swept = await sweepLeftovers(dirname(cluster.directory));
      expect(swept.removed).toContain(cluster.directory);
      expect(swept.stoppedServers).toEqual([]);
      expect(isProcessAlive(started.pid)).toBe(true);
      expect(await victim.running()).toBe(true);
    } finally {
      await victim.stop({ mode: 'immediate' }).catch(() => undefined);
    }
  });

  // dispose() removed the System V segment that postmaster.pid names once its pid is dead, of any
  // user: the server's user writes that file, and /proc/sysvipc/shm shows everyone's keys and ids.
  it.skipIf(!isRoot)(`postmaster.pid naming an unattached segment of ${OTHER_USER}: the segment stays (root only: the boundary)`, { timeout: 60_000 }, async () => {
    const made = execFileSync('setpriv', [`--reuid=${OTHER_USER}`, `--regid=${OTHER_USER}`, '--init-groups', '--', 'ipcmk', '-M', '4096'], { encoding: 'utf8' });
    const id = Number(/(\d+)\s*$/.exec(made.trim())![1]);
    try {
      const row = segmentRow(id)!;
      expect(row).toBeDefined();
      const cluster = await createTemporaryCluster({ installation, storage: join(scratch, 'storage') });
      const data = cluster.dataDirectory;
      runAsServerUser(join(systemBindir(), 'pg_ctl'), ['stop', '-D', data, '-m', 'immediate', '-w']);
      const dead = Number(execFileSync('sh', ['-c', 'true & echo $!'], { encoding: 'utf8' }).trim());
      const lock = [String(dead), data, '1', '5432', data, '', `${row.key} ${id}`, 'ready', ''].join('\n');
      runAsServerUser('sh', ['-c', 'printf %s "$2" > "$1"', 'sh', join(data, 'postmaster.pid'), lock]);
      await cluster.dispose();
      await waitForCleanup();
      expect(segmentRow(id)).toBeDefined();
    } finally {
      if (segmentRow(id) !== undefined) execFileSync('ipcrm', ['-m', String(id)]);
    }
  });
});

/** The row of /proc/sysvipc/shm for segment `id`: its key, or undefined when it is gone. */
function segmentRow(id: number): { key: number } | undefined {
  for (const line of readFileSync('/proc/sysvipc/shm', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/).map(Number);
    if (fields[1] === id) return { key: fields[0]! };
  }
  return undefined;
}
