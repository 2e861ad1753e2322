// Runs a source module of ours in a worker thread whose JavaScript heap is capped, so that a test
// can assert "this fits in N MB" deterministically: over the cap the worker dies with
// ERR_WORKER_OUT_OF_MEMORY instead of the test timing something. Plain Node cannot import our
// TypeScript, so the module and the relative imports it pulls in are transpiled (TypeScript's
// transpileModule, no type check) into a temporary folder first.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import ts from 'typescript';

const srcRoot = resolve(import.meta.dirname, '../../../src');

/** Transpiles `entry` (a path under src/) and what it imports, relatively, into `out`. */
function transpileClosure(entry: string, out: string): void {
  const pending = [resolve(srcRoot, entry)];
  const seen = new Set<string>();
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const [, spec] of source.matchAll(/from '(\.{1,2}\/[^']+)\.js'/g)) pending.push(resolve(dirname(file), `${spec}.ts`));
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
    });
    const target = join(out, relative(srcRoot, file)).replace(/\.ts$/, '.js');
    ts.sys.createDirectory(dirname(target));
    writeFileSync(target, outputText);
  }
  writeFileSync(join(out, 'package.json'), '{"type":"module"}\n');
}

/**
 * Imports `entry` (relative to src/) in a worker with at most `heapMb` MB of old-generation heap
 * and runs `body` there: the source of an async function taking the module and returning
 * something structured-cloneable. Resolves with its result; rejects with the worker's error
 * (`code: 'ERR_WORKER_OUT_OF_MEMORY'` when the cap was hit).
 */
export async function runWithHeapLimit<T>(entry: string, heapMb: number, body: string): Promise<T> {
  const out = mkdtempSync(join(tmpdir(), 'pg-cluster-heap-'));
  try {
    transpileClosure(entry, out);
    const moduleUrl = pathToFileURL(join(out, entry.replace(/\.ts$/, '.js'))).href;
    const script = join(out, 'run.mjs');
    writeFileSync(
      script,
      `import { parentPort } from 'node:worker_threads';\nconst m = await import(${JSON.stringify(moduleUrl)});\nparentPort.postMessage(await (${body})(m));\n`,
    );
    return await new Promise<T>((resolvePromise, reject) => {
      const worker = new Worker(script, { resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: 16 } });
      worker.once('message', (value: T) => {
        resolvePromise(value);
        void worker.terminate();
      });
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`worker exited with code ${code} before answering`)));
    });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
