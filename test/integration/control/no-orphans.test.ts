import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childPids, findServerOrphans, isProcessAlive } from '../../../src/control/index.js';
import { Cluster } from '../../../src/cluster/index.js';
import { systemBindir } from '../../helpers/scratch-server.js';
import { fauxInstallation, quickInit, workspace, type Workspace } from '../cluster/fixtures.js';
import { compileSource } from './compile-source.js';

// Every server we start dies with us. Each case runs a child Node program that owns a server
// (test/fixtures/control/own-server.mjs), ends that program in one way, and then checks the
// process table: the postmaster and all of its children are gone (a zombie counts as gone).
// Except for SIGKILL, the server runs without a parent-death signal, so what stops it is the
// SDK's exit cleanup alone, not setpriv.

let compiled: ReturnType<typeof compileSource>;
let ws: Workspace;
const fixture = join(process.cwd(), 'test', 'fixtures', 'control', 'own-server.mjs');

beforeAll(async () => {
  compiled = compileSource();
  ws = workspace(fauxInstallation(systemBindir(), 15));
  await ws.cluster.init(quickInit);
});
afterAll(async () => {
  compiled?.remove();
  await ws?.cleanup();
});

async function until(condition: () => boolean, timeout = 15_000): Promise<boolean> {
  const deadline = Date.now() + timeout;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

async function runOwner(mode: 'exit' | 'wait' | 'uncaught' | 'stop' | 'handles-sigterm', protection: 'all' | 'no-pdeathsig' | 'watchdog' = 'no-pdeathsig'): Promise<{ child: ChildProcess; pid: number; children: number[]; stderr: () => string; stdout: () => string }> {
  const child = spawn(process.execPath, [fixture, compiled.outDir, mode, systemBindir(), ws.dataDirectory, ws.socketDir, protection], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  while (!stdout.includes('\n')) {
    const [chunk] = (await Promise.race([once(child.stdout!, 'data'), once(child, 'exit').then(() => [Buffer.from('')])])) as [Buffer];
    if (chunk.length === 0) throw new Error(`the owner exited before starting a server:\n${stderr}`);
    stdout += chunk.toString();
  }
  const { pid, children } = JSON.parse(stdout.split('\n')[0]!) as { pid: number; children: number[] };
  expect(children.length).toBeGreaterThan(0); // checkpointer, walwriter, …
  return { child, pid, children, stderr: () => stderr, stdout: () => output };
}

async function expectAllGone(pid: number, children: number[]): Promise<void> {
  expect(await until(() => !isProcessAlive(pid))).toBe(true);
  expect(await until(() => children.every((p) => !isProcessAlive(p)))).toBe(true);
  expect(findServerOrphans(ws.dataDirectory)).toEqual([]);
  // The data directory is usable again at once: nothing holds its lock or shared memory.
  const cluster = new Cluster(fauxInstallation(systemBindir(), 15), ws.dataDirectory);
  expect(await cluster.running()).toBe(false);
}

describe('no orphans: a server dies with the Node process that started it', () => {
  it('on a normal exit', async () => {
    const { child, pid, children } = await runOwner('exit');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    await expectAllGone(pid, children);
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('on %s (stopped, then the signal ends the process as usual)', async (signal) => {
    const { child, pid, children } = await runOwner('wait');
    child.kill(signal);
    const [code, received] = await once(child, 'exit');
    expect({ code, received }).toEqual({ code: null, received: signal });
    await expectAllGone(pid, children);
  });

  it('on SIGTERM that the application handles itself: its orderly stop runs, nothing is killed first', async () => {
    const { child, pid, children, stdout } = await runOwner('handles-sigterm');
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(stdout()).toContain('{"orderly":true}');
    await expectAllGone(pid, children);
  });

  it('on an uncaught exception', async () => {
    const { child, pid, children, stderr } = await runOwner('uncaught');
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(stderr()).toContain('nobody catches this');
    await expectAllGone(pid, children);
  });

  it('on SIGKILL of the Node process (the parent-death signal, setpriv --pdeathsig)', async () => {
    const { child, pid, children } = await runOwner('wait', 'all');
    child.kill('SIGKILL');
    const [, received] = await once(child, 'exit');
    expect(received).toBe('SIGKILL');
    await expectAllGone(pid, children);
  });

  it('on SIGKILL of the Node process where setpriv is missing (macOS): the watchdog stops it', async () => {
    const { child, pid, children } = await runOwner('wait', 'watchdog');
    child.kill('SIGKILL');
    await once(child, 'exit');
    await expectAllGone(pid, children);
  });

  it('control case: without the parent-death signal, a SIGKILLed owner would leave its server running', async () => {
    const { child, pid } = await runOwner('wait', 'no-pdeathsig');
    child.kill('SIGKILL');
    await once(child, 'exit');
    const cluster = new Cluster(fauxInstallation(systemBindir(), 15), ws.dataDirectory);
    expect(await cluster.pid()).toBe(pid);
    expect(await cluster.stop({ mode: 'fast' })).toMatchObject({ wasRunning: true, pid });
    expect(isProcessAlive(pid)).toBe(false);
  });
});

describe('no orphans: stop and dispose', () => {
  it('a script whose last step is `await cluster.stop()` ends normally (the wait holds the event loop)', async () => {
    const { child, pid, children, stdout } = await runOwner('stop');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    expect(stdout()).toContain('{"stopped":true,"exit":{"exitCode":0,"signal":null}}');
    await expectAllGone(pid, children);
  });

  it('stop() and `await using` leave neither the postmaster nor its children', async () => {
    const { pid } = await ws.cluster.start({ settings: ws.settings });
    const children = childPids(pid);
    await ws.cluster.stop();
    expect(isProcessAlive(pid)).toBe(false);
    expect(children.filter(isProcessAlive)).toEqual([]);

    let disposedPid = 0;
    let disposedChildren: number[] = [];
    {
      await using cluster = new Cluster(fauxInstallation(systemBindir(), 15), ws.dataDirectory);
      disposedPid = (await cluster.start({ settings: ws.settings })).pid;
      disposedChildren = childPids(disposedPid);
    }
    expect(isProcessAlive(disposedPid)).toBe(false);
    expect(disposedChildren.filter(isProcessAlive)).toEqual([]);
  });
});
