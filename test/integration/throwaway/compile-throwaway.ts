// Child processes cannot load TypeScript (Node 20, no loader installed), so the worker-process
// tests compile src/throwaway and what it imports into node_modules/.cache once per test file.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

/** Compiles `entry` (default src/throwaway/index.ts) and what it imports; returns the compiled entry's path. */
export function compileThrowaway(entry = 'src/throwaway/index.ts'): string {
  // A fresh `npm ci` has no node_modules/.cache yet.
  mkdirSync(join(process.cwd(), 'node_modules', '.cache'), { recursive: true });
  const outDir = mkdtempSync(join(process.cwd(), 'node_modules', '.cache', 'pgct-throwaway-'));
  const compiled = join(outDir, entry.replace(/^src\//, '').replace(/\.ts$/, '.js'));
  try {
    execFileSync(
      join(process.cwd(), 'node_modules', '.bin', 'tsc'),
      [entry, '--outDir', outDir, '--rootDir', 'src', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--lib', 'es2023,esnext.disposable', '--types', 'node', '--skipLibCheck'],
      { stdio: 'pipe' },
    );
  } catch (error) {
    // tsc still emits when some file has a type error (the typecheck step reports those);
    // only a missing output is a failure here.
    if (!existsSync(compiled)) throw error;
  }
  writeFileSync(join(outDir, 'package.json'), '{"type":"module"}\n');
  return compiled;
}

/**
 * Removes the folder compileThrowaway made for `compiled`. Anything else — an empty path (a
 * compile that never finished), a path outside node_modules/.cache/pgct-throwaway-* — is left
 * alone: a cleanup built from `join(compiled, '..', '..')` would resolve an empty path against the
 * working directory and remove that directory's grandparent.
 */
export function removeCompiled(compiled: string): void {
  if (compiled === '' || !isAbsolute(compiled)) return;
  const cache = join(process.cwd(), 'node_modules', '.cache');
  const [outDir] = relative(cache, compiled).split(sep);
  if (outDir === undefined || !/^pgct-throwaway-[A-Za-z0-9]+$/.test(outDir)) return;
  rmSync(join(cache, outDir), { recursive: true, force: true });
}

/**
 * Compiles the `pg-cluster` command once for the calling test file (beforeAll) and removes it
 * afterwards; the returned function gives the compiled main.js.
 */
export function useCompiledCli(): () => string {
  let mainJs = '';
  beforeAll(() => {
    mainJs = compileThrowaway('src/cli/main.ts');
  }, 120_000);
  afterAll(() => removeCompiled(mainJs));
  return () => mainJs;
}
