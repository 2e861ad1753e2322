import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTemporaryCluster, type TemporaryCluster } from '../../../src/index.js';
import { compileThrowaway, removeCompiled } from '../throwaway/compile-throwaway.js';

const run = promisify(execFile);
const worker = join(import.meta.dirname, 'fixtures', 'test-databases-worker.mjs');
let compiled = '';
let scratch = '';

beforeAll(() => {
  compiled = compileThrowaway('src/index.ts');
  scratch = mkdtempSync('/tmp/pgct-tdb-processes-');
  chmodSync(scratch, 0o755);
});

afterAll(() => {
  removeCompiled(compiled);
  rmSync(scratch, { recursive: true, force: true });
});

interface MigrateReport {
  wasCached: boolean;
  template: string;
  items: number;
}

/** Runs the worker as another Node process; `log` is the file its migration appends a line to per run. */
async function runWorker<T>(command: string, args: object, log: string): Promise<T> {
  const { stdout } = await run(process.execPath, [worker, compiled, command, JSON.stringify(args)], { env: { ...process.env, PGCT_MIGRATIONS_LOG: log } });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as T;
}

function migrationsRun(log: string): number {
  return readFileSync(log, 'utf8').split('\n').filter((line) => line !== '').length;
}

/** A project folder with a migration file that keys the template, its own cache folder and migration log. */
function makeProject(name: string): { cwd: string; cacheDirectory: string; log: string } {
  const cwd = join(scratch, name);
  mkdirSync(join(cwd, 'migrations'), { recursive: true });
  writeFileSync(join(cwd, 'migrations', '001.sql'), 'CREATE TABLE a (id int);\n');
  const log = join(scratch, `${name}.log`);
  writeFileSync(log, '');
  return { cwd, cacheDirectory: join(scratch, `${name}-cache`), log };
}

describe('migrated templates across processes', () => {
  it('a second process starts from the cached template and runs no migration', async () => {
    const { cwd, cacheDirectory, log } = makeProject('reuse');
    const args = { cacheDirectory, hashFiles: ['migrations/**'], cwd };
    const first = await runWorker<MigrateReport>('migrate', args, log);
    expect(first).toMatchObject({ wasCached: false, items: 1 });
    expect(migrationsRun(log)).toBe(1);
    const second = await runWorker<MigrateReport>('migrate', args, log);
    expect(second).toEqual({ ...first, wasCached: true });
    expect(migrationsRun(log)).toBe(1);
  });

  // Five processes that each start a cluster (four of them build one): slow on a loaded machine.
  it('a changed hashed file builds a new template, and old ones are pruned beyond keepTemplates', { timeout: 240_000 }, async () => {
    const { cwd, cacheDirectory, log } = makeProject('rebuild');
    const args = { cacheDirectory, hashFiles: ['migrations/**'], cwd, keepTemplates: 2 };
    const first = await runWorker<MigrateReport>('migrate', args, log);
    writeFileSync(join(cwd, 'migrations', '002.sql'), 'CREATE TABLE b (id int);\n');
    const second = await runWorker<MigrateReport>('migrate', args, log);
    expect(second.wasCached).toBe(false);
    expect(second.template).not.toBe(first.template);
    expect(migrationsRun(log)).toBe(2);
    // Back to the first contents: that template is still cached, and now the most recently used.
    rmSync(join(cwd, 'migrations', '002.sql'));
    expect(await runWorker<MigrateReport>('migrate', args, log)).toEqual({ ...first, wasCached: true });
    expect(migrationsRun(log)).toBe(2);
    // A third version: 2 are kept (the third and the first), the second is pruned and built again when asked for.
    writeFileSync(join(cwd, 'migrations', '003.sql'), 'CREATE TABLE t3 (id int);\n');
    await runWorker<MigrateReport>('migrate', args, log);
    rmSync(join(cwd, 'migrations', '003.sql'));
    expect(migrationsRun(log)).toBe(3);
    expect(readdirSync(join(cacheDirectory, 'test-databases')).filter((name) => !name.startsWith('.'))).toHaveLength(2);
    writeFileSync(join(cwd, 'migrations', '002.sql'), 'CREATE TABLE b (id int);\n');
    expect(await runWorker<MigrateReport>('migrate', args, log)).toMatchObject({ template: second.template, wasCached: false });
    expect(migrationsRun(log)).toBe(4);
  });

  it('concurrent builders of one key build it once; the others wait and use it', async () => {
    const { cwd, cacheDirectory, log } = makeProject('concurrent');
    const args = { cacheDirectory, hashFiles: ['migrations/**'], cwd };
    const reports = await Promise.all([1, 2, 3].map(() => runWorker<MigrateReport>('migrate', args, log)));
    expect(migrationsRun(log)).toBe(1);
    expect(reports.filter((report) => !report.wasCached)).toHaveLength(1);
    expect(new Set(reports.map((report) => report.template)).size).toBe(1);
  });

  it('breaks a build lock whose owner is gone, and builds', async () => {
    const { cwd, cacheDirectory, log } = makeProject('stale-lock');
    const args = { cacheDirectory, hashFiles: ['migrations/**'], cwd };
    await runWorker<MigrateReport>('migrate', args, log);
    const folder = join(cacheDirectory, 'test-databases');
    const [key] = readdirSync(folder).filter((name) => !name.startsWith('.'));
    rmSync(join(folder, key!), { recursive: true });
    // The lock of a builder that was killed: a pid that no longer runs.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    mkdirSync(join(folder, `${key}.lock`));
    writeFileSync(join(folder, `${key}.lock`, 'owner.json'), `${JSON.stringify({ pid: Number(dead), startTicks: null, createdAt: new Date().toISOString() })}\n`);
    expect((await runWorker<MigrateReport>('migrate', args, log)).wasCached).toBe(false);
    expect(migrationsRun(log)).toBe(2);
    expect(readdirSync(folder).sort()).toEqual([key]);
  });
});

describe('one pool shared by 4 worker processes', () => {
  let cluster: TemporaryCluster;
  beforeAll(async () => {
    cluster = await createTemporaryCluster({ settings: { max_connections: 100 } }); // 4 workers × (pool + 4) connections: more than a throwaway cluster's 20
  });
  afterAll(async () => {
    await cluster?.dispose();
  });

  it('never hands one database to two workers, builds the template once, and leaves no database behind', async () => {
    const log = join(scratch, 'pool.log');
    writeFileSync(log, '');
    const args = { cluster: cluster.connectionInfo.toParameters({ includePassword: true }), pool: 4, count: 10, workMs: 20 };
    const reports = await Promise.all([1, 2, 3, 4].map(() => runWorker<{ names: string[] }>('pool', args, log)));
    const names = reports.flatMap((report) => report.names);
    expect(names).toHaveLength(40);
    expect(new Set(names).size).toBe(40);
    expect(migrationsRun(log)).toBe(1);
    const left = await cluster.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'tdb%'");
    expect(left).toEqual([]);
    expect(await cluster.query('SELECT name, state FROM pgcluster.databases')).toEqual([]);
  });
});
