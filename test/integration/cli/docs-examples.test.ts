// Runs every `$ pg-cluster …` line of docs/cli.md through main(argv, io) and checks its exit
// status (`# exit status N`, else 0). The help texts shown must match word for word; the list
// tables must match once paths, digits and column padding are normalised (versions and the
// clone's location differ between machines); the error text must match stderr.
// `tmp` examples that start a cluster run the compiled command in a child process instead (the
// command they run shares the process's stdout): without `-- command` it gets SIGINT (Ctrl-C)
// once it has printed how to connect; afterwards no cluster folder may be left.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { captureIo } from '../../unit/cli/capture-io.js';
import { useCompiledCli } from '../throwaway/compile-throwaway.js';

interface Example {
  line: number;
  argv: string[];
  status: number;
  /** The ```text block right after the command's ```sh block, if any. */
  shown: string | null;
}

function examples(markdown: string): Example[] {
  const found: Example[] = [];
  const pattern = /^```sh\n([\s\S]*?)^```\n(?:\n```text\n([\s\S]*?)^```$)?/gm;
  for (const match of markdown.matchAll(pattern)) {
    const line = markdown.slice(0, match.index).split('\n').length;
    for (const command of match[1]!.split('\n').filter((l) => l.startsWith('$ pg-cluster'))) {
      const status = /#\s*exit status (\d+)\s*$/.exec(command);
      const words = splitWords(command.replace(/#[^'"]*$/, '').trim()).slice(2);
      found.push({ line, argv: words, status: status ? Number(status[1]) : 0, shown: match[2] ?? null });
    }
  }
  return found;
}

/** Words as a POSIX shell splits them, for the quoting the examples use ('…' and "…", no escapes). */
function splitWords(line: string): string[] {
  const words: string[] = [];
  for (const match of line.matchAll(/(?:'([^']*)'|"([^"]*)"|([^\s'"]+))+|\s+/g)) {
    if (/^\s+$/.test(match[0])) continue;
    words.push(match[0].replace(/'([^']*)'|"([^"]*)"/g, (_all, single: string | undefined, double: string | undefined) => single ?? double ?? ''));
  }
  return words;
}

const normalise = (text: string) =>
  text.replaceAll(process.cwd(), '/home/me/project').replace(/\d+/g, 'N').replace(/ +/g, ' ').replace(/ $/gm, '');

/** A `tmp` output with the parts that differ per run or machine replaced: the cluster's folder
 * (`<pid>-<random>`, also percent-encoded in a URI) and the server's version. */
const normaliseTmp = (text: string) =>
  text.replace(/(clusters(?:\/|%2F))\d+-[A-Za-z0-9]+/g, '$1ID').replace(/^PostgreSQL [^:]+:/, 'PostgreSQL VERSION:');

/** `tmp` examples that start a cluster; the others (help, usage errors) run in-process. */
const startsCluster = (example: Example) => example.argv[0] === 'tmp' && !example.argv.includes('--help') && example.status !== 2;

const mainJs = useCompiledCli();
const storage = mkdtempSync('/tmp/pgct-cli-docs-');
chmodSync(storage, 0o755);
afterAll(() => {
  rmSync(storage, { recursive: true, force: true });
});

/** Runs `node main.js …argv`; without `--` (a cluster that waits for Ctrl-C) sends SIGINT once it has printed a line. */
function runChild(argv: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [mainJs(), ...argv], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waits = !argv.includes('--');
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
    if (waits && (stdout.includes('Ctrl-C') || (stdout.startsWith('{') && stdout.endsWith('\n')))) child.kill('SIGINT');
  });
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.once('close', (status) => resolve({ status, stdout, stderr })));
}

describe('docs/cli.md examples', () => {
  const all = examples(readFileSync(resolve('docs/cli.md'), 'utf8'));

  it('finds the examples', () => {
    expect(all.map((e) => e.argv.join(' '))).toEqual([
      'list',
      'list --npm-aliases',
      'list --json',
      '--json',
      'tmp',
      'tmp --json',
      'tmp -- psql -XAtc SELECT 40 + 2',
      'tmp --database app -- sh -c echo "$PGDATABASE as $PGUSER on $PGHOST"; exit 3',
      'tmp -- no-such-program',
      'tmp psql -XAtc SELECT 1',
      'tmp --tcp --ssl -- psql -XAtc SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
      'tmp --help',
      'tmp --port x',
      'clusters --help',
      'create --help',
      'start --help',
      'stop --help',
      'restart --help',
      'reload --help',
      'status --help',
      'conf --help',
      'hba --help',
      'drop --help',
      'stop app --mode gentle',
      '--help',
      'list --help',
      'list --frobnicate',
      'lsit',
    ]);
    expect(all.find((e) => e.argv[0] === 'tmp' && e.argv.includes('sh'))!.argv.slice(-3)).toEqual(['sh', '-c', 'echo "$PGDATABASE as $PGUSER on $PGHOST"; exit 3']);
  });

  it.each(all.filter(startsCluster).map((e) => [e.argv.join(' '), e] as const))('pg-cluster %s (a child process)', async (_name, example) => {
    // The default storage, as the docs show it, but under /tmp/pgct-* where a leftover would show.
    const env = { ...process.env, PG_CONFIG: undefined, PG_CLUSTER_STORAGE: join(storage, 'root') };
    const { status, stdout, stderr } = await runChild(example.argv, env);
    expect(status, stderr).toBe(example.status);
    const printed = stdout === '' ? stderr : stdout;
    const shown = example.shown!.replaceAll('/dev/shm/pg-cluster-0', join(storage, 'root')).replaceAll('%2Fdev%2Fshm%2Fpg-cluster-0', encodeURIComponent(join(storage, 'root')));
    expect(normaliseTmp(printed)).toBe(normaliseTmp(shown));
    expect(readdirSync(join(storage, 'root', 'clusters'))).toEqual([]);
  });

  it.each(all.filter((e) => !startsCluster(e)).map((e) => [e.argv.join(' '), e] as const))('pg-cluster %s', async (_name, example) => {
    const io = captureIo({ ...process.env, PG_CONFIG: undefined });
    expect(await main(example.argv, io)).toBe(example.status);
    if (example.shown === null) return;
    if (example.argv.includes('--help')) {
      expect(io.out()).toBe(example.shown);
    } else if (example.argv.includes('--json')) {
      const parsed = JSON.parse(io.out()) as { installations: Record<string, unknown>[] };
      for (const key of ['version', 'versionInfo', 'bindir', 'source', 'path', 'clientOnly', 'isDefault', 'foundBy', 'ssl', 'paths']) {
        expect(parsed.installations[0]).toHaveProperty(key);
      }
      expect(parsed.installations[0]!.foundBy).toEqual([
        { source: 'path', path: '/usr/bin/pg_config' },
        { source: 'debian', path: '/usr/lib/postgresql/15/bin/pg_config' },
      ]);
    } else if (example.status === 0) {
      expect(normalise(io.out())).toBe(normalise(example.shown));
    } else {
      expect(io.err()).toBe(example.shown);
    }
  });
});
