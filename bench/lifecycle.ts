// Benchmark: the lifecycle of one cluster with pg-cluster's Cluster against the PostgreSQL tools
// it replaces, on the same installation, in one run: init (initdb), start until ready, stop.
//
// Run it (bench/run.sh compiles it with tsc, then runs it with node):
//
//     npm run bench -- lifecycle [--rounds 10] [--bindir DIR]
//
// Not a test: it asserts nothing. Rounds alternate between the two sides so that disk noise
// hits both; each figure is the median of the rounds, with the ratio pg-cluster / baseline.
//   init:  Cluster.init()                 vs  initdb                    (same arguments)
//   start: Cluster.start() until ready    vs  pg_ctl start -w           (same settings)
//   stop:  Cluster.stop({ mode: 'fast' }) vs  pg_ctl stop -m fast -w
// As root both sides run the programs as the `postgres` OS user (setpriv), as the SDK does.
import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Cluster } from '../src/cluster/index.js';
import { resolveRunAs } from '../src/control/index.js';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const rounds = Number(option('rounds', '10'));
const bindir = option('bindir', execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim());
const major = Number(/(\d+)/.exec(execFileSync(join(bindir, 'postgres'), ['--version'], { encoding: 'utf8' }))![1]);
const installation = {
  versionInfo: { major },
  paths: { bindir, initdb: join(bindir, 'initdb'), postgres: join(bindir, 'postgres'), pg_ctl: join(bindir, 'pg_ctl') },
};
const user = await resolveRunAs();
const asUser = user === null ? [] : ['setpriv', `--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '--'];
const initArgs = ['-U', 'postgres', '--auth-local=trust', '-E', 'UTF8', '--locale=C', '--no-sync'];

function run(file: string, args: string[]): void {
  const [command, ...rest] = [...asUser, file, ...args];
  execFileSync(command!, rest, { stdio: 'ignore', env: { ...process.env, LC_MESSAGES: 'C' } });
}

function scratch(): { root: string; data: string; settings: Record<string, string> } {
  const root = mkdtempSync('/tmp/pgct-bench-lifecycle-');
  if (user !== null) chownSync(root, user.uid, user.gid);
  return { root, data: join(root, 'data'), settings: { listen_addresses: '', unix_socket_directories: root, fsync: 'off', lc_messages: 'C' } };
}

async function time(action: () => unknown): Promise<number> {
  const started = performance.now();
  await action();
  return performance.now() - started;
}

type Sample = { init: number; start: number; stop: number };

async function ours(): Promise<Sample> {
  const { root, data, settings } = scratch();
  try {
    const cluster = new Cluster(installation, data);
    const init = await time(() => cluster.init({ user: 'postgres', authLocal: 'trust', encoding: 'UTF8', locale: 'C', noSync: true }));
    const start = await time(() => cluster.start({ settings, logfile: join(root, 'server.log') }));
    const stop = await time(() => cluster.stop({ mode: 'fast' }));
    return { init, start, stop };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function baseline(): Promise<Sample> {
  const { root, data, settings } = scratch();
  const options = Object.entries(settings)
    .map(([name, value]) => `-c ${name}=${value === '' ? "''" : value}`)
    .join(' ');
  try {
    const init = await time(() => run(join(bindir, 'initdb'), ['-D', data, ...initArgs]));
    const start = await time(() => run(join(bindir, 'pg_ctl'), ['start', '-w', '-D', data, '-l', join(root, 'server.log'), '-o', options]));
    const stop = await time(() => run(join(bindir, 'pg_ctl'), ['stop', '-m', 'fast', '-w', '-D', data]));
    return { init, start, stop };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const samples: { ours: Sample[]; baseline: Sample[] } = { ours: [], baseline: [] };
await ours(); // warm the page cache for both sides
await baseline();
for (let i = 0; i < rounds; i++) {
  if (i % 2 === 0) {
    samples.ours.push(await ours());
    samples.baseline.push(await baseline());
  } else {
    samples.baseline.push(await baseline());
    samples.ours.push(await ours());
  }
}

const lines = [
  `PostgreSQL ${major} at ${bindir}; ${cpus().length} CPUs; ${rounds} rounds; medians in ms${user === null ? '' : `; programs run as ${user.user}`}`,
  '',
  '| step | pg-cluster | baseline | ratio | baseline command |',
  '| --- | ---: | ---: | ---: | --- |',
];
const commands: Record<keyof Sample, string> = { init: 'initdb', start: 'pg_ctl start -w', stop: 'pg_ctl stop -m fast -w' };
for (const step of ['init', 'start', 'stop'] as const) {
  const a = median(samples.ours.map((s) => s[step]));
  const b = median(samples.baseline.map((s) => s[step]));
  lines.push(`| ${step} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(a / b).toFixed(2)} | ${commands[step]} |`);
}
const total = (list: Sample[]) => median(list.map((s) => s.init + s.start + s.stop));
lines.push(`| total | ${total(samples.ours).toFixed(1)} | ${total(samples.baseline).toFixed(1)} | ${(total(samples.ours) / total(samples.baseline)).toFixed(2)} | |`);
process.stdout.write(`${lines.join('\n')}\n`);
