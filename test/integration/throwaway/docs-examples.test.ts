import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { waitForCleanup } from '../../../src/throwaway/index.js';
import { compileThrowaway, removeCompiled } from './compile-throwaway.js';

const run = promisify(execFile);
let compiledIndex = '';
const compiled = () => compiledIndex;
beforeAll(() => {
  compiledIndex = compileThrowaway('src/index.ts');
}, 120_000);
afterAll(() => removeCompiled(compiledIndex));

// docs/throwaway.md quotes these scripts verbatim (with `pg-cluster` in the imports); here each
// one runs, in a storage root under /tmp/pgct-* (PG_CLUSTER_STORAGE), and must leave nothing.
const examples = join(import.meta.dirname, 'fixtures', 'docs-examples');
const storage = mkdtempSync('/tmp/pgct-docs-');
chmodSync(storage, 0o755);
const saved = process.env.PG_CLUSTER_STORAGE;

beforeAll(() => {
  process.env.PG_CLUSTER_STORAGE = join(storage, 'root');
});
afterAll(async () => {
  if (saved === undefined) delete process.env.PG_CLUSTER_STORAGE;
  else process.env.PG_CLUSTER_STORAGE = saved;
  await waitForCleanup();
  rmSync(storage, { recursive: true, force: true });
});

const expectations: Record<string, (printed: unknown[][]) => void> = {
  'quick-start.ts': (printed) => {
    expect(printed[0]![0]).toMatch(/^host=\/tmp\/pgct-docs-\S+ port=5432 user=postgres dbname=postgres$/);
    expect(printed[1]![0]).toEqual([{ two: 2 }]);
  },
  'per-test-databases.ts': (printed) => {
    expect(printed[0]![0]).toMatch(/^test_/);
    expect(printed[0]![1]).toEqual([{ n: 1 }]);
    expect(printed[1]![0]).toEqual([{ n: 0 }]);
  },
  'options.ts': (printed) => {
    expect(printed[0]![0]).toBe(64);
    expect(printed[1]![0]).toMatch(/^postgresql:\/\/postgres:secret@localhost:\d+\/app$/);
    expect(printed[2]![0]).toMatch(/^postgresql:\/\/\/app\?host=%2Ftmp%2Fpgct-docs-[^&/]*&port=\d+&user=postgres&password=secret$/);
  },
  'libpq-tools.ts': (printed) => {
    expect(printed[0]![0]).toBe('postgres');
  },
  'lean-settings.ts': (printed) => {
    expect(printed[0]![0]).toEqual([
      { name: 'max_connections', setting: '20' },
      { name: 'wal_level', setting: 'minimal' },
    ]);
    expect(printed[1]![0]).toEqual([{ senders: '10' }]);
  },
  'drivers.ts': (printed) => {
    expect(printed[0]![0]).toBe('my app');
    expect(printed[1]![0]).toEqual([{ db: 'my app' }]);
    expect(printed[2]![0]).toEqual({ db: 'my app' });
  },
};

/** What each try/finally form prints (console.log's own formatting) when run with plain node. */
const printedOnNode20: Record<string, RegExp> = {
  'quick-start.try-finally.ts': /^host=\S+ port=5432 user=postgres dbname=postgres\n\[ \{ two: 2 \} \]\n$/,
  'per-test-databases.try-finally.ts': /^test_\S+ \[ \{ n: 1 \} \]\n\[ \{ n: 0 \} \]\n$/,
  'options.try-finally.ts': /^64\npostgresql:\/\/postgres:secret@localhost:\d+\/app\npostgresql:\/\/\/app\?host=\S+&password=secret\n$/,
  'libpq-tools.try-finally.ts': /^postgres\n$/,
  'lean-settings.try-finally.ts': /^\[\n  \{ name: 'max_connections', setting: '20' \},\n  \{ name: 'wal_level', setting: 'minimal' \}\n\]\n\[ \{ senders: '10' \} \]\n$/,
  'drivers.try-finally.ts': /^my app\n\[ \{ db: 'my app' \} \]\n\{ db: 'my app' \}\n$/,
};

// Each example's try/finally form (for Node 20, which has no `await using`) prints the same.
for (const file of Object.keys(expectations)) expectations[file.replace(/\.ts$/, '.try-finally.ts')] = expectations[file]!;

describe('docs/throwaway.md examples', () => {
  for (const [file, check] of Object.entries(expectations)) {
    it(`runs ${file} and leaves nothing behind`, async () => {
      const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
      try {
        await import(join(examples, file));
        check(log.mock.calls);
      } finally {
        log.mockRestore();
      }
      await waitForCleanup();
      expect(readdirSafe(join(storage, 'root', 'clusters'))).toEqual([]);
    });
  }

  // As written, on this Node (20: the declared minimum): the try/finally forms run with plain
  // `node` against the compiled library; the `await using` forms are a syntax error there.
  it.each(Object.keys(expectations).filter((file) => file.endsWith('.try-finally.ts')))('%s runs on this Node as written', async (file) => {
    const script = join(compiled(), '..', `docs-${file.replace(/\.ts$/, '.mjs')}`);
    writeFileSync(script, readFileSync(join(examples, file), 'utf8').replaceAll('../../../../../src/index.js', './index.js'));
    const { stdout } = await run(process.execPath, [script], { env: { ...process.env, PG_CLUSTER_STORAGE: join(storage, 'root') }, cwd: process.cwd() });
    expect(stdout).toMatch(printedOnNode20[file]!);
    expect(readdirSafe(join(storage, 'root', 'clusters'))).toEqual([]);
  });

  it.skipIf(Number(process.versions.node.split('.')[0]) >= 24)('the `await using` forms are a syntax error on Node 20 (hence the try/finally forms)', async () => {
    const outcome = await run(process.execPath, ['--input-type=module', '-e', readFileSync(join(examples, 'libpq-tools.ts'), 'utf8').replace(/^import .*$/gm, '')]).catch((error: { stderr: string }) => error);
    expect(outcome).toMatchObject({ stderr: expect.stringContaining('SyntaxError') });
  });

  it('quotes every example exactly', () => {
    const docs = readFileSync(join(process.cwd(), 'docs', 'throwaway.md'), 'utf8');
    for (const file of Object.keys(expectations)) {
      expect(docs, file).toContain(readFileSync(join(examples, file), 'utf8').replaceAll('../../../../../src/index.js', 'pg-cluster'));
    }
  });
});

function readdirSafe(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}
