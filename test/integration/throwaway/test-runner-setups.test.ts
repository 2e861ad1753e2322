import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { RUN_ID_VARIABLE, serversOfRun } from '../../global-setup.js';

const run = promisify(execFile);
const fixtures = join(import.meta.dirname, 'fixtures');
const vitest = join(process.cwd(), 'node_modules', '.bin', 'vitest');
// The child runs keep their clusters under /tmp/pgct-* (PG_CLUSTER_STORAGE), where leftovers would show.
const storage = mkdtempSync('/tmp/pgct-runners-');
chmodSync(storage, 0o755);
afterAll(() => rmSync(storage, { recursive: true, force: true }));

async function runProject(folder: string): Promise<string> {
  const { stdout, stderr } = await run(vitest, ['run', '--root', folder, '--config', join(folder, 'vitest.config.ts'), '--reporter', 'verbose'], {
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', PG_CLUSTER_STORAGE: join(storage, 'root') },
  });
  return stdout + stderr;
}

/**
 * A copy of the Jest example set up as a user's project would be: `pg-cluster` (this package,
 * its `dist/` built by `npm run build`), `jest` and `@jest/globals` in its node_modules.
 */
function copyJestProject(name: string): string {
  const project = join(storage, name);
  cpSync(join(fixtures, 'jest-project'), project, { recursive: true });
  mkdirSync(join(project, 'node_modules', '@jest'), { recursive: true });
  symlinkSync(process.cwd(), join(project, 'node_modules', 'pg-cluster'));
  symlinkSync(join(process.cwd(), 'node_modules', 'jest'), join(project, 'node_modules', 'jest'));
  symlinkSync(join(process.cwd(), 'node_modules', '@jest', 'globals'), join(project, 'node_modules', '@jest', 'globals'));
  return project;
}

interface JestResult {
  success: boolean;
  numTotalTests: number;
  numPassedTests: number;
  numFailedTests: number;
  testResults: { name: string; status: string; message: string; assertionResults: { title: string; status: string; startAt: number }[] }[];
}

interface JestRun {
  code: number;
  output: string;
  result: JestResult;
  /** PG_CLUSTER_STORAGE of the run. */
  storage: string;
  /** Servers of the run still alive after it ended (found by a run id in their environment). */
  servers: ReturnType<typeof serversOfRun>;
}

/** `npm test` in a copy of the Jest project (its script runs real Jest), with Jest's JSON report. */
async function runJest(project: string, args: string[] = []): Promise<JestRun> {
  const runId = randomBytes(8).toString('hex');
  const reportFile = `${project}-report.json`;
  const runStorage = `${project}-storage`;
  let code = 0;
  let output: string;
  try {
    const { stdout, stderr } = await run('npm', ['test', '--', '--json', '--outputFile', reportFile, '--cacheDirectory', `${project}-cache`, ...args], {
      cwd: project,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', PG_CLUSTER_STORAGE: runStorage, [RUN_ID_VARIABLE]: runId },
    });
    output = stdout + stderr;
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    code = failed.code;
    output = failed.stdout + failed.stderr;
  }
  // Only servers marked with this run's id (no orphan heuristics: other tests make orphans on purpose).
  const servers = serversOfRun(runId, Number.POSITIVE_INFINITY);
  for (const { pid } of servers) process.kill(pid, 'SIGKILL');
  expect(existsSync(reportFile), output).toBe(true);
  return { code, output, result: JSON.parse(readFileSync(reportFile, 'utf8')) as JestResult, storage: runStorage, servers };
}

/** Titles and statuses of the tests of one file of a Jest run, in the order they ran. */
function testsOf(result: JestResult, file: string): { title: string; status: string }[] {
  const suite = result.testResults.find((s) => s.name.endsWith(`/${file}`));
  expect(suite, file).toBeDefined();
  return suite!.assertionResults.toSorted((a, b) => a.startAt - b.startAt).map(({ title, status }) => ({ title, status }));
}

// The documented setups are real projects under fixtures/, run here by a child vitest and by real
// Jest; the docs quote them (with the package name in the imports), and the quote tests keep them in step.
describe('test-runner setups', () => {
  it('runs the vitest globalSetup + per-test database fixture', async () => {
    const output = await runProject(join(fixtures, 'vitest-project'));
    expect(output).toMatch(/Tests\s+4 passed \(4\)/);
    expect(readdirSync(join(storage, 'root', 'clusters'))).toEqual([]);
  });

  it('runs the Jest project with real Jest: globalSetup/globalTeardown + a database per test', async () => {
    const { code, output, result, storage: runStorage, servers } = await runJest(copyJestProject('jest-project'));
    expect(code, output).toBe(0);
    expect(result).toMatchObject({ success: true, numTotalTests: 2, numPassedTests: 2, numFailedTests: 0 });
    // The second test ran after the first wrote a row, and saw none of it.
    expect(testsOf(result, 'items.test.js')).toEqual([
      { title: 'starts from the migrated schema', status: 'passed' },
      { title: 'does not see what another test wrote', status: 'passed' },
    ]);
    expect(servers).toEqual([]);
    // The cluster lived in the run's storage, and globalTeardown removed it.
    expect(readdirSync(join(runStorage, 'clusters'))).toEqual([]);
  });

  it('fails the Jest run when a test in it fails, and still tears the cluster down', async () => {
    const project = copyJestProject('jest-project-failing');
    // A second file, as items.test.js but expecting to see the other test's row: isolation makes it fail.
    const items = readFileSync(join(project, 'items.test.js'), 'utf8');
    const expectingLeak = items.replace(/(does not see what another test wrote[\s\S]*?)\{ n: 0 \}/, '$1{ n: 1 }');
    expect(expectingLeak).not.toBe(items);
    writeFileSync(join(project, 'leak.test.js'), expectingLeak);
    // Two files and two workers: Jest runs them in worker processes, which inherit process.env.
    const { code, output, result, storage: runStorage, servers } = await runJest(project, ['--maxWorkers=2']);
    expect(code, output).toBe(1);
    expect(result).toMatchObject({ success: false, numTotalTests: 4, numPassedTests: 3, numFailedTests: 1 });
    expect(testsOf(result, 'items.test.js').map((t) => t.status)).toEqual(['passed', 'passed']);
    expect(testsOf(result, 'leak.test.js').map((t) => t.status)).toEqual(['passed', 'failed']);
    expect(servers).toEqual([]);
    expect(readdirSync(join(runStorage, 'clusters'))).toEqual([]);
  });

  it('quotes each example file in docs/testing.md exactly as it runs', () => {
    const docs = readFileSync(join(process.cwd(), 'docs', 'testing.md'), 'utf8');
    const quoted = (file: string) => readFileSync(join(fixtures, file), 'utf8').replaceAll('../../../../../src/index.js', 'pg-cluster');
    for (const file of ['vitest-project/vitest.config.ts', 'vitest-project/global-setup.ts', 'vitest-project/db-test.ts', 'vitest-project/items.spec.ts', 'vitest-project/own-cluster.spec.ts']) {
      expect(docs, file).toContain(quoted(file));
    }
    // The Jest project imports `pg-cluster` by name already: its files are quoted as they are.
    for (const file of ['package.json', 'jest.config.js', 'global-setup.js', 'global-teardown.js', 'items.test.js']) {
      expect(docs, `jest-project/${file}`).toContain(readFileSync(join(fixtures, 'jest-project', file), 'utf8'));
    }
  });

  it('uses the documented vitest setup for the project\'s own `fixture` tests, file for file', () => {
    const docs = readFileSync(join(process.cwd(), 'docs', 'testing.md'), 'utf8');
    for (const file of ['global-setup.ts', 'db-test.ts']) {
      const own = readFileSync(join(process.cwd(), 'test', 'fixture', file), 'utf8');
      expect(own.replaceAll('../../src/index.js', 'pg-cluster'), `test/fixture/${file}`).toBe(
        readFileSync(join(fixtures, 'vitest-project', file), 'utf8').replaceAll('../../../../../src/index.js', 'pg-cluster'),
      );
      expect(docs, `test/fixture/${file}`).toContain(own.replaceAll('../../src/index.js', 'pg-cluster'));
    }
    // The project entry of vitest.config.ts, comments left out and indentation removed, is the one shown.
    const config = readFileSync(join(process.cwd(), 'vitest.config.ts'), 'utf8').split('\n');
    const first = config.findLastIndex((line, i) => i < config.findIndex((l) => l.includes("name: 'fixture'")) && line === '      {');
    const last = config.findIndex((line, i) => i > first && line === '      },');
    expect(first).toBeGreaterThan(0);
    const entry = config
      .slice(first, last + 1)
      .filter((line) => !line.trim().startsWith('//'))
      .map((line) => line.slice(6))
      .join('\n');
    expect(entry).toContain("globalSetup: ['test/fixture/global-setup.ts']");
    expect(docs).toContain(`\`\`\`ts\n${entry}\n\`\`\``);
  });
});
