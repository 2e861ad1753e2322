// The pure parts of failover(): which standby wins, the synchronous_standby_names it gets, how a
// follower's primary_conninfo is pointed at it; the option checks of failover, switchover, rejoin.
import { describe, expect, it } from 'vitest';
import { Cluster } from '../../../src/cluster/index.js';
import { chooseWinner, recomputeSynchronous } from '../../../src/replication/failover.js';
import { pointConninfo } from '../../../src/replication/follow-primary.js';
import { failover, rejoin, switchover } from '../../../src/replication/index.js';
import { compareLsn, parseLsn } from '../../../src/replication/lsn.js';
import type { StandbyPosition } from '../../../src/replication/standby-position.js';
import { parseSynchronousStandbyNames } from '../../../src/replication/synchronous-standby-names.js';

const installation = { versionInfo: { major: 15 }, paths: {} };

function position(name: string, receiveLsn: string | null, replayLsn: string | null): StandbyPosition {
  return {
    cluster: new Cluster(installation, `/x/${name}`),
    inRecovery: true,
    receiveLsn,
    replayLsn,
    replayPaused: false,
    conninfo: {},
    applicationName: name,
    slot: null,
    synchronousStandbyNames: '',
    recoveryTargetTimeline: 'latest',
  };
}

describe('LSNs', () => {
  it('orders by the 64-bit position, not the text', () => {
    expect(parseLsn('1/0')).toBe(0x100000000n);
    expect(compareLsn('0/A000000', '0/9FFFFFF')).toBe(1);
    expect(compareLsn('0/FFFFFFFF', '1/0')).toBe(-1);
    expect(compareLsn(null, '0/0')).toBe(-1);
    expect(compareLsn(null, null)).toBe(0);
    expect(() => parseLsn('nope')).toThrow('Expected `lsn` to be a WAL location');
  });
});

describe('chooseWinner', () => {
  it('the highest received WAL wins, whatever the replay and the order', () => {
    const b = position('b', '0/5000000', '0/3000000');
    const c = position('c', '0/4000000', '0/4000000');
    expect(chooseWinner([c, b], null)).toBe(b);
    expect(chooseWinner([b, c], null)).toBe(b);
  });

  it('a tie on received WAL goes to the higher replay (a paused standby loses), then to the synchronous one, then to the first', () => {
    const paused = position('b', '0/5000000', '0/3000000');
    const replayed = position('c', '0/5000000', '0/5000000');
    expect(chooseWinner([paused, replayed], null)).toBe(replayed);
    const sync = position('s', '0/5000000', '0/5000000');
    const names = parseSynchronousStandbyNames('ANY 1 ("s")');
    expect(chooseWinner([replayed, sync], names)).toBe(sync);
    expect(chooseWinner([replayed, sync], null)).toBe(replayed);
  });

  it('a standby that never streamed counts with its replay position', () => {
    expect(chooseWinner([position('b', null, '0/6000000'), position('c', '0/5000000', '0/5000000')], null).applicationName).toBe('b');
  });
});

describe('recomputeSynchronous', () => {
  it('keeps the method and the followers the old list named; none left is an empty list', () => {
    const old = parseSynchronousStandbyNames('FIRST 2 (b, c, d)');
    expect(recomputeSynchronous(old, ['c', 'd', 'e'])).toEqual({ method: 'FIRST', count: 2, names: ['c', 'd'] });
    expect(recomputeSynchronous(old, ['e'])).toMatchObject({ names: [] });
    expect(recomputeSynchronous(null, ['c'])).toMatchObject({ names: [] });
    expect(recomputeSynchronous(parseSynchronousStandbyNames('*'), ['c'])).toMatchObject({ names: ['*'] });
    expect(recomputeSynchronous(parseSynchronousStandbyNames('*'), [])).toMatchObject({ names: [] });
  });
});

describe('pointConninfo', () => {
  const primary = { tcp: { host: '127.0.0.1', port: 6000 }, socket: { host: '/run/s', port: 6000 } };
  it('replaces host and port, keeps the rest, drops hostaddr', () => {
    const text = pointConninfo({ host: '127.0.0.1', hostaddr: '127.0.0.1', port: '5000', user: 'replicator', passfile: '/d/p f', application_name: 'b' }, primary);
    expect(text).toBe("host=127.0.0.1 port=6000 user=replicator passfile='/d/p f' application_name=b");
  });
  it('a follower on a socket stays on a socket when the new primary has one, else goes TCP', () => {
    expect(pointConninfo({ host: '/old', port: '5000' }, primary)).toBe('host=/run/s port=6000');
    expect(pointConninfo({ host: '/old', port: '5000' }, { tcp: primary.tcp, socket: null })).toBe('host=127.0.0.1 port=6000');
    expect(pointConninfo({ host: 'db1', port: '5000' }, { tcp: null, socket: primary.socket })).toBe('host=/run/s port=6000');
  });
});

describe('option checks', () => {
  const b = new Cluster(installation, '/x/b');
  it('failover', async () => {
    await expect(failover([])).rejects.toThrow('Expected `standbys` to be a non-empty array of Clusters');
    await expect(failover([b, new Cluster(installation, '/x/b')])).rejects.toThrow('Expected `standbys` to be Clusters of distinct data directories');
    await expect(failover([b], { timeout: -1 })).rejects.toThrow('Expected `timeout` to be a non-negative number, got `-1`');
    await expect(failover([b], { force: 'yes' as never })).rejects.toThrow('Expected `force` to be a boolean');
  });
  it('switchover and rejoin', async () => {
    await expect(switchover(b, b, { timeout: 'soon' as never })).rejects.toThrow('Expected `timeout` to be a non-negative number');
    await expect(switchover(b, b, { nmae: 'x' } as never)).rejects.toThrow('Expected `nmae` to be one of the options');
    await expect(rejoin(b, b)).rejects.toThrow('Expected `oldPrimary` to be another data directory than newPrimary');
    await expect(rejoin(new Cluster(installation, '/x/a'), b, { slot: 'Bad Name' })).rejects.toThrow('Expected `slot` to be a boolean or a slot name');
    await expect(rejoin(new Cluster(installation, '/x/a'), b, { rewindProgram: 3 as never })).rejects.toThrow('Expected `rewindProgram` to be a path or null');
  });
});

describe('readShutdownCheckpoint', () => {
  it('without pg_controldata and without a readable pg_control of a known major: FailoverError CHECKPOINT_UNKNOWN', async () => {
    const { readShutdownCheckpoint } = await import('../../../src/replication/shutdown-checkpoint.js');
    const nowhere = new Cluster({ versionInfo: { major: 15 }, paths: { pg_controldata: null } }, '/nonexistent/pgct-data');
    await expect(readShutdownCheckpoint(nowhere)).rejects.toMatchObject({ name: 'FailoverError', code: 'CHECKPOINT_UNKNOWN', target: '/nonexistent/pgct-data' });
  });
});
