// The shared shape of the docs-example tests whose scripts work under /tmp/pgct-example-*: a doc
// quotes each script verbatim (with `pg-cluster` in the imports); each runs for real, what it
// prints is checked, and it must leave no folder behind.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';

export type PrintedCheck = (printed: unknown[][]) => void;

function leftovers(): string[] {
  return readdirSync('/tmp').filter((name) => name.startsWith('pgct-example-'));
}

const LOCK = '/tmp/pgct-examples.lock';

function ownerAlive(): boolean {
  try {
    process.kill(Number(readFileSync(join(LOCK, 'pid'), 'utf8')), 0);
    return true;
  } catch (error) {
    // No pid file yet (its owner is between mkdir and write): alive; a gone owner: ESRCH.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Runs `body` (a docs example) and checks it left no new /tmp/pgct-example-* folder. The examples
 * of every test file share that one prefix, and test files run in parallel worker processes: the
 * check holds a lock across processes (a folder with its owner's pid, taken over when that
 * process is gone), so another file's example never shows up as this one's leftover. The wait for
 * the lock is bounded (a long example elsewhere must not time this test out): without it, a new
 * folder counts as a leftover only if it is still there 30 s after this example ended (another
 * example removes its own when it ends).
 */
export async function expectNoExampleLeftovers(body: () => Promise<void>): Promise<void> {
  let locked = false;
  for (const waitUntil = Date.now() + 20_000; Date.now() < waitUntil; ) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      locked = true;
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (!ownerAlive()) rmSync(LOCK, { recursive: true, force: true });
      else await sleep(50);
    }
  }
  try {
    const before = new Set(leftovers());
    await body();
    let left = leftovers().filter((name) => !before.has(name));
    for (const giveUp = Date.now() + 30_000; !locked && left.length > 0 && Date.now() < giveUp; ) {
      await sleep(200);
      left = left.filter((name) => leftovers().includes(name));
    }
    expect(left).toEqual([]);
  } finally {
    if (locked) rmSync(LOCK, { recursive: true, force: true });
  }
}

/** `docs/<doc>` against the scripts in `examples`, one test each, plus one that the doc quotes them all. */
export function describeDocsExamples(doc: string, examples: string, expectations: Record<string, PrintedCheck>): void {
  describe(`docs/${doc} examples`, () => {
    for (const [file, check] of Object.entries(expectations)) {
      it(`runs ${file} and leaves nothing behind`, async () => {
        await expectNoExampleLeftovers(async () => {
          const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
          try {
            await import(join(examples, file));
            check(log.mock.calls);
          } finally {
            log.mockRestore();
          }
        });
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
