// A postmaster.pid left by a crash whose pid now belongs to another process (pid reuse): never
// taken for this cluster's server, never signalled, and start() replaces it. And reload() where
// no connection can be made: the signal still goes, the result says the report is missing and why.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { Cluster } from '../../../src/cluster/index.js';
import { childPids, isProcessAlive, readPostmasterPid } from '../../../src/control/index.js';
import { quickInit, systemInstallation, useWorkspaces } from './fixtures.js';

const ws = useWorkspaces();

/** A lock file as a crashed server of `dataDirectory` would have left it, naming `pid`. */
function staleLock(dataDirectory: string, pid: number, socketDir: string): void {
  writeFileSync(join(dataDirectory, 'postmaster.pid'), `${pid}\n${dataDirectory}\n${Math.floor(Date.now() / 1000)}\n5432\n${socketDir}\n\n  5432001  0\nready\n`);
}

describe('a stale postmaster.pid whose pid was reused', () => {
  it('by an unrelated program: not running, not signalled, start() replaces the lock file', async () => {
    const w = ws();
    await w.cluster.init(quickInit);
    const stranger = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      staleLock(w.dataDirectory, stranger.pid!, w.socketDir);
      expect(await w.cluster.running()).toBe(false);
      expect(await w.cluster.pid()).toBeNull();
      expect(await w.cluster.readyForConnections()).toBeNull();
      expect(await w.cluster.stop({ mode: 'immediate' })).toMatchObject({ wasRunning: false });
      const started = await w.cluster.start({ settings: w.settings });
      expect(started.alreadyRunning).toBe(false);
      expect((await readPostmasterPid(w.dataDirectory))?.pid).toBe(started.pid);
      expect(isProcessAlive(stranger.pid!)).toBe(true); // never signalled
    } finally {
      stranger.kill('SIGKILL');
    }
  });

  it("by another cluster's postmaster: that server is left alone and this one starts", async () => {
    const mine = ws();
    const theirs = ws();
    await Promise.all([mine.cluster.init(quickInit), theirs.cluster.init(quickInit)]);
    const other = await theirs.cluster.start({ settings: theirs.settings });
    staleLock(mine.dataDirectory, other.pid, mine.socketDir);
    expect(await mine.cluster.running()).toBe(false);
    expect(await mine.cluster.stop()).toMatchObject({ wasRunning: false });
    const started = await mine.cluster.start({ settings: mine.settings });
    expect(started).toMatchObject({ alreadyRunning: false });
    expect(started.pid).not.toBe(other.pid);
    expect(await theirs.cluster.readyForConnections()).toBe(true);
    expect(await theirs.cluster.pid()).toBe(other.pid);
  });
});

describe('reload() without a connection', () => {
  it('still signals the server; checked: false with the reason', async () => {
    const w = ws();
    await w.cluster.init({ ...quickInit, authLocal: 'scram-sha-256', password: 'sesame' });
    const { pid } = await w.cluster.start({ settings: w.settings });
    await w.cluster.settings.set('work_mem', '13MB');
    // Another object does not know the password: it cannot connect to ask for the verdict.
    const stranger = new Cluster(systemInstallation(), w.dataDirectory, { superuser: 'postgres' });
    const result = await stranger.reload();
    expect(result).toMatchObject({ pid, checked: false, errors: [], pendingRestart: [] });
    expect(result.reason).toMatch(/could not connect: .*password/);
    const client = new pg.Client(await w.cluster.connectionOptions());
    await client.connect();
    try {
      await expect.poll(async () => (await client.query('show work_mem')).rows[0]?.work_mem).toBe('13MB');
    } finally {
      await client.end();
    }
  });
});

describe('a server another Cluster object started', () => {
  it('waitUntilStarted() resolves, dispose leaves it alone, restart() replaces it, kill() ends it and its children', async () => {
    const w = ws();
    await w.cluster.init(quickInit);
    const first = await w.cluster.start({ settings: w.settings });
    const other = new Cluster(systemInstallation(), w.dataDirectory);
    await other.waitUntilStarted();
    await other[Symbol.asyncDispose](); // disposes only what it started itself: nothing
    expect(await w.cluster.pid()).toBe(first.pid);

    // Nothing to reuse from a start of its own: restart() takes the settings it is given.
    const second = await other.restart({ settings: { ...w.settings, work_mem: '5MB' } });
    expect(isProcessAlive(first.pid)).toBe(false);
    expect(second).toMatchObject({ alreadyRunning: false });
    expect(await w.cluster.pid()).toBe(second.pid);

    const children = childPids(second.pid);
    expect(children.length).toBeGreaterThan(0);
    const third = new Cluster(systemInstallation(), w.dataDirectory);
    expect(await third.kill()).toMatchObject({ wasRunning: true, pid: second.pid, finalMode: 'kill', exit: null, stopped: true });
    expect(isProcessAlive(second.pid)).toBe(false);
    expect(children.filter(isProcessAlive)).toEqual([]);
    expect(await other.running()).toBe(false);
  });
});
