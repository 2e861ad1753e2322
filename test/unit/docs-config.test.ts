// Runs every ```ts example of docs/config.md. A line `expr; // => expected` asserts that `expr`
// deep-equals `expected`; each such line must run (one inside a `catch` proves the throw happened).
import { readFileSync } from 'node:fs';
import * as fsPromises from 'node:fs/promises';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as config from '../../src/config/index.js';
import * as errors from '../../src/errors.js';

const docPath = new URL('../../docs/config.md', import.meta.url);
const doc = readFileSync(docPath, 'utf8');
const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
const modules: Record<string, unknown> = { 'pg-cluster': { ...errors, ...config }, 'node:fs/promises': fsPromises, 'node:path': path };

interface Check {
  line: number;
  actual: unknown;
  expected: unknown;
}

/** Turns an example into the body of an async function: imports become lookups, `// =>` checks. */
function compile(block: string): { body: string; checkLines: number[] } {
  const checkLines: number[] = [];
  const body = block
    .split('\n')
    .map((line, index) => {
      const imported = /^import \{([^}]*)\} from '([^']+)';$/.exec(line);
      if (imported) return `const {${imported[1]!.replace(/ as /g, ': ')}} = __module(${JSON.stringify(imported[2])});`;
      const check = /^(\s*)(.*?);?\s*\/\/ => (.*)$/.exec(line);
      if (check) {
        checkLines.push(index + 1);
        return `${check[1]}__check(${index + 1}, ${check[2]}, ${check[3]});`;
      }
      return line;
    })
    .join('\n');
  return { body, checkLines };
}

describe('docs/config.md', () => {
  it('has examples, and every name they import from pg-cluster is a public export', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(8);
    const indexText = readFileSync(new URL('../../src/index.ts', import.meta.url), 'utf8');
    expect(indexText).toContain("export * from './config/index.js';");
    for (const block of blocks) {
      for (const match of block.matchAll(/^import \{([^}]*)\} from 'pg-cluster';$/gm)) {
        for (const name of match[1]!.split(',').map((n) => n.trim())) {
          expect(Object.keys(config), name).toContain(name);
        }
      }
    }
  });

  it.each(blocks.map((block, index) => [index + 1, block] as const))('example %i runs and its checks hold', async (_n, block) => {
    const { body, checkLines } = compile(block);
    const checks: Check[] = [];
    const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...args: unknown[]) => Promise<void>;
    const run = new AsyncFunction('__module', '__check', body);
    await run(
      (name: string) => {
        if (!(name in modules)) throw new Error(`example imports unknown module ${name}`);
        return modules[name];
      },
      (line: number, actual: unknown, expected: unknown) => checks.push({ line, actual, expected }),
    );
    expect(checks.map((c) => c.line)).toEqual(checkLines);
    for (const check of checks) {
      expect(isDeepStrictEqual(check.actual, check.expected), `line ${check.line}: ${JSON.stringify(check.actual)}`).toBe(true);
    }
  });
});
