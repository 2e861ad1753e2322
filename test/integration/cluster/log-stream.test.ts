// The server's output piped to a writable stream must never block the server: a server blocks
// once 64 KB wait unread in its pipe. Here the stream never finishes a single write, and the
// server logs far more than that; it keeps answering, and stops cleanly.
import { Writable } from 'node:stream';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { quickInit, workspace, type Workspace } from './fixtures.js';

let ws: Workspace | undefined;
afterEach(async () => ws?.cleanup());

describe('logfile as a writable stream', () => {
  it('a stream that never drains does not stall the server (over 64 KB of log)', async () => {
    ws = workspace();
    await ws.cluster.init(quickInit);
    let received = 0;
    const stuck = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _encoding, _done) {
        received += chunk.length; // never calls back: every later write waits in the stream's buffer
      },
    });
    await ws.cluster.start({ logfile: stuck, settings: { ...ws.settings, log_statement: 'all' } });
    const client = new pg.Client(await ws.cluster.connectionOptions());
    await client.connect();
    try {
      const filler = 'x'.repeat(1_000);
      for (let i = 0; i < 200; i++) await client.query(`select '${filler}' as q${i}`);
      expect((await client.query('select 1 as alive')).rows).toEqual([{ alive: 1 }]);
    } finally {
      await client.end();
    }
    expect(received).toBeGreaterThan(0);
    expect(stuck.writableLength).toBeGreaterThan(64 * 1024); // it all went to the stream, unread
    expect(await ws.cluster.stop({ mode: 'fast' })).toMatchObject({ wasRunning: true, finalMode: 'fast', escalations: [] });
  });
});
