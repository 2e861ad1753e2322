// One synchronous 3-member cluster (real Patroni 3.0.2, a real etcd, PostgreSQL 15) for the whole
// file; the tests run in order and each leaves the cluster healthy for the next. Short timings
// keep it fast: ttl 15 s, loop_wait 2 s, retry_timeout 6 s (Patroni's defaults are 30, 10, 10).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childPids, isProcessAlive } from '../../src/control/index.js';
import { createHaCluster, HaError, type HaCluster, type HaMember, PatroniApiError } from '../../src/ha/index.js';
import { serverState } from '../../src/provision/index.js';
import { haSuiteName, hasHaPrograms, makeHaDirectory, psql, query, until } from './ha-helpers.js';

const timings = { ttl: 15, loopWait: 2, retryTimeout: 6 };
let ha: HaCluster;
let scratch: ReturnType<typeof makeHaDirectory>;

function isLeader(member: HaMember): boolean {
  return member.role === 'leader' && member.state === 'running';
}

async function leaderAndReplicas(): Promise<{ leader: HaMember; replicas: HaMember[]; sync: HaMember }> {
  const members = await ha.waitForHealthy({ timeout: 90_000 });
  const leader = members.find(isLeader)!;
  const replicas = members.filter((member) => member !== leader);
  return { leader, replicas, sync: replicas.find((member) => member.role === 'sync_standby')! };
}

function superuser(member: { host: string; port: number }): { host: string; port: number; user: string; password: string; database: string } {
  const { user, password } = ha.connectionInfo().clientConfig();
  return { host: member.host, port: member.port, user, password, database: 'postgres' };
}

/**
 * Inserts ids 1..count into `table` through connectionInfo().clientConfig() (node-postgres: one
 * host, asked again after every error), one autocommit INSERT each, retrying a row until its
 * COMMIT is acknowledged. Returns the acknowledged ids and when each error happened.
 */
async function writeLoop(table: string, count: number, onRow: (id: number, port: number) => void | Promise<void>): Promise<{ acknowledged: number[]; errors: number }> {
  const acknowledged: number[] = [];
  let errors = 0;
  let client: pg.Client | null = null;
  let port = 0;
  for (let id = 1; id <= count; ) {
    try {
      if (client === null) {
        const config = ha.connectionInfo().clientConfig({ targetSessionAttrs: 'read-write' });
        port = config.port;
        client = new pg.Client({ ...config, connectionTimeoutMillis: 2_000 });
        client.on('error', () => undefined);
        await client.connect();
        // The host may have been the leader a moment ago: writes only where they are durable.
        const { rows } = await client.query<{ recovery: boolean }>('SELECT pg_is_in_recovery() AS recovery');
        if (rows[0]!.recovery) throw new Error('connected to a replica');
      }
      await client.query(`INSERT INTO ${table} (id) VALUES ($1) ON CONFLICT DO NOTHING`, [id]);
      acknowledged.push(id);
      await onRow(id, port);
      id++;
    } catch {
      errors++;
      await client?.end().catch(() => undefined);
      client = null;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  await client?.end().catch(() => undefined);
  return { acknowledged, errors };
}

async function missingRows(member: HaMember, table: string, ids: number[]): Promise<number[]> {
  const rows = await query<{ id: number }>(superuser(member), `SELECT id FROM ${table} WHERE id = ANY($1::int[])`, [ids]);
  const present = new Set(rows.map((row) => row.id));
  return ids.filter((id) => !present.has(id));
}

describe.skipIf(!hasHaPrograms)(haSuiteName('HaCluster: 3 Patroni members with synchronous: true'), () => {
  let startedIn = 0;
  beforeAll(async () => {
    scratch = makeHaDirectory();
    const started = Date.now();
    ha = await createHaCluster({ members: 3, synchronous: true, directory: scratch.path, ...timings, settings: { max_connections: 30, shared_buffers: '16MB' } });
    startedIn = Date.now() - started;
    console.info(`[ha] 3 members healthy in ${startedIn} ms`);
  });
  afterAll(async () => {
    await ha?.dispose();
    scratch?.remove();
  });

  it('comes up with one leader and two streaming replicas; a row written through connectionInfo() is read on every replica', async () => {
    const members = await ha.members();
    expect(members.map((member) => member.name).sort()).toEqual(['pg1', 'pg2', 'pg3']);
    expect(members.filter(isLeader)).toHaveLength(1);
    const { leader, replicas, sync } = await leaderAndReplicas();
    expect(replicas.map((member) => member.role).sort()).toEqual(['replica', 'sync_standby']);
    expect(sync).toBeDefined();
    for (const member of members) {
      expect(member).toMatchObject({ state: 'running', host: '127.0.0.1', timeline: leader.timeline });
      expect(isProcessAlive(member.patroniPid!)).toBe(true);
      expect(isProcessAlive(member.postgresPid!)).toBe(true);
    }
    for (const replica of replicas) expect(replica.lag).toEqual(expect.any(Number));

    // Secrets: in files of mode 0600 owned by the server's user, never on a command line.
    const { password } = ha.connectionInfo().clientConfig();
    for (const member of members) {
      const stats = statSync(ha.configFile(member.name));
      expect(stats.mode & 0o777).toBe(0o600);
      expect(stats.uid).toBe(statSync(join(ha.rootDirectory, member.name)).uid);
      expect(readFileSync(ha.configFile(member.name), 'utf8')).toContain(password);
      for (const pid of [member.patroniPid!, member.postgresPid!, ha.etcdPid!]) expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).not.toContain(password);
    }
    expect((await ha.leader())?.name).toBe(leader.name);

    // Streaming, from the leader's own view.
    const streaming = await query<{ application_name: string; sync_state: string }>(superuser(leader), "SELECT application_name, sync_state FROM pg_stat_replication WHERE state = 'streaming' ORDER BY 1");
    expect(streaming.map((row) => row.application_name).sort()).toEqual(replicas.map((member) => member.name).sort());
    expect(streaming.find((row) => row.application_name === sync.name)?.sync_state).toBe('sync');

    // provision's serverState speaks the charm's words on a Patroni cluster too.
    expect(await serverState(superuser(leader) )).toBe('master');
    for (const replica of replicas) expect(await serverState(superuser(replica) )).toBe('hot standby');

    // Write through the connection info (node-postgres: the leader), read on every replica.
    const config = ha.connectionInfo().clientConfig({ targetSessionAttrs: 'read-write' });
    expect(config.port).toBe(leader.port);
    await query(config, 'CREATE TABLE greeting (id int PRIMARY KEY, text text)');
    await query(config, "INSERT INTO greeting VALUES (1, 'hello from the leader')");
    for (const replica of replicas) {
      const text = await until(`the row on ${replica.name}`, async () => (await query<{ text: string }>(superuser(replica), 'SELECT text FROM greeting WHERE id = 1'))[0]?.text);
      expect(text).toBe('hello from the leader');
    }
    // libpq's multi-host URI finds the leader itself.
    expect(await psql(ha.connectionInfo().uri({ targetSessionAttrs: 'read-write' }), 'SELECT inet_server_port(), pg_is_in_recovery()')).toBe(`${leader.port}|f`);
    expect(replicas.map((member) => String(member.port))).toContain((await psql(ha.connectionInfo().uri({ targetSessionAttrs: 'standby' }), 'SELECT inet_server_port()')).trim());
  });

  it('switchover in synchronous mode to a member that is not the sync standby: Patroni refuses (HTTP 412) and the error says why', async () => {
    const { leader, replicas } = await leaderAndReplicas();
    const asynchronous = replicas.find((member) => member.role === 'replica')!;
    const error = await ha.switchover({ candidate: asynchronous.name, timeout: 30_000 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PatroniApiError);
    expect(error).toMatchObject({ code: 'PATRONI_PRECONDITION_FAILED', status: 412, request: 'POST /switchover' });
    expect((error as PatroniApiError).message).toContain('candidate name does not match with sync_standby');
    expect((await ha.leader())?.name).toBe(leader.name);
  });

  it('planned switchover to a named candidate loses nothing, and members() reports each step', async () => {
    const { leader, sync } = await leaderAndReplicas();
    await query(ha.connectionInfo().clientConfig(), 'CREATE TABLE planned (id int PRIMARY KEY)');
    const steps: string[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const seen = await ha.members().catch(() => null);
        if (seen !== null) {
          const step = seen.map((member) => `${member.name}:${member.role}/${member.state}`).sort().join(' ');
          if (steps.at(-1) !== step) steps.push(step);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    let switched: Promise<HaMember> | null = null;
    const { acknowledged } = await writeLoop('planned', 300, (id) => {
      if (id === 100) switched = ha.switchover({ candidate: sync.name, timeout: 60_000 });
    });
    const newLeader = await switched!;
    await ha.waitForHealthy({ timeout: 90_000 });
    watching = false;
    await watcher;

    expect(newLeader.name).toBe(sync.name);
    expect(acknowledged).toHaveLength(300);
    const now = await leaderAndReplicas();
    expect(now.leader.name).toBe(sync.name);
    expect(await missingRows(now.leader, 'planned', acknowledged)).toEqual([]);
    // Each step: the old leader leads, then the candidate, and the old leader runs as a replica.
    expect(steps[0]).toContain(`${leader.name}:leader/running`);
    expect(steps.at(-1)).toContain(`${sync.name}:leader/running`);
    expect(steps.at(-1)).toMatch(new RegExp(`${leader.name}:(replica|sync_standby)/running`));
    expect(steps.length).toBeGreaterThanOrEqual(3);
    console.info(`[ha] switchover steps:\n  ${steps.join('\n  ')}`);
  });

  it("the leader's host is lost (SIGKILL of its patroni and postgres): the sync standby leads within ttl + loop_wait, no acknowledged row of 1,000 is lost, the old leader rejoins", async () => {
    const { leader, sync } = await leaderAndReplicas();
    await query(ha.connectionInfo().clientConfig(), 'CREATE TABLE loop (id int PRIMARY KEY)');
    let killedAt = 0;
    let electedAt = 0;
    let firstWriteAfterKill = 0;
    let detector: Promise<HaMember> | null = null;
    const { acknowledged, errors } = await writeLoop('loop', 1_000, (id, port) => {
      if (id === 200) {
        // The host is lost: Patroni, the postmaster and every server process of the member at once.
        for (const pid of [leader.patroniPid!, leader.postgresPid!, ...childPids(leader.postgresPid!)]) process.kill(pid, 'SIGKILL');
        killedAt = Date.now();
        detector = ha.waitForLeader({ timeout: 90_000 }).then(async function wait(found): Promise<HaMember> {
          // Elected: Patroni reports another member as the running leader.
          if (found.name !== leader.name) {
            electedAt = Date.now();
            return found;
          }
          await new Promise((resolve) => setTimeout(resolve, 50));
          return ha.waitForLeader({ timeout: 90_000 }).then(wait);
        });
      } else if (killedAt !== 0 && firstWriteAfterKill === 0 && port !== leader.port) {
        firstWriteAfterKill = Date.now();
      }
    });
    const promoted = await detector!;
    const electionMs = electedAt - killedAt;
    console.info(
      `[ha] failover: ${promoted.name} elected ${electionMs} ms after the kill (ttl + loop_wait = ${(timings.ttl + timings.loopWait) * 1000} ms); ` +
        `first write acknowledged by it ${firstWriteAfterKill - killedAt} ms after the kill; ${errors} failed attempts`,
    );

    expect(promoted.name).toBe(sync.name); // synchronous mode promotes only the sync standby
    expect(electionMs).toBeLessThanOrEqual((timings.ttl + timings.loopWait) * 1000);
    expect(firstWriteAfterKill).toBeGreaterThan(killedAt);
    expect(acknowledged).toHaveLength(1_000);
    expect(await missingRows(promoted, 'loop', acknowledged)).toEqual([]);
    // The client URI (libpq) reaches the new leader.
    expect(await psql(ha.connectionInfo().uri({ targetSessionAttrs: 'read-write' }), 'SELECT inet_server_port(), pg_is_in_recovery()')).toBe(`${promoted.port}|f`);

    // Supervise = report: the dead member is not restarted behind Patroni's back.
    const before = (await ha.members()).find((member) => member.name === leader.name);
    expect(before === undefined || before.state !== 'running' || before.patroniPid === null).toBe(true);
    expect(before?.patroniPid ?? null).toBeNull();

    // Within the test's own timeout, so that a rejoin that hangs fails with the member's log tail (HA_TIMEOUT's detail).
    const rejoined = await ha.rejoin(leader.name, { timeout: 100_000 });
    const rewindLines = readFileSync(ha.logFile(leader.name), 'utf8').split('\n').filter((line) => /rewind|timeline/i.test(line));
    console.info(`[ha] ${leader.name} rejoining:\n  ${rewindLines.slice(-8).join('\n  ')}`);
    expect(['replica', 'sync_standby']).toContain(rejoined.role);
    const healthy = await leaderAndReplicas();
    expect(healthy.leader.name).toBe(promoted.name);
    const back = healthy.replicas.find((member) => member.name === leader.name)!;
    expect(back.timeline).toBe(healthy.leader.timeline);
    expect(back.timeline!).toBeGreaterThan(leader.timeline!);
    expect(await serverState(superuser(back) )).toBe('hot standby');
    expect(await until('the rejoined member to have every row', async () => (await missingRows(back, 'loop', acknowledged)).length === 0, 30_000)).toBe(true);
  }, 240_000);

  it('failover({ candidate }) hands the leadership to the sync standby on request', async () => {
    const { leader, sync } = await leaderAndReplicas();
    const promoted = await ha.failover({ candidate: sync.name, timeout: 60_000 });
    expect(promoted.name).toBe(sync.name);
    const healthy = await leaderAndReplicas();
    expect(healthy.leader.name).toBe(sync.name);
    expect(healthy.replicas.map((member) => member.name)).toContain(leader.name);
  });

  it('restartMember(name) restarts a replica, which streams again; unknown names and bad options are typed errors', async () => {
    const { replicas } = await leaderAndReplicas();
    const replica = replicas[0]!;
    const restarted = await ha.restartMember(replica.name, { timeout: 120_000 });
    expect(restarted.name).toBe(replica.name);
    const after = (await leaderAndReplicas()).replicas.find((member) => member.name === replica.name)!;
    expect(after.patroniPid).not.toBe(replica.patroniPid);
    expect(after.postgresPid).not.toBe(replica.postgresPid);

    await expect(ha.restartMember('pg9')).rejects.toMatchObject({ code: 'HA_MEMBER_NOT_FOUND' });
    await expect(ha.failover({} as never)).rejects.toThrow('Expected `candidate` to be a member name, got `undefined`');
    await expect(ha.waitForLeader({ timeout: -1 })).rejects.toThrow('Expected `timeout` to be a non-negative number, got `-1`');
  });

  it('dispose() stops every member and the etcd it started and removes the folder', async () => {
    const members = await ha.members();
    const pids = [...members.flatMap((member) => [member.patroniPid!, member.postgresPid!]), ha.etcdPid!];
    expect(pids.every(isProcessAlive)).toBe(true);
    await ha.dispose();
    expect(pids.filter(isProcessAlive)).toEqual([]);
    expect(existsSync(ha.rootDirectory)).toBe(false);
    await expect(ha.members()).rejects.toBeInstanceOf(HaError);
    await ha.dispose(); // idempotent
    void startedIn;
  });
});
