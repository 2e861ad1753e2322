// Benchmark: test databases from a pool of migrated copies, against creating one per test.
//
// Run it (bench/run.sh compiles it with tsc, then runs it with node):
//
//     npm run bench -- test-databases [--rounds 25] [--tests 100] [--tables 200]
//
// Not a test: it asserts nothing. One run, on the default (system) installation:
//   1. acquire() + first query + release() from a warm pool, with ~150 ms of a test's own work
//      between acquisitions (median of --rounds), interleaved with today's nearest:
//      createDatabase({ template }) (what cloneDatabase() runs) + first query + dispose() (drop).
//   2. A suite of --tests tests, each with its own database and ~100 ms of its own work, over
//      migrations of --tables tables with two indexes and 50 rows each: a first run (empty
//      cache folder: the template is built) and a second run (the template is cached). Blocked
//      = createTestDatabases() (the cluster's start, the migration on the first run) + the
//      time tests spent waiting in acquire().
//   3. 4 worker processes × (tests / 4) tests on the second run's cluster and one shared pool.
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { performance } from 'node:perf_hooks';
import { createDatabase, createTestDatabases, type ConnectionParameters, type TestDatabase, type TestDatabases } from '../src/index.js';

const run = promisify(execFile);
const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const rounds = option('rounds', 25);
const tests = option('tests', 100);
const tables = option('tables', 200);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** ~200 tables with two indexes and 50 rows each: some 2 s of migrations on a 2-core machine. */
async function migrate(db: TestDatabase): Promise<void> {
  const count = Number(process.env['BENCH_TABLES'] ?? '200');
  const statements: string[] = [];
  for (let i = 1; i <= count; i++) {
    statements.push(
      `CREATE TABLE t${i} (id serial PRIMARY KEY, a int NOT NULL, b text NOT NULL, c timestamptz NOT NULL DEFAULT now(), d jsonb);`,
      `CREATE INDEX ON t${i} (a);`,
      `CREATE INDEX ON t${i} (b, c);`,
      `INSERT INTO t${i} (a, b) SELECT g, 'row ' || g FROM generate_series(1, 50) g;`,
    );
  }
  await db.runSql(statements.join('\n'));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

/** One test of a suite: acquire, a first query, its own work, release. */
async function runTest(dbs: TestDatabases, workMs: number): Promise<void> {
  const db = await dbs.acquire();
  await db.query('SELECT count(*) FROM t1');
  await sleep(workMs);
  await db.release();
}

// A worker process of row 3: `node test-databases.js --worker <json>`.
if (args[0] === '--worker') {
  const { cluster, count } = JSON.parse(args[1]!) as { cluster: ConnectionParameters; count: number };
  const started = performance.now();
  const dbs = await createTestDatabases({ cluster, migrate, pool: 4 });
  const setupMs = performance.now() - started;
  for (let i = 0; i < count; i++) await runTest(dbs, 100);
  await dbs.dispose();
  process.stdout.write(`${JSON.stringify({ setupMs, blockedMs: dbs.stats.blockedMs, waited: dbs.stats.waited })}\n`);
  process.exit(0);
}

process.env['BENCH_TABLES'] = String(tables);
console.log(`test-databases bench: ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GB, node ${process.version}; rounds ${rounds}, tests ${tests}, tables ${tables}`);
console.log('(the machine may be shared: compare rows of one run, not across runs)\n');

const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
// Row 1: a small template, a warm pool, 150 ms of work between acquisitions.
if (only === undefined || only === 'one') {
  const cache = mkdtempSync('/tmp/pgct-bench-tdb-');
  chmodSync(cache, 0o755);
  const small = async (db: TestDatabase) => {
    await db.runSql('CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL); INSERT INTO items (name) VALUES (\'seed\');');
  };
  const dbs = await createTestDatabases({ cacheDirectory: cache, migrate: small, pool: 4 });
  const server = dbs.connectionInfo;
  const pooled: number[] = [];
  const created: number[] = [];
  await sleep(1_000);
  for (let i = 0; i < rounds + 2; i++) {
    let t = performance.now();
    const db = await dbs.acquire();
    await db.query('SELECT count(*) FROM items');
    await db.release();
    if (i >= 2) pooled.push(performance.now() - t);
    await sleep(150);
    t = performance.now();
    const copy = await createDatabase(server, { template: dbs.template });
    await copy.query('SELECT count(*) FROM items');
    await copy.dispose();
    if (i >= 2) created.push(performance.now() - t);
    await sleep(150);
  }
  await dbs.dispose();
  rmSync(cache, { recursive: true, force: true });
  console.log('1. one test database, warm, 150 ms of work between (median of %d)', rounds);
  console.log(`   acquire() + first query + release()                    ${fmt(median(pooled))}   (min ${fmt(Math.min(...pooled))}, max ${fmt(Math.max(...pooled))})`);
  console.log(`   createDatabase({ template }) + first query + drop      ${fmt(median(created))}   (min ${fmt(Math.min(...created))}, max ${fmt(Math.max(...created))})`);
}

// Rows 2 and 3: a suite over ~2 s of migrations, first and second run, then 4 workers.
if (only === undefined || only === 'suite') {
  const cache = mkdtempSync('/tmp/pgct-bench-tdb-suite-');
  chmodSync(cache, 0o755);
  const suite = async (label: string, keep: boolean): Promise<TestDatabases> => {
    const started = performance.now();
    const dbs = await createTestDatabases({ cacheDirectory: cache, migrate, pool: 4 });
    const setupMs = performance.now() - started;
    const suiteStarted = performance.now();
    for (let i = 0; i < tests; i++) await runTest(dbs, 100);
    const wallMs = performance.now() - suiteStarted;
    const { blockedMs, waited, createMs, dropMs, createdInBackground, createdOnDemand, dropped } = dbs.stats;
    console.log(`   (${createdInBackground + createdOnDemand} created, ${fmt(createMs / Math.max(1, createdInBackground + createdOnDemand))} each; ${dropped} dropped, ${fmt(dropMs / Math.max(1, dropped))} each)`);
    console.log(`   ${label}: createTestDatabases ${fmt(setupMs)} (${dbs.wasCached ? 'cached template' : 'migrated'}) + blocked in acquire ${fmt(blockedMs)} (${waited} of ${tests} waited) = blocked ${fmt(setupMs + blockedMs)}; suite ${fmt(wallMs)} for ${fmt(tests * 100)} of work`);
    if (!keep) await dbs.dispose();
    return dbs;
  };
  console.log(`\n2. a suite of ${tests} tests, 100 ms of work each, over ${tables} tables with indexes`);
  const migrationStarted = performance.now();
  await suite('first run ', false);
  const firstMs = performance.now() - migrationStarted;
  const dbs = await suite('second run', true);
  void firstMs;

  console.log(`\n3. 4 worker processes × ${tests / 4} tests on one shared pool (the second run's cluster)`);
  const cluster = dbs.connectionInfo.toParameters({ includePassword: true });
  const started = performance.now();
  const reports = await Promise.all(
    [1, 2, 3, 4].map(async () => {
      const { stdout } = await run(process.execPath, [fileURLToPath(import.meta.url), '--worker', JSON.stringify({ cluster, count: tests / 4 })], { env: { ...process.env } });
      return JSON.parse(stdout.trim()) as { setupMs: number; blockedMs: number; waited: number };
    }),
  );
  const wallMs = performance.now() - started;
  const blocked = reports.reduce((sum, r) => sum + r.blockedMs, 0);
  const setup = reports.reduce((sum, r) => sum + r.setupMs, 0);
  console.log(`   wall ${fmt(wallMs)} for ${fmt((tests / 4) * 100)} of work per worker; blocked in acquire ${fmt(blocked)} in total (${reports.map((r) => r.waited).join('/')} waited), setup ${fmt(setup / 4)} per worker`);
  await dbs.dispose();
  rmSync(cache, { recursive: true, force: true });
}
