import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const srcRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../src');

// Which layers each layer may import (DESIGN.md, "The shape"). `shared` is src/errors.ts and src/fs.
const allowed: Record<string, string[]> = {
  shared: ['shared'],
  config: ['shared', 'config'],
  hba: ['shared', 'hba'],
  control: ['shared', 'control'],
  installation: ['shared', 'control', 'installation'],
  cluster: ['shared', 'control', 'installation', 'config', 'hba', 'cluster'],
  throwaway: ['shared', 'control', 'installation', 'config', 'hba', 'cluster', 'sql', 'throwaway'],
  provision: ['shared', 'control', 'installation', 'config', 'hba', 'cluster', 'provision'],
  replication: ['shared', 'control', 'installation', 'config', 'hba', 'cluster', 'provision', 'replication'],
  // SQL files: the lexer is pure; the runner uses node-postgres, and psql through control.
  sql: ['shared', 'control', 'installation', 'sql'],
  'test-databases': ['shared', 'control', 'installation', 'config', 'hba', 'cluster', 'throwaway', 'sql', 'test-databases'],
  cli: ['index', 'cli'],
  index: ['shared', 'control', 'installation', 'config', 'hba', 'cluster', 'throwaway', 'provision', 'replication', 'sql', 'test-databases', 'index'],
};

// Files of a sibling layer a layer may import (DESIGN.md: provision takes throwaway's ConnectionInfo,
// and its one quoting helper, so that no second connection type or quoting exists).
const allowedFiles: Record<string, string[]> = {
  provision: ['throwaway/connection-info.ts', 'throwaway/sql-quote.ts'],
  replication: ['throwaway/connection-info.ts', 'throwaway/sql-quote.ts'],
};

function layerOf(file: string): string {
  const rel = relative(srcRoot, file).split(sep);
  if (rel.length === 1) return rel[0] === 'index.ts' ? 'index' : 'shared';
  const top = rel[0]!;
  return top === 'fs' ? 'shared' : top;
}

function sourceFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

export function importsOf(text: string): string[] {
  const found: string[] = [];
  const pattern = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;
  for (const match of text.matchAll(pattern)) found.push((match[1] ?? match[2] ?? match[3])!);
  return found;
}

describe('architecture', () => {
  const files = sourceFiles(srcRoot);

  it('finds the source files and their imports', () => {
    expect(files.length).toBeGreaterThan(3);
    expect(importsOf(`import { a } from './a.js';\nexport * from "../b/c.js";\nconst x = await import('./d.js');`)).toEqual([
      './a.js',
      '../b/c.js',
      './d.js',
    ]);
  });

  it('keeps every layer importing only the layers below it', () => {
    const violations: string[] = [];
    for (const file of files) {
      const from = layerOf(file);
      for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
        if (!specifier.startsWith('.')) continue;
        const target = resolve(dirname(file), specifier).replace(/\.js$/, '.ts');
        const to = layerOf(target);
        const targetFile = relative(srcRoot, target).split(sep).join('/');
        if (!(allowed[from] ?? []).includes(to) && !(allowedFiles[from] ?? []).includes(targetFile)) {
          violations.push(`${relative(srcRoot, file)} (${from}) imports ${specifier} (${to})`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('keeps config and hba free of process spawning', () => {
    const offenders = files
      .filter((file) => ['config', 'hba'].includes(layerOf(file)))
      .filter((file) => importsOf(readFileSync(file, 'utf8')).some((s) => /^(node:)?child_process$|^execa$/.test(s)));
    expect(offenders).toEqual([]);
  });

  it('keeps the SQL splitter pure: the lexer and its parsers import nothing but each other', () => {
    const pure = ['sql/sql-lexer.ts', 'sql/meta-command.ts', 'sql/psql-output.ts', 'sql/sql-position.ts'];
    const offenders: string[] = [];
    for (const file of pure) {
      for (const specifier of importsOf(readFileSync(join(srcRoot, file), 'utf8'))) {
        const target = relative(srcRoot, resolve(dirname(join(srcRoot, file)), specifier)).split(sep).join('/').replace(/\.js$/, '.ts');
        if (!pure.includes(target)) offenders.push(`${file} imports ${specifier}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('prints nothing: no console.* in src/', () => {
    const offenders = files.filter((file) => /\bconsole\.(log|error|warn|info|debug)\b/.test(readFileSync(file, 'utf8')));
    expect(offenders.map((f) => relative(srcRoot, f))).toEqual([]);
  });

  it('spawns processes only in src/control', () => {
    const offenders = files
      .filter((file) => layerOf(file) !== 'control')
      .filter((file) => importsOf(readFileSync(file, 'utf8')).some((s) => /^(node:)?child_process$|^execa$/.test(s)));
    expect(offenders.map((f) => relative(srcRoot, f))).toEqual([]);
  });
});
