// docs/cluster.md's try/finally forms (beside its `await using` examples) as written, with plain
// `node` on this Node (20, the declared minimum, which has no `await using`), against the
// compiled library: what they print, and nothing left under /tmp/pgct-example-*.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileThrowaway, removeCompiled } from '../throwaway/compile-throwaway.js';
import { expectNoExampleLeftovers } from '../../helpers/docs-examples.js';

const run = promisify(execFile);
const examples = join(import.meta.dirname, 'docs-examples');
let compiled = '';
beforeAll(() => {
  compiled = compileThrowaway('src/index.ts');
}, 120_000);
afterAll(() => removeCompiled(compiled));

const printed: Record<string, string> = {
  'dispose.try-finally.ts': 'false\n',
  'temporary-settings.try-finally.ts': "{ work_mem: '64MB' } [ 'shared_buffers' ]\nthe body fails\n{ work_mem: '4MB' } true\n",
};

describe('docs/cluster.md try/finally forms on this Node, as written', () => {
  it.each(Object.keys(printed))('%s', async (file) => {
    const script = join(compiled, '..', `docs-${file.replace(/\.ts$/, '.mjs')}`);
    writeFileSync(script, readFileSync(join(examples, file), 'utf8').replaceAll('../../../../src/index.js', './index.js'));
    await expectNoExampleLeftovers(async () => {
      const { stdout } = await run(process.execPath, [script]);
      expect(stdout).toBe(printed[file]);
    });
  });
});
