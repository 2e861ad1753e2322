import { execFile } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTemporaryCluster, type TemporaryCluster } from '../../../src/index.js';

const run = promisify(execFile);
const fixtures = join(import.meta.dirname, 'fixtures');
const vitest = join(process.cwd(), 'node_modules', '.bin', 'vitest');

// The runs use a cluster of this test (TEST_CLUSTER), so that what they leave can be looked at.
let cluster: TemporaryCluster;
let scratch = '';
beforeAll(async () => {
  cluster = await createTemporaryCluster();
  scratch = mkdtempSync('/tmp/pgct-tdb-runners-');
  chmodSync(scratch, 0o755);
});
afterAll(async () => {
  await cluster?.dispose();
  if (scratch !== '') rmSync(scratch, { recursive: true, force: true });
});

function clusterEnv(): NodeJS.ProcessEnv {
  return { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', TEST_CLUSTER: JSON.stringify(cluster.connectionInfo.toParameters({ includePassword: true })) };
}

/** The kept database a failed test's report names, its connection string, and its rows. */
async function keptIn(output: string): Promise<{ name: string; rows: unknown[] }> {
  const kept = /Kept the test database (tdb_\w+) of the failed test: psql "([^"]+)"/.exec(output);
  expect(kept, output).not.toBeNull();
  // The printed connection string reaches it, and it holds what the failed test wrote.
  const { host, port, user, dbname } = Object.fromEntries(kept![2]!.split(' ').map((pair) => pair.split('=') as [string, string]));
  const client = new pg.Client({ host, port: Number(port), user, database: dbname });
  await client.connect();
  const { rows } = await client.query('SELECT name FROM items ORDER BY id');
  await client.end();
  return { name: kept![1]!, rows };
}

async function testDatabasesLeft(): Promise<string[]> {
  const rows = await cluster.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'tdb%' ORDER BY 1");
  return rows.map((row) => row.datname);
}

async function runVitest(filters: string[]): Promise<{ code: number; output: string }> {
  const folder = join(fixtures, 'vitest-project');
  try {
    const { stdout, stderr } = await run(vitest, ['run', '--root', folder, '--config', join(folder, 'vitest.config.ts'), ...filters], {
      env: clusterEnv(),
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

describe('vitest fixture', () => {
  it('gives each test its own database and leaves none after passing tests', async () => {
    const { code, output } = await runVitest(['items']);
    expect(code, output).toBe(0);
    expect(output).toMatch(/Tests\s+3 passed \(3\)/);
    expect(await testDatabasesLeft()).toEqual([]);
    expect(await cluster.query('SELECT name, state FROM pgcluster.databases')).toEqual([]);
    // The workers found the template the global setup built: one template, no second migration.
    expect(await cluster.query('SELECT count(*)::int AS n FROM pgcluster.templates')).toEqual([{ n: 1 }]);
  });

  it('keeps a failed test\'s database and prints its connection string through the reporter', async () => {
    const { code, output } = await runVitest(['items', 'failing']);
    expect(code, output).toBe(1);
    expect(output).toMatch(/Tests\s+1 failed \| 3 passed \(4\)/);
    const kept = await keptIn(output);
    expect(await testDatabasesLeft()).toEqual([kept.name]);
    expect(kept.rows).toEqual([{ name: 'seed' }, { name: 'evidence' }]);
    expect(await cluster.query('SELECT name, state FROM pgcluster.databases')).toEqual([{ name: kept.name, state: 'kept' }]);
  });
});

/** A copy of the Jest project as a user's project would be: this package (its dist/), jest and @jest/globals in its node_modules. */
function copyJestProject(): string {
  const project = join(scratch, 'jest-project');
  cpSync(join(fixtures, 'jest-project'), project, { recursive: true });
  mkdirSync(join(project, 'node_modules', '@jest'), { recursive: true });
  symlinkSync(process.cwd(), join(project, 'node_modules', 'pg-cluster'));
  symlinkSync(join(process.cwd(), 'node_modules', 'jest'), join(project, 'node_modules', 'jest'));
  symlinkSync(join(process.cwd(), 'node_modules', '@jest', 'globals'), join(project, 'node_modules', '@jest', 'globals'));
  return project;
}

async function runJest(project: string, filters: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run('npm', ['test', '--', '--cacheDirectory', `${project}-cache`, '--maxWorkers=2', ...filters], { cwd: project, env: clusterEnv() });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

// Needs dist/ (npm run build): the project imports the package by name.
describe('Jest helper', () => {
  let project = '';
  beforeAll(async () => {
    project = copyJestProject();
    // A cluster of its own: the vitest runs above kept a database in theirs.
    await cluster.dispose();
    cluster = await createTemporaryCluster();
  });

  it('gives each test its own database and leaves none after passing tests', async () => {
    const { code, output } = await runJest(project, ['items']);
    expect(code, output).toBe(0);
    expect(output).toMatch(/Tests:\s+2 passed, 2 total/);
    expect(await testDatabasesLeft()).toEqual([]);
    expect(await cluster.query('SELECT name, state FROM pgcluster.databases')).toEqual([]);
  });

  it("keeps a failed test's database and prints its connection string in Jest's report", async () => {
    const { code, output } = await runJest(project, ['items', 'failing']);
    expect(code, output).toBe(1);
    expect(output).toMatch(/Tests:\s+1 failed, 2 passed, 3 total/);
    const kept = await keptIn(output);
    expect(kept.rows).toEqual([{ name: 'evidence' }]);
    expect(await testDatabasesLeft()).toEqual([kept.name]);
  });
});

describe('docs/testing.md', () => {
  it('quotes the fixture projects exactly as they run', () => {
    const docs = readFileSync(join(process.cwd(), 'docs', 'testing.md'), 'utf8');
    const quoted = (file: string) => readFileSync(join(fixtures, file), 'utf8').replaceAll('../../../../../src/index.js', 'pg-cluster');
    const files = ['vitest.config.ts', 'test-databases.ts', 'migrations/001-items.sql', 'global-setup.ts', 'db-test.ts', 'items.spec.ts'].map((file) => `vitest-project/${file}`);
    for (const file of [...files, 'jest-project/test-databases.js', 'jest-project/global-setup.js', 'jest-project/global-teardown.js', 'jest-project/items.test.js']) {
      expect(docs, file).toContain(quoted(file));
    }
  });
});
