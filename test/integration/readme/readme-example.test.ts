import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

describe('README.md', () => {
  it('runs its example as written, against the built package (npm test builds dist/ first)', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const example = /## Example\n\n```js\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toContain("from 'pg-cluster'");
    // Inside the package folder, `pg-cluster` resolves to this package itself (its exports map).
    const folder = join(root, 'test', '.cache');
    mkdirSync(folder, { recursive: true });
    const file = join(folder, `readme-example-${process.pid}.mjs`);
    writeFileSync(file, example!);
    try {
      const output = execFileSync(process.execPath, [file], { encoding: 'utf8', timeout: 60_000 });
      const [answer, connectionString] = output.trim().split('\n');
      expect(answer).toBe('42');
      expect(connectionString).toMatch(/^host=\/\S+ port=\d+ user=postgres dbname=postgres$/);
      const socketFolder = /^host=(\S+)/.exec(connectionString!)![1]!;
      // dispose() removed the cluster's folder (its socket directory) before the script ended.
      expect(existsSync(socketFolder)).toBe(false);
    } finally {
      rmSync(file, { force: true });
    }
  });
});
