import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { waitForCleanup } from '../../../src/throwaway/index.js';

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
