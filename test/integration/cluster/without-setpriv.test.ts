import { statSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { isProcessAlive, setSetprivPathForTesting } from '../../../src/control/index.js';
import { isRoot, quickInit, workspace, type Workspace } from './fixtures.js';

// Where util-linux's setpriv is missing (macOS, minimal images), the programs are spawned
// directly: as root, Node switches to the server's user itself (uid/gid), and a watchdog stands
// in for the parent-death signal. This file pretends setpriv is absent (its own fork).
let ws: Workspace;
afterAll(async () => {
  setSetprivPathForTesting(undefined);
  await ws?.cleanup();
});

describe('without setpriv', () => {
  it('inits, starts (with a watchdog) and stops, files owned by the server user', async () => {
    setSetprivPathForTesting(null);
    ws = workspace();
    await ws.cluster.init(quickInit);
    const owner = statSync(ws.cluster.settings.path).uid;
    if (isRoot) expect(owner).toBe((await ws.cluster.runAsUser())!.uid);
    else expect(owner).toBe(process.getuid!());

    const { pid } = await ws.cluster.start({ settings: ws.settings });
    const server = ws.cluster.daemonProcess!;
    expect(server.file).toMatch(/\/postgres$/); // not setpriv
    expect(server.hasParentDeathSignal).toBe(false);
    expect(server.watchdog?.pid).toBeGreaterThan(0);
    expect(isProcessAlive(server.watchdog!.pid!)).toBe(true);

    await ws.cluster.stop();
    expect(isProcessAlive(pid)).toBe(false);
    await expect.poll(() => isProcessAlive(server.watchdog!.pid!)).toBe(false);
  });
});
