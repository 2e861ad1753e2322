import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

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

// The documented setups are real projects under fixtures/, run here by a child vitest; the docs
// quote them (with the package name in the imports), and the last test keeps them in step.
describe('test-runner setups', () => {
  it('runs the vitest globalSetup + per-test database fixture', async () => {
    const output = await runProject(join(fixtures, 'vitest-project'));
    expect(output).toMatch(/Tests\s+4 passed \(4\)/);
    expect(readdirSync(join(storage, 'root', 'clusters'))).toEqual([]);
  });

  it('runs the Jest globalSetup/globalTeardown + beforeEach database example', async () => {
    const output = await runProject(join(fixtures, 'jest-project'));
    expect(output).toMatch(/Tests\s+2 passed \(2\)/);
  });

  it('quotes each example file in docs/testing.md exactly as it runs', () => {
    const docs = readFileSync(join(process.cwd(), 'docs', 'testing.md'), 'utf8');
    const quoted = (file: string, jest = false) => {
      let text = readFileSync(join(fixtures, file), 'utf8').replaceAll('../../../../../src/index.js', 'pg-cluster');
      if (jest) text = text.replace("from 'vitest';", "from '@jest/globals';");
      return text;
    };
    for (const file of ['vitest-project/vitest.config.ts', 'vitest-project/global-setup.ts', 'vitest-project/db-test.ts', 'vitest-project/items.spec.ts', 'vitest-project/own-cluster.spec.ts']) {
      expect(docs, file).toContain(quoted(file));
    }
    for (const file of ['jest-project/global-setup.ts', 'jest-project/global-teardown.ts', 'jest-project/items.jest-spec.ts']) {
      expect(docs, file).toContain(quoted(file, true));
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
