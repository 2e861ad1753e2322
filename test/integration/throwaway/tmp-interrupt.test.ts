import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useCompiledCli } from './compile-throwaway.js';

// Issue 10 item 15: a signal that came while `pg-cluster tmp` was starting was ignored whenever
// an execa child (`cp -a` of the template, `id`, …) was running: the exit cleanup registry left
// the signal to "the application" because execa's signal-exit listened too, and signal-exit left
// it to the registry. The command then printed its connection info and waited, server running.

const storage = mkdtempSync('/tmp/pgct-tmpint-');
chmodSync(storage, 0o755);
const clusters = join(storage, 'root', 'clusters');
const env = { ...process.env, PG_CLUSTER_STORAGE: join(storage, 'root') };
const mainJs = useCompiledCli();
/** How long a signalled `tmp` may take to clean up and exit (a loaded 2-core machine is slow). */
const EXIT_BOUND_MS = 8_000;
const statuses = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

interface Outcome {
  /** Milliseconds from the spawn to the signal, and from the signal to the exit. */
  sentAt: number;
  exitMs: number;
  /**
   * Whether the connection info came out (before or after the signal was sent: a signal that
   * arrives as the creation resolves may be handled only once the info is printed).
   */
  wasPrinted: boolean;
  /** The exit status as a shell reports it (128 + n for a death by signal n); `null`: still running after EXIT_BOUND_MS. */
  status: number | null;
  /** Cluster folders of this run still on disk, and processes still running in them. */
  folders: string[];
  servers: string[];
  stderr: string;
}

interface Run {
  child: ChildProcess;
  startedAt: number;
  out(): string;
  err(): string;
  closed: Promise<number>;
}

function startTmp(args: string[] = []): Run {
  const child = spawn(process.execPath, [mainJs(), 'tmp', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk) => (out += chunk));
  child.stderr!.on('data', (chunk) => (err += chunk));
  const closed = new Promise<number>((resolve) =>
    child.once('close', (code, signal) => resolve(code ?? 128 + (signal === null ? 0 : (constants.signals[signal] ?? 0)))),
  );
  return { child, startedAt: performance.now(), out: () => out, err: () => err, closed };
}

/** Sends `signals` (one after the other, `gap` ms apart), then waits for the exit within the bound and reports what is left. */
async function interrupt(run: Run, signals: NodeJS.Signals[], gap = 0): Promise<Outcome> {
  const sentAt = Math.round(performance.now() - run.startedAt);
  for (const [index, signal] of signals.entries()) {
    if (index > 0 && gap > 0) await sleep(gap);
    run.child.kill(signal);
  }
  let status = await Promise.race([run.closed, sleep(EXIT_BOUND_MS).then(() => null)]);
  const exitMs = Math.round(performance.now() - run.startedAt) - sentAt;
  if (status === null) {
    // The signal was lost. End the run anyway: it waits for a signal now, and cleans up on this one.
    run.child.kill('SIGTERM');
    if ((await Promise.race([run.closed, sleep(EXIT_BOUND_MS).then(() => null)])) === null) run.child.kill('SIGKILL');
    await run.closed;
    status = null;
  }
  const prefix = `${run.child.pid}-`;
  const folders = existsSync(clusters) ? readdirSync(clusters).filter((name) => name.startsWith(prefix)) : [];
  // A server that is gone may linger as a zombie ("[postgres] <defunct>", no path): only live ones name the folder.
  const table = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  const servers = table.split('\n').filter((line) => line.includes(join(clusters, prefix)));
  return { sentAt, exitMs, wasPrinted: run.out().includes('Ctrl-C'), status, folders, servers, stderr: run.err() };
}

/** Resolves once `check` holds (polled every millisecond or so), or when the run has exited. */
async function when(run: Run, check: () => boolean): Promise<boolean> {
  let exited = false;
  void run.closed.then(() => (exited = true));
  while (!exited) {
    if (check()) return true;
    await sleep(1);
  }
  return false;
}

function clusterFolder(run: Run): string | null {
  if (!existsSync(clusters)) return null;
  const name = readdirSync(clusters).find((entry) => entry.startsWith(`${run.child.pid}-`));
  return name === undefined ? null : join(clusters, name);
}

/** Milliseconds from the spawn until the connection info is printed; the run is then ended with SIGINT. */
async function measureStart(): Promise<number> {
  const run = startTmp();
  await when(run, () => run.out().includes('Ctrl-C'));
  const elapsed = performance.now() - run.startedAt;
  const outcome = await interrupt(run, ['SIGINT']);
  expect(outcome).toMatchObject({ status: 0, folders: [], servers: [] });
  return elapsed;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

afterAll(() => {
  rmSync(storage, { recursive: true, force: true });
});

describe('pg-cluster tmp: no signal is lost while it starts', () => {
  let startMs = 0;
  beforeAll(async () => {
    await measureStart(); // builds the template on a cold cache
    startMs = await measureStart();
  }, 60_000);

  it('a SIGINT at any moment of the start (0 to 1.5 × the measured start) ends it at once with 130, or 0 once the connection info is out, leaving no server and no folder', async () => {
    const steps = 10;
    const outcomes: Outcome[] = [];
    for (let step = 0; step < steps; step++) {
      const run = startTmp();
      await sleep((step * 1.5 * startMs) / (steps - 1));
      outcomes.push(await interrupt(run, ['SIGINT']));
    }
    const summary = outcomes.map((o) => `${o.sentAt} ms: ${o.status ?? 'LOST'} after ${o.exitMs} ms${o.wasPrinted ? ' (printed)' : ''}`).join(', ');
    // Without the connection info the start was interrupted: 130 (a death by SIGINT before Node
    // has run our first line reads the same to a shell). With it, a signal is how it ends: 0.
    expect(outcomes.map((o) => o.status), `start ${Math.round(startMs)} ms; ${summary}`).toEqual(outcomes.map((o) => (o.wasPrinted ? 0 : 130)));
    expect(outcomes.flatMap((o) => [...o.folders, ...o.servers])).toEqual([]);
  }, 120_000);

  const phases: [string, (run: Run) => boolean][] = [
    ['its folder is made', (run) => clusterFolder(run) !== null],
    ['the template is being copied (cp -a)', (run) => {
      const folder = clusterFolder(run);
      return folder !== null && existsSync(join(folder, 'data'));
    }],
    ['the server is starting', (run) => {
      const folder = clusterFolder(run);
      return folder !== null && existsSync(join(folder, 'data', 'postmaster.pid'));
    }],
  ];

  it.each(phases)('a SIGINT sent as soon as %s ends it with 130 and leaves nothing', async (_phase, reached) => {
    const run = startTmp();
    expect(await when(run, () => reached(run))).toBe(true);
    const outcome = await interrupt(run, ['SIGINT']);
    expect(outcome, `sent at ${outcome.sentAt} ms; stderr: ${outcome.stderr}`).toMatchObject({ status: outcome.wasPrinted ? 0 : 130, folders: [], servers: [] });
  }, 60_000);

  it.each(['SIGTERM', 'SIGHUP'] as const)('%s during the copy ends it with 128 + n and leaves nothing', async (signal) => {
    const run = startTmp();
    expect(await when(run, () => existsSync(join(clusterFolder(run) ?? '/nonexistent', 'data')))).toBe(true);
    const outcome = await interrupt(run, [signal]);
    expect(outcome).toMatchObject({ status: outcome.wasPrinted ? 0 : statuses[signal], folders: [], servers: [] });
  }, 30_000);

  it('a second and third Ctrl-C while it cancels the start leave no server and no folder either', async () => {
    for (const [reached, gap] of [[phases[1]![1], 0], [phases[2]![1], 15]] as const) {
      const run = startTmp();
      expect(await when(run, () => reached(run))).toBe(true);
      const outcome = await interrupt(run, ['SIGINT', 'SIGINT', 'SIGINT'], gap);
      expect(outcome, `sent at ${outcome.sentAt} ms; stderr: ${outcome.stderr}`).toMatchObject({ status: outcome.wasPrinted ? 0 : 130, folders: [], servers: [] });
    }
  }, 60_000);

  it('tmp -- command: a SIGINT at any moment ends it with 130, and before the command runs the command is not run at all', async () => {
    const marker = join(storage, 'ran');
    const steps = 6;
    const outcomes: (Outcome & { hasRun: boolean })[] = [];
    for (let step = 0; step < steps; step++) {
      rmSync(marker, { force: true });
      // Once running, the command gets the SIGINT (sleep dies of it: 130 is its status and ours).
      const run = startTmp(['--', 'sh', '-c', `touch '${marker}'; exec sleep 30`]);
      await sleep((step * 1.5 * startMs) / (steps - 1));
      const outcome = await interrupt(run, ['SIGINT']);
      outcomes.push({ ...outcome, hasRun: existsSync(marker) });
    }
    const summary = outcomes.map((o) => `${o.sentAt} ms: ${o.status ?? 'LOST'} after ${o.exitMs} ms${o.hasRun ? ' (ran)' : ''}`).join(', ');
    expect(outcomes.map((o) => o.status), summary).toEqual(outcomes.map(() => 130));
    expect(outcomes.flatMap((o) => [...o.folders, ...o.servers])).toEqual([]);

    // Interrupted while the template is copied: the command never starts.
    rmSync(marker, { force: true });
    const run = startTmp(['--', 'sh', '-c', `touch '${marker}'; exec sleep 30`]);
    expect(await when(run, () => phases[1]![1](run))).toBe(true);
    const outcome = await interrupt(run, ['SIGINT']);
    expect(outcome).toMatchObject({ status: 130, folders: [], servers: [] });
    expect(existsSync(marker)).toBe(false);
  }, 120_000);
});
