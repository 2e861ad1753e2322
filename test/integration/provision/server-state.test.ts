// serverState() against a real primary and a hot standby made with pg_basebackup (system 15):
// `standalone`, then `master` once the standby streams, `hot standby` on the standby, where
// provision() refuses (HOT_STANDBY) and changes nothing.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from '../../../src/cluster/index.js';
import { provision, serverState } from '../../../src/provision/index.js';
import { systemBindir } from '../../helpers/scratch-server.js';
import { freePort, isRoot, privateSettings, rejection, systemInstallation } from '../cluster/fixtures.js';
import { startProvisionServer, type ProvisionServer } from './fixtures.js';

const run = promisify(execFile);
let s: ProvisionServer;
let standby: Cluster | undefined;
beforeAll(async () => {
  s = await startProvisionServer();
});
afterAll(async () => {
  await standby?.stop({ mode: 'immediate', timeout: 5_000 }).catch(() => undefined);
  await s?.cleanup();
});

describe('serverState()', () => {
  it('standalone, then master with a streaming standby; the standby is a hot standby, where provision refuses (HOT_STANDBY)', async () => {
    expect(await serverState(s.w.cluster)).toBe('standalone');
    const directory = join(s.w.root, 'standby');
    const options = await s.w.cluster.connectionOptions();
    // Run as the server's user (as root): the copy is then owned by it, and peer maps it to postgres.
    const args = ['-D', directory, '-R', '-X', 'stream', '-c', 'fast', '-h', options.host, '-p', String(options.port), '-U', 'postgres'];
    const basebackup = join(systemBindir(), 'pg_basebackup');
    if (isRoot) await run('runuser', ['-u', 'postgres', '--', basebackup, ...args]);
    else await run(basebackup, args);
    standby = new Cluster(systemInstallation(), directory, { superuser: 'postgres' });
    await standby.start({ settings: privateSettings(join(s.w.root, 'standby-sock'), { port: await freePort(), hot_standby: true }) });
    const deadline = Date.now() + 20_000;
    while ((await serverState(s.w.cluster)) !== 'master' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await serverState(s.w.cluster)).toBe('master');
    expect(await serverState(standby)).toBe('hot standby');
    expect(await rejection(provision(standby, { client: 'on_standby', credentials: s.store }))).toMatchObject({ code: 'HOT_STANDBY' });
    const grant = await provision(s.w.cluster, { client: 'on_primary', credentials: s.store });
    expect(grant.state).toBe('master');
    await standby.stop({ mode: 'fast' });
    const after = Date.now() + 20_000;
    while ((await serverState(s.w.cluster)) !== 'standalone' && Date.now() < after) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await serverState(s.w.cluster)).toBe('standalone');
  });
});
