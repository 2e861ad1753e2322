// The server's own lock file is what stops a second postmaster on one data directory; Cluster
// never gets that far (it sees the running server first), so the refusal is shown here with the
// control layer: a second `postgres` on a running cluster's directory exits, and its words are
// classified LOCK_FILE_EXISTS. The first server is untouched.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyStartupFailure, resolveRunAs, ServerProcess } from '../../../src/control/index.js';
import { quickInit, workspace, type Workspace } from '../cluster/fixtures.js';

let ws: Workspace | undefined;
afterEach(async () => ws?.cleanup());

describe('a second postmaster on a running data directory', () => {
  it('exits at once with the lock file message: LOCK_FILE_EXISTS', async () => {
    ws = workspace();
    await ws.cluster.init(quickInit);
    const first = await ws.cluster.start({ settings: ws.settings });
    const second = await ServerProcess.spawn({
      postgres: ws.cluster.daemonPath!,
      dataDirectory: ws.dataDirectory,
      settings: { ...ws.settings, lc_messages: 'C' },
      user: await resolveRunAs(),
      logfile: join(ws.root, 'second.log'),
    });
    const exit = await second.exitWithin(10_000);
    expect(exit).toEqual({ exitCode: 1, signal: null });
    const output = await second.outputTail();
    expect(output).toContain(`Is another postmaster (PID ${first.pid}) running in data directory`);
    expect(classifyStartupFailure(output)).toBe('LOCK_FILE_EXISTS');
    expect(await ws.cluster.pid()).toBe(first.pid);
    expect(await ws.cluster.readyForConnections()).toBe(true);
  });
});
