// Benchmark: provision() on a running PostgreSQL (a throwaway cluster of the default
// installation), first time and as an idempotent repeat.
//
//     npm run bench -- provision [--rounds 10]     (bench/run.sh provision)
//
// Not a test: it asserts nothing. Each round provisions a new client (login user, schema user,
// database, two roles, citext and pg_trgm), then repeats the same request (which changes
// nothing), then a repeat of a request with no extensions and no roles (the floor: lock, checks,
// grants). Medians of `--rounds` rounds (default 10). The credentials file is in a temporary folder.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FileCredentialsStore, provision } from '../src/provision/index.js';
import { createTemporaryCluster } from '../src/throwaway/index.js';

const roundsIndex = process.argv.indexOf('--rounds');
const rounds = roundsIndex === -1 ? 10 : Number(process.argv[roundsIndex + 1]);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds takes a positive integer');

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const time = async (work: () => Promise<unknown>): Promise<number> => {
  const start = performance.now();
  await work();
  return performance.now() - start;
};

const state = mkdtempSync(join(tmpdir(), 'pgct-bench-state-'));
const credentials = new FileCredentialsStore(join(state, 'credentials.json'));
const cluster = await createTemporaryCluster();
const rows: Record<string, number[]> = { 'first provision (roles, citext, pg_trgm)': [], 'idempotent repeat': [], 'first provision (bare)': [], 'idempotent repeat (bare)': [] };
try {
  for (let round = 0; round < rounds; round++) {
    const full = { client: `bench_full_${round}`, roles: ['bench_reporting', `bench_r_${round}`], extensions: ['citext', 'pg_trgm'], credentials };
    const bare = { client: `bench_bare_${round}`, credentials };
    rows['first provision (roles, citext, pg_trgm)']!.push(await time(() => provision(cluster, full)));
    rows['idempotent repeat']!.push(await time(() => provision(cluster, full)));
    rows['first provision (bare)']!.push(await time(() => provision(cluster, bare)));
    rows['idempotent repeat (bare)']!.push(await time(() => provision(cluster, bare)));
  }
} finally {
  await cluster.dispose();
  rmSync(state, { recursive: true, force: true });
}
console.log(`provision() on PostgreSQL ${cluster.installation.versionInfo.major}, ${cpus().length} cores, median of ${rounds} rounds`);
for (const [name, values] of Object.entries(rows)) console.log(`${name.padEnd(42)} ${median(values).toFixed(1).padStart(8)} ms   (min ${Math.min(...values).toFixed(1)}, max ${Math.max(...values).toFixed(1)})`);
