// Benchmark: time to a streaming standby, on both base-backup paths, for a 40 MB and a 400 MB
// database; and time from the primary's death (SIGKILL) to a promoted standby that takes writes.
//
//     npm run bench -- replication [--sizes 40,400] [--npm-major 17]     (bench/run.sh replication)
//
// Not a test: it asserts nothing. For each path (system PostgreSQL 15: pg_basebackup; an npm
// major: the low-level backup API and a cp -a) and size, a throwaway primary is filled with rows
// until its database is that large (pg_database_size), then createStandby() runs with
// restartPrimary (the throwaway settings need a restart; its own time is given apart: the
// `primary-restart` to `base-backup` events), then the primary is killed and the standby promoted.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Installation } from '../src/installation/index.js';
import { FileCredentialsStore } from '../src/provision/index.js';
import { createStandby, promote, type ReplicationEvent } from '../src/replication/index.js';
import { createTemporaryCluster } from '../src/throwaway/index.js';
import type { Cluster } from '../src/cluster/index.js';

const option = (name: string, fallback: string): string => {
  const index = process.argv.indexOf(name);
  return index === -1 ? fallback : process.argv[index + 1]!;
};
const sizes = option('--sizes', '40,400').split(',').map(Number);
const npmMajor = Number(option('--npm-major', '17'));

const installations: Array<[string, Installation]> = [
  ['pg_basebackup (15)', await Installation.fromBinDir('/usr/lib/postgresql/15/bin')],
  [`low-level copy (${npmMajor})`, await Installation.fromBinDir(join(process.cwd(), 'node_modules', `pg-bin-${npmMajor}`, 'native', 'bin'))],
];

console.log(`createStandby() to streaming, ${cpus().length} cores`);
for (const [label, installation] of installations) {
  for (const megabytes of sizes) {
    const state = mkdtempSync(join(tmpdir(), 'pgct-bench-state-'));
    const credentials = new FileCredentialsStore(join(state, 'credentials.json'));
    const primary = await createTemporaryCluster({ installation, timeout: 600_000 });
    let standby: Cluster | null = null;
    try {
      const client = await primary.connect();
      await client.query('CREATE TABLE filler (id int, body text)');
      for (;;) {
        const { rows } = await client.query<{ size: string }>('SELECT pg_database_size(current_database())::text AS size');
        const missing = megabytes * 1024 * 1024 - Number(rows[0]!.size);
        if (missing <= 0) break;
        // About 1.1 kB a row on disk.
        await client.query("INSERT INTO filler SELECT g, repeat(md5(g::text), 32) FROM generate_series(1, $1) g", [Math.max(1000, Math.ceil(missing / 1150))]);
      }
      const size = Number((await client.query<{ size: string }>('SELECT pg_database_size(current_database())::text AS size')).rows[0]!.size);
      await client.end();
      const events: Array<ReplicationEvent & { at: number }> = [];
      const start = performance.now();
      standby = await createStandby(primary, join(primary.directory, 'standby'), {
        restartPrimary: true, credentials, timeout: 600_000, socketDirectory: primary.directory,
        log: (event) => events.push({ ...event, at: performance.now() }),
      });
      const total = performance.now() - start;
      const restart = events.find((e) => e.type === 'primary-restart');
      const backup = events.find((e) => e.type === 'base-backup') as { durationMs: number; at: number } | undefined;
      const restartMs = restart === undefined || backup === undefined ? 0 : backup.at - backup.durationMs - restart.at;
      await primary.kill();
      const died = performance.now();
      await promote(standby, { timeout: 60_000 });
      const promoteMs = performance.now() - died;
      console.log(
        `${label.padEnd(22)} ${(size / 1024 / 1024).toFixed(0).padStart(4)} MB   to streaming ${total.toFixed(0).padStart(6)} ms` +
          `   (base backup ${backup?.durationMs.toFixed(0) ?? '?'} ms, primary restart ~${restartMs.toFixed(0)} ms)   SIGKILL to writable promoted ${promoteMs.toFixed(0)} ms`,
      );
    } finally {
      await standby?.stop({ mode: 'immediate' }).catch(() => undefined);
      await primary.dispose();
      rmSync(state, { recursive: true, force: true });
    }
  }
}
