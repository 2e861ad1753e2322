// Benchmark: replication changes on PostgreSQL 15 (the system installation): the time from the
// primary's death (SIGKILL of its postmaster) to a promoted standby that has committed a first
// row, with one standby and with two (the second re-pointed and streaming again before
// failover() resolves); and a switchover (fast shutdown, shutdown checkpoint replayed, promote,
// the old primary streaming as a standby).
//
//     npm run bench -- failover [--rounds 5]     (bench/run.sh failover)
//
// Not a test: it asserts nothing. Each round builds a fresh primary (persistent Cluster on
// 127.0.0.1 and a socket) with its standbys (createStandby, pg_basebackup) in a temporary folder,
// writes 10,000 rows, and measures. Medians of `--rounds` rounds (default 5).
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Cluster } from '../src/cluster/index.js';
import { isProcessAlive } from '../src/control/index.js';
import { Installation } from '../src/installation/index.js';
import { FileCredentialsStore } from '../src/provision/index.js';
import { createStandby, failover, switchover } from '../src/replication/index.js';

const roundsIndex = process.argv.indexOf('--rounds');
const rounds = roundsIndex === -1 ? 5 : Number(process.argv[roundsIndex + 1]);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds takes a positive integer');

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const freePort = async (): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

const installation = await Installation.fromBinDir('/usr/lib/postgresql/15/bin');

/** A primary with `count` standbys in a fresh folder; `dispose` stops them all and removes it. */
async function topology(count: number) {
  const root = await mkdtemp(join(tmpdir(), 'pgct-bench-failover-'));
  await chmod(root, 0o755); // the server's OS user (as root: postgres) makes its folders in it
  const credentials = new FileCredentialsStore(join(root, 'state', 'credentials.json'));
  const socketDirectory = join(root, 'sock');
  const primary = new Cluster(installation, join(root, 'a'));
  const clusters = [primary];
  await primary.init({ user: 'postgres', authLocal: 'trust', locale: 'C', noSync: true });
  await primary.start({ settings: { listen_addresses: '127.0.0.1', port: await freePort(), unix_socket_directories: socketDirectory } });
  const client = await primary.connect();
  await client.query('CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 10000)');
  await client.end();
  const standbys: Cluster[] = [];
  for (const name of ['b', 'c'].slice(0, count)) {
    const standby = await createStandby(primary, join(root, name), { name, slot: true, restartPrimary: true, socketDirectory, credentials });
    standbys.push(standby);
    clusters.push(standby);
  }
  return {
    primary,
    standbys,
    credentials,
    async dispose() {
      for (const cluster of clusters) await cluster.stop({ mode: 'immediate' }).catch(() => undefined);
      await rm(root, { recursive: true, force: true });
    },
  };
}

async function killToWritable(count: number): Promise<number> {
  const { primary, standbys, dispose } = await topology(count);
  try {
    const pid = (await primary.pid())!;
    const start = performance.now();
    process.kill(pid, 'SIGKILL');
    while (isProcessAlive(pid)) await new Promise((resolve) => setTimeout(resolve, 1));
    const promoted = await failover(standbys, { timeout: 60_000 });
    const client = await promoted.connect();
    await client.query('INSERT INTO t VALUES (0)');
    await client.end();
    const elapsed = performance.now() - start;
    await primary.stop(); // the crash cleanup: the dead postmaster's children and shared memory
    return elapsed;
  } finally {
    await dispose();
  }
}

async function switchoverTime(): Promise<number> {
  const { primary, standbys, credentials, dispose } = await topology(1);
  try {
    const start = performance.now();
    await switchover(primary, standbys[0]!, { credentials, timeout: 60_000 });
    return performance.now() - start;
  } finally {
    await dispose();
  }
}

const rows: Record<string, number[]> = {
  'primary death → writable (1 standby)': [],
  'primary death → writable (2 standbys, 1 re-pointed)': [],
  'switchover (1 standby)': [],
};
for (let round = 0; round < rounds; round++) {
  rows['primary death → writable (1 standby)']!.push(await killToWritable(1));
  rows['primary death → writable (2 standbys, 1 re-pointed)']!.push(await killToWritable(2));
  rows['switchover (1 standby)']!.push(await switchoverTime());
}
console.log(`failover() and switchover() on PostgreSQL ${installation.versionInfo.major}, ${cpus().length} cores, median of ${rounds} rounds`);
for (const [name, values] of Object.entries(rows)) console.log(`${name.padEnd(52)} ${median(values).toFixed(1).padStart(8)} ms   (min ${Math.min(...values).toFixed(1)}, max ${Math.max(...values).toFixed(1)})`);
