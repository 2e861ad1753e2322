import { lstat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { Cluster } from '../cluster/cluster.js';
import { openRegularFile } from '../fs/regular-file.js';
import { ReplicationError } from './replication-error.js';

/** How much of the standby's server log an error message quotes, at most. */
const LOG_TAIL_BYTES = 4096;

/**
 * Polls the primary's pg_stat_replication until the standby streams (and is synchronous when
 * asked). A standby whose server exits meanwhile is STANDBY_FAILED, one that does not get there
 * in time TIMEOUT; both messages end with the standby's server log tail (what it said about the
 * connection to the primary).
 */
export async function waitForStreaming(admin: pg.Client, standby: Cluster, name: string, synchronous: boolean, deadline: number, signal: AbortSignal | undefined): Promise<void> {
  let last = 'not connected';
  for (let pause = 5; ; pause = Math.min(100, pause * 2)) {
    signal?.throwIfAborted();
    const { rows } = await admin.query<{ state: string; sync_state: string }>('SELECT state, sync_state FROM pg_stat_replication WHERE application_name = $1', [name]);
    const row = rows.find((item) => item.state === 'streaming') ?? rows[0];
    if (row !== undefined) last = `${row.state}, ${row.sync_state}`;
    if (row?.state === 'streaming' && (!synchronous || row.sync_state === 'sync' || row.sync_state === 'quorum')) return;
    if (!(await standby.running())) {
      throw new ReplicationError('STANDBY_FAILED', `The standby ${name} (${standby.dataDirectory}) stopped before it streamed${await describeLogTail(standby)}`, { dataDirectory: standby.dataDirectory });
    }
    if (Date.now() >= deadline) {
      throw new ReplicationError('TIMEOUT', `The standby ${name} did not ${synchronous ? 'stream synchronously' : 'stream'} in time (last seen: ${last})${await describeLogTail(standby)}`, { dataDirectory: standby.dataDirectory });
    }
    await sleep(pause);
  }
}

/**
 * `; server log: …` with the last lines of the standby's log file, or ''. Read only when the file
 * is a regular file (no link) of this process's user or of the data directory's owner, so that
 * root shows nothing the server's user could not read.
 */
export async function describeLogTail(standby: Cluster): Promise<string> {
  const owner = (await lstat(standby.dataDirectory).catch(() => null))?.uid;
  const opened = await openRegularFile(standby.logPath).catch(() => null);
  if (opened === null) return '';
  try {
    if (opened.stats.uid !== process.getuid?.() && opened.stats.uid !== owner) return '';
    const length = Math.min(opened.stats.size, LOG_TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    await opened.handle.read(buffer, 0, length, opened.stats.size - length);
    const lines = buffer.toString('utf8').split('\n').filter((line) => line.trim() !== '').slice(-8);
    return lines.length === 0 ? '' : `; server log:\n${lines.join('\n')}`;
  } finally {
    await opened.handle.close();
  }
}
