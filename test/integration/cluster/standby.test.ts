// Readiness of a server in recovery. A hot standby accepts (read-only) connections and its
// postmaster.pid says `ready`: readyForConnections() is true. With hot_standby off the status is
// `standby` ("up, won't accept connections", pidfile.h): readyForConnections() is false, while
// start() counts it as started, as pg_ctl does (it never will accept connections).
// (A standby without a primary: standby.signal in a cleanly stopped cluster, no primary_conninfo.)
import { writeFileSync, chownSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { isProcessAlive, readPostmasterPid } from '../../../src/control/index.js';
import { quickInit, workspace, type Workspace } from './fixtures.js';

let ws: Workspace | undefined;
afterEach(async () => ws?.cleanup());

async function standbyWorkspace(): Promise<Workspace> {
  const w = workspace();
  await w.cluster.init(quickInit);
  const signal = join(w.dataDirectory, 'standby.signal');
  writeFileSync(signal, '');
  chownSync(signal, statSync(w.dataDirectory).uid, statSync(w.dataDirectory).gid);
  return w;
}

describe('a server in recovery', () => {
  it('hot standby: status `ready`, readyForConnections() true, the server is in recovery', async () => {
    ws = await standbyWorkspace();
    await ws.cluster.start({ settings: ws.settings });
    expect((await readPostmasterPid(ws.dataDirectory))?.status).toBe('ready');
    expect(await ws.cluster.readyForConnections()).toBe(true);
    const client = new pg.Client(await ws.cluster.connectionOptions());
    await client.connect();
    try {
      expect((await client.query('select pg_is_in_recovery() as recovering')).rows).toEqual([{ recovering: true }]);
    } finally {
      await client.end();
    }
    expect(await ws.cluster.stop({ mode: 'fast' })).toMatchObject({ wasRunning: true, escalations: [] });
  });

  it('hot_standby off: status `standby`, start() resolves, readyForConnections() false, connections refused', async () => {
    ws = await standbyWorkspace();
    const { pid } = await ws.cluster.start({ settings: { ...ws.settings, hot_standby: false } });
    expect((await readPostmasterPid(ws.dataDirectory))?.status).toBe('standby');
    expect(await ws.cluster.running()).toBe(true);
    expect(await ws.cluster.readyForConnections()).toBe(false);
    const client = new pg.Client(await ws.cluster.connectionOptions());
    client.on('error', () => undefined);
    await expect(client.connect()).rejects.toThrow(/not accepting connections|starting up/);
    await client.end().catch(() => undefined);
    expect(await ws.cluster.stop({ mode: 'fast' })).toMatchObject({ wasRunning: true, escalations: [] });
    expect(isProcessAlive(pid)).toBe(false);
  });
});
