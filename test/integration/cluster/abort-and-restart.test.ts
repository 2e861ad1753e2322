// AbortSignal and timeout on the long operations (init, stop, restart, drop), and restart()'s
// contract: py-postgresql's restart([logfile[, settings[, timeout]]]) gives logfile and settings
// to start(); here, without them, those of the last start are used again.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ClusterTimeoutError, InitDBError } from '../../../src/cluster/index.js';
import { isProcessAlive } from '../../../src/control/index.js';
import { fakeDataDirectory, fakeServerInstallation, quickInit, rejection, useWorkspaces, type Workspace } from './fixtures.js';

const ws = useWorkspaces();


/** Live processes whose command line mentions `text` (from /proc; zombies do not count). */
function processesMentioning(text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text) && isProcessAlive(Number(entry))) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

async function showSetting(w: Workspace, name: string): Promise<string> {
  const client = new pg.Client(await w.cluster.connectionOptions());
  await client.connect();
  try {
    return String((await client.query(`show ${name}`)).rows[0]?.[name]);
  } finally {
    await client.end();
  }
}

describe('AbortSignal', () => {
  it('init(): an aborted signal runs nothing; aborting a running initdb is an InitDBError (isCanceled) and leaves neither folder nor process', async () => {
    const w = ws();
    const early = await rejection(w.cluster.init({ ...quickInit, signal: AbortSignal.abort(new Error('not now')) }));
    expect(early).toMatchObject({ message: 'not now' });
    expect(existsSync(w.dataDirectory)).toBe(false);

    const controller = new AbortController();
    const running = w.cluster.init({ ...quickInit, signal: controller.signal });
    await expect.poll(() => existsSync(join(w.dataDirectory, 'PG_VERSION')) || existsSync(join(w.dataDirectory, 'base')), { interval: 5 }).toBe(true);
    controller.abort(new Error('enough'));
    const error = await rejection(running);
    expect(error).toBeInstanceOf(InitDBError);
    expect(error).toMatchObject({ code: 'INITDB_FAILED', isCanceled: true, timedOut: false });
    expect(await w.cluster.initialized()).toBe(false);
    expect(existsSync(w.dataDirectory)).toBe(false);
    await expect.poll(() => processesMentioning(w.dataDirectory), { timeout: 5_000 }).toEqual([]);
  });

  it('stop(): an aborted signal sends nothing; aborting a smart stop that waits for a client rejects with the reason', async () => {
    const w = ws();
    await w.cluster.init(quickInit);
    const { pid } = await w.cluster.start({ settings: w.settings });
    expect(await rejection(w.cluster.stop({ signal: AbortSignal.abort(new Error('keep it')) }))).toMatchObject({ message: 'keep it' });
    expect(await w.cluster.readyForConnections()).toBe(true); // not even asked to stop

    const client = new pg.Client(await w.cluster.connectionOptions());
    client.on('error', () => undefined);
    await client.connect();
    try {
      const controller = new AbortController();
      const stopping = w.cluster.stop({ signal: controller.signal, timeout: 30_000 });
      await expect.poll(() => w.cluster.readyForConnections()).toBe(false); // status: stopping
      controller.abort(new Error('changed my mind'));
      expect(await rejection(stopping)).toMatchObject({ message: 'changed my mind' });
      expect(isProcessAlive(pid)).toBe(true); // the smart shutdown still waits for the client
    } finally {
      await client.end().catch(() => undefined);
    }
    await w.cluster.waitUntilStopped();
    expect(isProcessAlive(pid)).toBe(false);
  });

  it('drop(): an aborted signal leaves the server running and the data directory in place', async () => {
    const signals: string[] = [];
    const w = ws(undefined, { log: (event) => (event.type === 'signal' ? signals.push(event.signal) : undefined) });
    await w.cluster.init(quickInit);
    const { pid } = await w.cluster.start({ settings: w.settings });
    expect(await rejection(w.cluster.drop({ signal: AbortSignal.abort(new Error('no')) }))).toMatchObject({ message: 'no' });
    expect(signals).toEqual([]); // the server was not asked to stop
    expect(await w.cluster.pid()).toBe(pid);
    expect(await w.cluster.initialized()).toBe(true);
  });

  it('restart(): aborting while it waits for the new server rejects with the reason and leaves nothing running', async () => {
    const w = ws(fakeServerInstallation('never-ready-postgres'));
    await fakeDataDirectory(w.dataDirectory);
    const first = await w.cluster.start({ wait: false });
    const controller = new AbortController();
    const restarting = w.cluster.restart({ signal: controller.signal, mode: 'immediate', timeout: 30_000 });
    await expect.poll(() => w.cluster.daemonProcess?.pid !== first.pid).toBe(true);
    controller.abort(new Error('stop restarting'));
    expect(await rejection(restarting)).toMatchObject({ message: 'stop restarting' });
    expect(isProcessAlive(first.pid)).toBe(false);
    expect(isProcessAlive(w.cluster.daemonProcess!.pid)).toBe(false);
  });
});

describe('drop() and its timeout', () => {
  it('a server that ignores every request: drop escalates within its timeouts, kills it, removes the directory', async () => {
    const w = ws(fakeServerInstallation('stubborn-postgres'));
    await fakeDataDirectory(w.dataDirectory);
    const { pid } = await w.cluster.start();
    await w.cluster.drop({ timeout: 100, escalationTimeout: 100 });
    expect(isProcessAlive(pid)).toBe(false);
    expect(existsSync(w.dataDirectory)).toBe(false);
  });
});

describe('restart()', () => {
  it('reuses the last start\'s settings and log stream; given ones replace them', async () => {
    const w = ws();
    await w.cluster.init(quickInit);
    const stream = new PassThrough();
    let output = '';
    stream.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const first = await w.cluster.start({ logfile: stream, settings: { ...w.settings, work_mem: '9MB' } });
    output = '';

    const second = await w.cluster.restart();
    expect(second).toMatchObject({ alreadyRunning: false, logfile: null });
    expect(second.pid).not.toBe(first.pid);
    expect(await showSetting(w, 'work_mem')).toBe('9MB');
    expect(output).toContain('database system is ready to accept connections'); // the same stream

    const logfile = join(w.root, 'after-restart.log');
    const third = await w.cluster.restart({ logfile, settings: w.settings });
    expect(third.logfile).toBe(logfile);
    expect(await showSetting(w, 'work_mem')).toBe('4MB'); // the default again: settings replaced, not merged
    expect(readFileSync(logfile, 'utf8')).toContain('database system is ready to accept connections');
  });

  it('timeout is the start\'s too: a server that never gets ready is a ClusterTimeoutError of that timeout', async () => {
    const w = ws(fakeServerInstallation('never-ready-postgres'));
    await fakeDataDirectory(w.dataDirectory);
    await w.cluster.start({ wait: false });
    const error = await rejection(w.cluster.restart({ mode: 'immediate', timeout: 300 }));
    expect(error).toBeInstanceOf(ClusterTimeoutError);
    expect(error).toMatchObject({ operation: 'start', timeout: 300 });
    expect(isProcessAlive(error.pid)).toBe(false);
  });

  it('a client that stays: the smart stop escalates after `timeout`, then the server starts again', async () => {
    const escalations: Array<{ from: string; to: string }> = [];
    const w = ws(undefined, { log: (event) => (event.type === 'escalate' ? escalations.push({ from: event.from, to: event.to }) : undefined) });
    await w.cluster.init(quickInit);
    const first = await w.cluster.start({ settings: w.settings });
    const client = new pg.Client(await w.cluster.connectionOptions());
    client.on('error', () => undefined);
    await client.connect();
    try {
      const restarted = await w.cluster.restart({ timeout: 300 });
      expect(restarted.pid).not.toBe(first.pid);
      expect(escalations).toEqual([{ from: 'smart', to: 'fast' }]);
      expect(await w.cluster.readyForConnections()).toBe(true);
      await expect(client.query('select 1')).rejects.toThrow();
    } finally {
      await client.end().catch(() => undefined);
    }
  });
});
