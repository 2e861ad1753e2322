// createStandby, waitForReplay and promote check their arguments before they touch a server.
import { describe, expect, it } from 'vitest';
import { Cluster } from '../../../src/cluster/index.js';
import { createStandby, promote, waitForReplay } from '../../../src/replication/index.js';

const cluster = new Cluster({ versionInfo: { major: 15 }, paths: {} }, '/nonexistent/pg-cluster-primary');

async function rejection(promise: Promise<unknown>): Promise<any> {
  return promise.then(() => expect.unreachable('resolved'), (error: unknown) => error);
}

describe('createStandby options', () => {
  it.each([
    [{ name: 'a,b' }, 'Expected `name` to be printable ASCII of 1 to 63 characters without commas or quotes, got `a,b`'],
    [{ slot: 'Bad-Name' }, 'Expected `slot` to be a boolean or a slot name (a-z, 0-9, _; up to 63), got `Bad-Name`'],
    [{ synchronous: 'yes' }, 'Expected `synchronous` to be a boolean, got `yes`'],
    [{ timeout: -1 }, 'Expected `timeout` to be a positive number of milliseconds, got `-1`'],
    [{ timeout: 0 }, 'Expected `timeout` to be a positive number of milliseconds, got `0`'],
    [{ port: 70000 }, 'Expected `port` to be an integer from 1 to 65535, got `70000`'],
    [{ socketDirectory: 'rel' }, 'Expected `socketDirectory` to be an absolute path, got `rel`'],
    [{ restartPrimary: 1 }, 'Expected `restartPrimary` to be a boolean, got `1`'],
    [{ replicationUser: 'a"b' }, 'Expected `replicationUser` to be a role name, got `a"b`'],
    [{ credentials: { get: 1 } }, 'Expected `credentials` to be an object with get(key) and set(key, value), got `object`'],
    [{ standbys: 2 }, 'Expected `standbys` to be one of the options'],
  ])('%j is an INVALID_ARGUMENT', async (options, message) => {
    const error = await rejection(createStandby(cluster, '/nonexistent/standby', options as never));
    expect(error).toMatchObject({ name: 'InvalidArgumentError', code: 'INVALID_ARGUMENT' });
    expect(error.message).toContain(message);
  });

  it('needs a Cluster and an absolute data directory', async () => {
    expect((await rejection(createStandby({} as never, '/x'))).message).toMatch(/^Expected `primary` to be a Cluster/);
    expect((await rejection(createStandby(cluster, 'relative'))).message).toBe('Expected `dataDirectory` to be an absolute path, got `relative`');
  });

  it('waitForReplay and promote check theirs', async () => {
    expect((await rejection(waitForReplay(cluster, 'latest'))).message).toBe("Expected `target` to be 'current' or an LSN such as '0/3000148', got `latest`");
    expect((await rejection(waitForReplay(cluster, 'current', { timeout: Number.NaN }))).message).toBe('Expected `timeout` to be a non-negative number, got `null`');
    expect((await rejection(promote(cluster, { timeout: -5 }))).message).toBe('Expected `timeout` to be a non-negative number, got `-5`');
  });
});
