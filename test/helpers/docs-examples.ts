// The shared shape of the docs-example tests whose scripts work under /tmp/pgct-example-*: a doc
// quotes each script verbatim (with `pg-cluster` in the imports); each runs for real, what it
// prints is checked, and it must leave no folder behind.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

export type PrintedCheck = (printed: unknown[][]) => void;

function leftovers(): string[] {
  return readdirSync('/tmp').filter((name) => name.startsWith('pgct-example-'));
}

/** `docs/<doc>` against the scripts in `examples`, one test each, plus one that the doc quotes them all. */
export function describeDocsExamples(doc: string, examples: string, expectations: Record<string, PrintedCheck>): void {
  describe(`docs/${doc} examples`, () => {
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
      const docs = readFileSync(join(process.cwd(), 'docs', doc), 'utf8');
      for (const file of Object.keys(expectations)) {
        expect(docs, file).toContain(readFileSync(join(examples, file), 'utf8').replaceAll('../../../../src/index.js', 'pg-cluster'));
      }
    });
  });
}
