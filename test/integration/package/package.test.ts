// The package as users install it: `npm pack` of a clean tree (no dist/: prepack builds it)
// holds the built code, its types, README, LICENSE and docs and no tests; the tarball installs
// into a fresh CommonJS project, where require('pg-cluster') works (Node 20.19+ loads the ES
// module through the `default` condition), and into a fresh ESM project, where import works,
// the bin runs, and a throwaway cluster answers a query.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = process.cwd();
const work = mkdtempSync('/tmp/pgct-package-');
let tarball = '';
let files: string[] = [];

/** npm in `cwd`, without audit, fund or update notices; the registry only for what the cache lacks. */
async function npm(args: string[], cwd: string): Promise<string> {
  const { stdout } = await run('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline'], { cwd, env: { ...process.env, npm_config_update_notifier: 'false' }, maxBuffer: 64 << 20 });
  return stdout;
}

beforeAll(async () => {
  // A clean tree: what a clone has (no dist/), with this worktree's node_modules for the build.
  const source = join(work, 'source');
  mkdirSync(source);
  for (const name of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'README.md', 'LICENSE', 'src', 'docs']) cpSync(join(root, name), join(source, name), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(source, 'node_modules'));
  const packed = await npm(['pack', '--silent', '--pack-destination', work], source);
  tarball = join(work, packed.trim().split('\n').pop()!);
  const { stdout } = await run('tar', ['-tzf', tarball]);
  files = stdout.trim().split('\n');
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A fresh project of `type` with the tarball installed (optional server binaries left out: the system PostgreSQL serves). */
async function projectWith(type: 'commonjs' | 'module'): Promise<string> {
  const project = mkdtempSync(join(work, `${type}-`));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: `pgct-${type}`, version: '1.0.0', private: true, type }));
  await npm(['install', '--omit=optional', '--no-package-lock', tarball], project);
  return project;
}

const env = { ...process.env, PG_CONFIG: '/usr/lib/postgresql/15/bin/pg_config' };

describe('the npm package', () => {
  it('npm pack of a clean tree builds dist (prepack) and holds dist, types, README, LICENSE and docs, no tests or sources', () => {
    expect(files).toContain('package/package.json');
    expect(files).toContain('package/README.md');
    expect(files).toContain('package/LICENSE');
    expect(files).toContain('package/dist/index.js');
    expect(files).toContain('package/dist/index.d.ts');
    expect(files).toContain('package/dist/cli/main.js');
    for (const doc of readdirSync(join(root, 'docs'))) expect(files).toContain(`package/docs/${doc}`);
    expect(files.filter((file) => /^package\/(test|src|bench|node_modules)\//.test(file))).toEqual([]);
    expect(files.filter((file) => /\.test\.[jt]s$/.test(file))).toEqual([]);
  });

  it('installs into a fresh CommonJS project: require() works on this Node, and a throwaway cluster answers', async () => {
    const project = await projectWith('commonjs');
    writeFileSync(
      join(project, 'index.js'),
      [
        "const { createTemporaryCluster, ConfigFile } = require('pg-cluster');",
        "const text = 'shared_buffers = 128MB  # kept\\n';",
        'if (ConfigFile.parse(text).toString() !== text) throw new Error("no round trip");',
        '(async () => {',
        '  const cluster = await createTemporaryCluster();',
        '  try {',
        "    const [row] = await cluster.query('SELECT 40 + 2 AS answer');",
        '    console.log(`${typeof require} ${row.answer}`);',
        '  } finally {',
        '    await cluster.dispose();',
        '  }',
        '})().catch((error) => { console.error(error); process.exitCode = 1; });',
      ].join('\n'),
    );
    const { stdout } = await run(process.execPath, ['index.js'], { cwd: project, env });
    expect(stdout.trim()).toBe('function 42');
  }, 120_000);

  it('installs into a fresh ESM project: import works, types resolve, and the bin runs', async () => {
    const project = await projectWith('module');
    writeFileSync(join(project, 'index.js'), "import { HbaFile, Cluster } from 'pg-cluster';\nconsole.log(typeof Cluster, HbaFile.parse('local all all peer\\n').length);\n");
    const { stdout } = await run(process.execPath, ['index.js'], { cwd: project, env });
    expect(stdout.trim()).toBe('function 1');
    const manifest = (await import(join(root, 'package.json'), { with: { type: 'json' } })) as { default: { version: string } };
    const version = await run(join(project, 'node_modules', '.bin', 'pg-cluster'), ['--version'], { cwd: project, env });
    expect(version.stdout).toBe(`pg-cluster ${manifest.default.version}\n`);
    const listed = await run(join(project, 'node_modules', '.bin', 'pg-cluster'), ['list', '--json'], { cwd: project, env });
    expect((JSON.parse(listed.stdout) as { installations: unknown[] }).installations.length).toBeGreaterThan(0);
    // The declarations come along: dist/index.d.ts is what `types` names.
    expect(readdirSync(join(project, 'node_modules', 'pg-cluster', 'dist'))).toContain('index.d.ts');
  }, 120_000);
});
