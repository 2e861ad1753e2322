import { execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isProcessAlive } from '../../../src/control/index.js';
import { compileThrowaway, removeCompiled } from './compile-throwaway.js';

const run = promisify(execFile);
const worker = join(import.meta.dirname, 'fixtures', 'throwaway-worker.mjs');
const scratch = mkdtempSync('/tmp/pgct-workers-');
chmodSync(scratch, 0o755);
let compiled = '';

interface Reported {
  directory: string;
  pid: number;
  dataDirectory: string;
  workerPid: number;
}

beforeAll(() => {
  compiled = compileThrowaway();
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  removeCompiled(compiled);
});

function lines(stdout: string): Reported[] {
  return stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Reported);
}

async function waitUntil(check: () => boolean, ms = 10_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

/** Starts a worker and resolves with it and its first reported cluster. */
function startWorker(command: string, storage: string): Promise<{ child: ReturnType<typeof spawn>; reported: Reported; exited: Promise<{ code: number | null; signal: string | null }> }> {
  const child = spawn(process.execPath, [worker, compiled, command, storage], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (chunk) => (err += chunk));
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const [reported] = lines(out);
      if (reported !== undefined) resolve({ child, reported, exited });
    });
    void exited.then(({ code }) => reject(new Error(`worker ${command} exited (${code}) before reporting: ${err}`)));
  });
}

describe('throwaway clusters across processes', () => {
  it('starts 8 clusters in parallel in 4 worker processes from one template, without collisions', async () => {
    const storage = join(scratch, 'parallel');
    const results = await Promise.all([1, 2, 3, 4].map(() => run(process.execPath, [worker, compiled, 'parallel', storage, '2'])));
    const reported = results.flatMap((result) => lines(result.stdout));
    expect(reported).toHaveLength(8);
    expect(new Set(reported.map((r) => r.directory)).size).toBe(8);
    expect(new Set(reported.map((r) => r.pid)).size).toBe(8);
    for (const r of reported) expect(r.dataDirectory).toBe(join(r.directory, 'data'));
    // The workers raced to build the template: exactly one is in place, no build folder is left.
    expect(readdirSync(join(storage, 'templates'))).toHaveLength(1);
    // Every worker disposed its clusters and exited: nothing runs, nothing is left.
    for (const r of reported) expect(isProcessAlive(r.pid)).toBe(false);
    expect(readdirSync(join(storage, 'clusters'))).toEqual([]);
  });

  it('leaves no server when the owning process is SIGKILLed, and the next run removes its folder', async () => {
    const storage = join(scratch, 'sigkill');
    const { child, reported, exited } = await startWorker('hold', storage);
    expect(isProcessAlive(reported.pid)).toBe(true);
    child.kill('SIGKILL');
    expect(await exited).toMatchObject({ signal: 'SIGKILL' });
    // The parent-death signal stops the server on its own.
    expect(await waitUntil(() => !isProcessAlive(reported.pid))).toBe(true);
    expect(existsSync(reported.directory)).toBe(true);
    // The next process that creates a cluster in the same storage sweeps the leftover.
    const next = await run(process.execPath, [worker, compiled, 'create-and-dispose', storage]);
    expect(lines(next.stdout)).toHaveLength(1);
    expect(existsSync(reported.directory)).toBe(false);
    expect(readdirSync(join(storage, 'clusters'))).toEqual([]);
  });

  for (const command of ['SIGTERM', 'SIGINT', 'throw', 'exit']) {
    it(`stops the server and removes the folder when the owning process ends by ${command}`, async () => {
      const storage = join(scratch, command);
      const { reported, exited } = await startWorker(command, storage);
      const outcome = await exited;
      if (command === 'SIGTERM' || command === 'SIGINT') expect(outcome.signal).toBe(command);
      else expect(outcome.code).not.toBe(0);
      expect(isProcessAlive(reported.pid)).toBe(false);
      expect(existsSync(reported.directory)).toBe(false);
    });
  }
});
