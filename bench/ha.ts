// Benchmark: an HA cluster of 3 Patroni members (synchronous: true) and an etcd, on this machine.
//
//     npm run bench -- ha [--rounds 5] [--ttl 15 --loop-wait 2 --retry-timeout 6]     (bench/run.sh ha)
//
// Not a test: it asserts nothing. Measures, medians of `--rounds` (default 5):
// - time to healthy: createHaCluster() until waitForHealthy() holds (3 members, one leader, two
//   streaming replicas, one of them the sync standby), and dispose();
// - failover: SIGKILL of the leader's patroni and every postgres process ("its host is lost") until a write is
//   acknowledged by the new leader (a loop of INSERTs through connectionInfo().clientConfig(),
//   asked again after each error, every 20 ms), and until Patroni reports the new leader. The
//   killed member then rejoins (HaCluster.rejoin) before the next round.
// Timings default to the tests' (ttl 15 s, loop_wait 2 s, retry_timeout 6 s); Patroni's own are 30, 10, 10.
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { childPids } from '../src/control/index.js';
import { createHaCluster, type HaCluster } from '../src/ha/index.js';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  const value = index === -1 ? fallback : Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} takes a positive integer`);
  return value;
}
const rounds = option('--rounds', 5);
const timings = { ttl: option('--ttl', 15), loopWait: option('--loop-wait', 2), retryTimeout: option('--retry-timeout', 6) };

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function tryWrite(ha: HaCluster): Promise<boolean> {
  const client = new pg.Client({ ...ha.connectionInfo().clientConfig({ targetSessionAttrs: 'read-write' }), connectionTimeoutMillis: 1_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('INSERT INTO bench_failover DEFAULT VALUES');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const healthy: number[] = [];
const disposed: number[] = [];
for (let round = 0; round < rounds; round++) {
  const start = performance.now();
  const ha = await createHaCluster({ members: 3, synchronous: true, ...timings });
  healthy.push(performance.now() - start);
  const stop = performance.now();
  await ha.dispose();
  disposed.push(performance.now() - stop);
}

const toWrite: number[] = [];
const toLeader: number[] = [];
const ha = await createHaCluster({ members: 3, synchronous: true, ...timings });
try {
  const setup = new pg.Client(ha.connectionInfo().clientConfig());
  await setup.connect();
  await setup.query('CREATE TABLE bench_failover (id serial PRIMARY KEY)');
  await setup.end();
  for (let round = 0; round < rounds; round++) {
    const [leader] = (await ha.waitForHealthy({ timeout: 120_000 })).filter((member) => member.role === 'leader');
    for (const pid of [leader!.patroniPid!, leader!.postgresPid!, ...childPids(leader!.postgresPid!)]) process.kill(pid, 'SIGKILL');
    const killed = performance.now();
    const reported = (async () => {
      for (;;) {
        const now = await ha.leader().catch(() => null);
        if (now !== null && now.name !== leader!.name && now.timeline! > leader!.timeline!) return performance.now() - killed;
        await sleep(20);
      }
    })();
    while (!(await tryWrite(ha))) await sleep(20);
    toWrite.push(performance.now() - killed);
    toLeader.push(await reported);
    await ha.rejoin(leader!.name, { timeout: 120_000 });
  }
} finally {
  await ha.dispose();
}

console.log(`HA cluster: 3 Patroni members (synchronous), etcd, PostgreSQL, ${cpus().length} cores; ttl ${timings.ttl} s, loop_wait ${timings.loopWait} s, retry_timeout ${timings.retryTimeout} s; median of ${rounds}`);
const rows: [string, number[]][] = [
  ['createHaCluster() to healthy', healthy],
  ['dispose()', disposed],
  ['failover: kill to Patroni reporting the new leader', toLeader],
  ['failover: kill to a write acknowledged', toWrite],
];
for (const [name, values] of rows) console.log(`${name.padEnd(52)} ${(median(values) / 1000).toFixed(2).padStart(7)} s   (min ${(Math.min(...values) / 1000).toFixed(2)}, max ${(Math.max(...values) / 1000).toFixed(2)})`);
