// Runs every ```ts example of docs/installation.md as a module of its own: `from 'pg-cluster'`
// points at src/index.ts, and a line `expression; // => value` becomes
// `assert.deepStrictEqual(expression, value)` (a note after two spaces in parentheses is dropped).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const doc = resolve('docs/installation.md');
const index = pathToFileURL(resolve('src/index.ts')).href;
const scratch = mkdtempSync('/tmp/pgct-docs-installation-');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

export function codeBlocks(markdown: string, language: string): { line: number; code: string }[] {
  const blocks: { line: number; code: string }[] = [];
  const pattern = new RegExp('^```' + language + '\\n([\\s\\S]*?)^```$', 'gm');
  for (const match of markdown.matchAll(pattern)) {
    blocks.push({ line: markdown.slice(0, match.index).split('\n').length, code: match[1]! });
  }
  return blocks;
}

export function toCheckedModule(code: string, apiUrl: string): { source: string; checks: number } {
  let checks = 0;
  const lines = code.split('\n').map((line) => {
    const match = /^(\s*)(.+?);\s*\/\/ => (.+?)(?:\s{2,}\(.*\))?\s*$/.exec(line);
    if (!match) return line;
    checks++;
    const [, indent, expression, value] = match;
    return `${indent}assert.deepStrictEqual((${expression}), (${value}), ${JSON.stringify(`${expression} => ${value}`)});`;
  });
  const source = `import assert from 'node:assert/strict';\n${lines.join('\n').replaceAll("from 'pg-cluster'", `from '${apiUrl}'`)}`;
  return { source, checks };
}

describe('docs/installation.md examples', () => {
  const blocks = codeBlocks(readFileSync(doc, 'utf8'), 'ts').filter((block) => block.code.includes("from 'pg-cluster'"));

  it('has runnable examples with checks', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(8);
  });

  it.each(blocks.map((block) => [block.line, block] as const))('runs the example at line %i', async (_line, block) => {
    const { source, checks } = toCheckedModule(block.code, index);
    expect(checks).toBeGreaterThan(0);
    const file = join(scratch, `example-${block.line}.ts`);
    writeFileSync(file, source);
    await import(pathToFileURL(file).href);
  });

  it('turns a failing check into a failing example', async () => {
    const { source } = toCheckedModule("import { parseVersion } from 'pg-cluster';\nparseVersion('PostgreSQL 15.1').major; // => 14", index);
    const file = join(scratch, 'failing.ts');
    writeFileSync(file, source);
    await expect(import(pathToFileURL(file).href)).rejects.toThrow(/parseVersion\('PostgreSQL 15\.1'\)\.major => 14/);
  });
});
