// Child Node processes in the orphan tests need the SDK as JavaScript: dist/ may be stale and no
// TypeScript loader (tsx, ts-node) is installed, while Node 20 cannot strip types. So the source
// is transpiled file by file (typescript's transpileModule, no type check: tsc does that) into
// node_modules/.cache/, where bare imports (execa, pg) still resolve to the project's packages.
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

function sourceFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/** Transpiles src/ to a fresh folder and returns it; `remove` deletes it. */
export function compileSource(projectRoot = process.cwd()): { outDir: string; remove(): void } {
  const outDir = join(projectRoot, 'node_modules', '.cache', `pg-cluster-src-${process.pid}-${Date.now()}`);
  const srcRoot = join(projectRoot, 'src');
  for (const file of sourceFiles(srcRoot)) {
    const output = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false, isolatedModules: true },
      fileName: file,
    });
    const target = join(outDir, relative(srcRoot, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, output.outputText);
  }
  writeFileSync(join(outDir, 'package.json'), '{"type":"module"}\n');
  return { outDir, remove: () => rmSync(outDir, { recursive: true, force: true }) };
}
