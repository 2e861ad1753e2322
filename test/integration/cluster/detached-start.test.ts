import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isProcessAlive, pendingExitCleanups } from '../../../src/control/index.js';
import { Cluster } from '../../../src/cluster/index.js';
import { InvalidArgumentError } from '../../../src/errors.js';
import { systemBindir } from '../../helpers/scratch-server.js';
import { compileSource } from '../control/compile-source.js';
import { quickInit, systemInstallation, workspace, type Workspace } from './fixtures.js';

// start({ detached: true }) leaves the server running after the Node process that started it
// ends, as `pg_ctl start` does. Each case starts the server from a child Node program
// (test/fixtures/control/detached-server.mjs), lets that program end, checks that the server
// still answers, and stops it from another process (a second program, or this one).

let compiled: ReturnType<typeof compileSource>;
let ws: Workspace;
const fixture = join(process.cwd(), 'test', 'fixtures', 'control', 'detached-server.mjs');

beforeAll(async () => {
  compiled = compileSource();
  ws = workspace();
  await ws.cluster.init(quickInit);
});
afterAll(async () => {
  compiled?.remove();
  await ws?.cleanup();
});

function runProgram(action: 'start' | 'stop', mode: 'exit' | 'wait' = 'exit') {
  const child = spawn(process.execPath, [fixture, compiled.outDir, action, mode, systemBindir(), ws.dataDirectory, ws.socketDir, ws.cluster.logPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const firstLine = async (): Promise<Record<string, unknown>> => {
    while (!stdout.includes('\n')) {
      const [chunk] = (await Promise.race([once(child.stdout!, 'data'), once(child, 'exit').then(() => [Buffer.from('')])])) as [Buffer];
      if (chunk.length === 0 && !stdout.includes('\n')) throw new Error(`the program printed nothing:\n${stderr}`);
    }
    return JSON.parse(stdout.split('\n')[0]!) as Record<string, unknown>;
  };
  return { child, firstLine, stderr: () => stderr };
}

async function answers(): Promise<number> {
  const client = new pg.Client({ host: ws.socketDir, port: 5432, user: 'postgres', database: 'postgres' });
  await client.connect();
  try {
    return (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  } finally {
    await client.end();
  }
}

/** The session id of a process (field 6 of /proc/<pid>/stat). */
function sessionOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
}

async function stopInThisProcess(): Promise<void> {
  await new Cluster(systemInstallation(), ws.dataDirectory).stop({ mode: 'immediate', timeout: 5_000 }).catch(() => undefined);
}

describe('start({ detached: true })', () => {
  it('the server outlives the Node process that started it (normal exit), and another process stops it', async () => {
    try {
      const starter = runProgram('start', 'exit');
      const started = await starter.firstLine();
      const [code] = await once(starter.child, 'exit');
      expect(code).toBe(0);
      expect(started).toMatchObject({ alreadyRunning: false, detached: true, logfile: ws.cluster.logPath, pendingExitCleanups: 0 });
      const pid = started['pid'] as number;
      // The server is its own session leader, not in the session of the Node program.
      expect(sessionOf(pid)).toBe(pid);
      expect(isProcessAlive(pid)).toBe(true);
      expect(await answers()).toBeGreaterThan(0);
      expect(await ws.cluster.pid()).toBe(pid);

      const stopper = runProgram('stop');
      const stopped = await stopper.firstLine();
      const [stopCode] = await once(stopper.child, 'exit');
      expect({ stopCode, stderr: stopper.stderr() }).toEqual({ stopCode: 0, stderr: '' });
      expect(stopped).toMatchObject({ wasRunning: true, pid, stopped: true, crashed: false, finalMode: 'fast' });
      expect(isProcessAlive(pid)).toBe(false);
      expect(await ws.cluster.running()).toBe(false);
      // The server wrote its output to the log file.
      expect(readFileSync(ws.cluster.logPath, 'utf8')).toMatch(/database system is ready to accept connections/);
    } finally {
      await stopInThisProcess();
    }
  });

  it('the server outlives a SIGKILL of the Node process that started it (no parent-death signal)', async () => {
    try {
      const starter = runProgram('start', 'wait');
      const started = await starter.firstLine();
      starter.child.kill('SIGKILL');
      const [, signal] = await once(starter.child, 'exit');
      expect(signal).toBe('SIGKILL');
      const pid = started['pid'] as number;
      expect(isProcessAlive(pid)).toBe(true);
      expect(await answers()).toBeGreaterThan(0);
      const result = await new Cluster(systemInstallation(), ws.dataDirectory).stop({ mode: 'fast' });
      expect(result).toMatchObject({ wasRunning: true, pid, stopped: true, crashed: false });
    } finally {
      await stopInThisProcess();
    }
  });

  it('registers no exit cleanup, is left running by dispose, and restart() starts it detached again', async () => {
    const cluster = new Cluster(systemInstallation(), ws.dataDirectory);
    try {
      const before = pendingExitCleanups();
      const result = await cluster.start({ detached: true, settings: ws.settings });
      expect(result).toMatchObject({ alreadyRunning: false, detached: true, logfile: cluster.logPath });
      expect(pendingExitCleanups()).toBe(before);
      expect(cluster.daemonProcess?.detached).toBe(true);
      expect(cluster.daemonProcess?.hasParentDeathSignal).toBe(false);
      expect(cluster.daemonProcess?.watchdog).toBeNull();
      await cluster[Symbol.asyncDispose]();
      expect(await cluster.pid()).toBe(result.pid);
      const again = await cluster.restart({ mode: 'fast' });
      expect(again).toMatchObject({ alreadyRunning: false, detached: true });
      expect(pendingExitCleanups()).toBe(before);
      expect(await answers()).toBeGreaterThan(0);
    } finally {
      await cluster.stop({ mode: 'fast' }).catch(() => undefined);
      await stopInThisProcess();
    }
  });

  it('an ordinary start still registers its exit cleanup and is stopped by dispose (the control case)', async () => {
    const cluster = new Cluster(systemInstallation(), ws.dataDirectory);
    try {
      const before = pendingExitCleanups();
      const result = await cluster.start({ settings: ws.settings });
      expect(result.detached).toBe(false);
      expect(pendingExitCleanups()).toBe(before + 1);
      await cluster[Symbol.asyncDispose]();
      expect(await cluster.running()).toBe(false);
    } finally {
      await stopInThisProcess();
    }
  });

  it('refuses a stream as the log (it would die with this process) and a non-boolean `detached`, starting nothing', async () => {
    const cluster = new Cluster(systemInstallation(), ws.dataDirectory);
    const stream = new PassThrough();
    await expect(cluster.start({ detached: true, logfile: stream, settings: ws.settings })).rejects.toThrow(InvalidArgumentError);
    await expect(cluster.start({ detached: true, logfile: stream, settings: ws.settings })).rejects.toThrow(/Expected `logfile` to be a file path/);
    await expect(cluster.start({ detached: 'yes' as unknown as boolean, settings: ws.settings })).rejects.toThrow('Expected `detached` to be a boolean, got `yes`');
    expect(await cluster.running()).toBe(false);
  });
});
