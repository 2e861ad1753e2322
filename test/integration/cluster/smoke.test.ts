import { afterEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { workspace, quickInit, type Workspace } from './fixtures.js';

describe('Cluster smoke', () => {
  let ws: Workspace;
  afterEach(async () => ws?.cleanup());

  it('inits, starts, queries, stops', async () => {
    ws = workspace();
    const events: string[] = [];
    await ws.cluster.init(quickInit);
    expect(await ws.cluster.initialized()).toBe(true);
    const started = await ws.cluster.start({ settings: ws.settings });
    expect(started.alreadyRunning).toBe(false);
    expect(await ws.cluster.readyForConnections()).toBe(true);
    const options = await ws.cluster.connectionOptions();
    const client = new pg.Client(options);
    await client.connect();
    const { rows } = await client.query('select 1 as one');
    await client.end();
    expect(rows).toEqual([{ one: 1 }]);
    const stopped = await ws.cluster.stop();
    expect(stopped).toMatchObject({ wasRunning: true, escalations: [], stopped: true });
    expect(await ws.cluster.running()).toBe(false);
    expect(events).toEqual([]);
  });
});
