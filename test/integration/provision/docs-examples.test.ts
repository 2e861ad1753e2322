import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

// docs/provisioning.md quotes these scripts verbatim (with `pg-cluster` in the imports); here each
// one runs for real and must leave no folder behind under /tmp/pgct-example-*.
const examples = join(import.meta.dirname, 'docs-examples');

const expectations: Record<string, (printed: unknown[][]) => void> = {
  'client-flow.ts': (printed) => {
    expect(printed[0]).toEqual(['standalone', true, 'myapp', 'myapp', 'myapp_schema']);
    expect(printed[1]).toEqual([[{ current_user: 'myapp', body: 'Hello' }]]);
    expect(printed[2]).toEqual([true, false]);
  },
};

function leftovers(): string[] {
  return readdirSync('/tmp').filter((name) => name.startsWith('pgct-example-'));
}

describe('docs/provisioning.md examples', () => {
  for (const [file, check] of Object.entries(expectations)) {
    it(`runs ${file} and leaves nothing behind`, async () => {
      const before = new Set(leftovers());
      const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
      try {
        await import(join(examples, file));
        check(log.mock.calls);
      } finally {
        log.mockRestore();
      }
      expect(leftovers().filter((name) => !before.has(name))).toEqual([]);
    });
  }

  it('quotes every example exactly', () => {
    const docs = readFileSync(join(process.cwd(), 'docs', 'provisioning.md'), 'utf8');
    for (const file of Object.keys(expectations)) {
      expect(docs, file).toContain(readFileSync(join(examples, file), 'utf8').replaceAll('../../../../src/index.js', 'pg-cluster'));
    }
  });
});
