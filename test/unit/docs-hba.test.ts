// Runs every ```ts example of docs/hba.md: `pg-cluster` is this checkout's src/hba, and
// `declare const path: string` becomes a scratch copy of a pg_hba.conf.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const doc = readFileSync(join(root, 'docs/hba.md'), 'utf8');
const blocks = [...doc.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
const dir = mkdtempSync('/tmp/pgct-docs-hba-');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('docs/hba.md examples', () => {
  it('has examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(8);
  });

  blocks.forEach((block, i) => {
    const title = block.split('\n').find((l) => /\b(hba|ident)\.\w+\(/.test(l))?.trim() ?? `example ${i + 1}`;
    it(`runs example ${i + 1}: ${title}`, async () => {
      const hbaPath = join(dir, `pg_hba.${i}.conf`);
      writeFileSync(hbaPath, 'local   all   all   peer\n');
      const source = block
        .replaceAll("from 'pg-cluster'", `from ${JSON.stringify(pathToFileURL(join(root, 'src/hba/index.ts')).href)}`)
        .replace(/^declare const path: string;.*$/m, `const path = ${JSON.stringify(hbaPath)};`);
      expect(source).not.toMatch(/^declare /m);
      const file = join(dir, `example-${i}.ts`);
      writeFileSync(file, `${source}\nexport {};\n`);
      await import(pathToFileURL(file).href);
    });
  });
});
