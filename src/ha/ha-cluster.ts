import pg from 'pg';
import { stopProcessesSync } from '../control/daemon-process.js';
import { registerExitCleanup } from '../control/exit-cleanup.js';
import { removeTree, removeTreeSync } from '../control/remove-tree.js';
import { expected } from '../errors.js';
import type { EtcdServer } from './etcd-server.js';
import { HaConnectionInfo } from './ha-connection-info.js';
import { HaError } from './ha-error.js';
import { PatroniApiError } from './patroni-api-error.js';
import type { PatroniClusterMember } from './patroni-client.js';
import type { PatroniMember } from './patroni-member.js';

/** One member as `members()` reports it: Patroni's own words for role and state. */
export interface HaMember {
  name: string;
  /** `leader`, `replica`, `sync_standby` (or `standby_leader`), as Patroni says. */
  role: string;
  /** `running`, `starting`, `stopped`, `crashed`, `creating replica`, … (3.0.2: a replica is `running` whether or not it streams: see `lag`). */
  state: string;
  host: string;
  port: number;
  timeline: number | null;
  /** Bytes of WAL behind the leader (replicas), null when Patroni does not know (`unknown`) or for the leader. */
  lag: number | null;
  /** Pids of the members started here (null when not running, or for a member we do not run). */
  patroniPid: number | null;
  postgresPid: number | null;
}

export interface HaWaitOptions {
  /** Ms. Default 60000. */
  timeout?: number;
}

export interface HaSwitchoverOptions extends HaWaitOptions {
  /** The member to lead next. For switchover optional (Patroni picks a healthy one); required for failover. */
  candidate?: string;
}

export interface HaClusterFields {
  scope: string;
  synchronous: boolean;
  rootDirectory: string;
  members: PatroniMember[];
  etcd: EtcdServer | null;
  dcsHosts: readonly string[];
  superuser: { username: string; password: string };
  timings: { ttl: number; loopWait: number; retryTimeout: number };
}

/**
 * An HA cluster: Patroni members (and, with `dcs: 'etcd'`, an etcd) started and owned by this
 * process. It reports what Patroni reports and asks Patroni for changes; it never decides who
 * leads, and never restarts a member behind Patroni's back (`restartMember` does, on request).
 */
export class HaCluster {
  readonly scope: string;
  readonly synchronous: boolean;
  /** The folder that holds every member's data, configuration and log, and etcd's; removed by dispose(). */
  readonly rootDirectory: string;
  /** `host:port` of the DCS (etcd) the members use. */
  readonly dcsHosts: readonly string[];
  /** Seconds: Patroni's ttl, loop_wait and retry_timeout of this cluster. */
  readonly timings: { readonly ttl: number; readonly loopWait: number; readonly retryTimeout: number };
  readonly #members: PatroniMember[];
  readonly #etcd: EtcdServer | null;
  readonly #superuser: { username: string; password: string };
  readonly #connectionInfo: HaConnectionInfo;
  #roles: { leader: string | null; replicas: string[] } = { leader: null, replicas: [] };
  #timer: NodeJS.Timeout | null = null;
  #disposed: Promise<void> | null = null;
  readonly #unregister: (() => void)[];

  /** Internal: use createHaCluster. */
  constructor(fields: HaClusterFields) {
    this.scope = fields.scope;
    this.synchronous = fields.synchronous;
    this.rootDirectory = fields.rootDirectory;
    this.dcsHosts = fields.dcsHosts;
    this.timings = fields.timings;
    this.#members = fields.members;
    this.#etcd = fields.etcd;
    this.#superuser = fields.superuser;
    this.#connectionInfo = new HaConnectionInfo({
      hosts: this.#members.map((member) => ({ name: member.name, host: member.host, port: member.port })),
      user: this.#superuser.username,
      database: 'postgres',
      password: this.#superuser.password,
      roles: () => this.#roles,
    });
    // If Node exits first: every Patroni at once (each stops its PostgreSQL and gives up its
    // keys), then a postmaster left behind, then etcd; then the folder.
    this.#unregister = [
      registerExitCleanup(() => this.#stopAllSync(), { phase: 'processes' }),
      registerExitCleanup(() => void removeTreeSync(this.rootDirectory), { phase: 'files' }),
    ];
  }

  /** The pid of the etcd started for this cluster (`dcs: 'etcd'`) while it runs, else null. */
  get etcdPid(): number | null {
    return this.#etcd !== null && !this.#etcd.process.hasExited ? this.#etcd.process.pid : null;
  }

  /** Where the member's Patroni writes its output (its log, and PostgreSQL's until its logging collector runs). */
  logFile(name: string): string {
    return this.#member(name).logFile;
  }

  /** The member's Patroni configuration file (YAML, mode 0600, the server user's). */
  configFile(name: string): string {
    return this.#member(name).configFile;
  }

  /** The member names, in the order they were created. */
  get memberNames(): string[] {
    return this.#members.map((member) => member.name);
  }

  /** Every member from `GET /cluster` (asked of the members in turn until one answers), with pids of ours. */
  async members(): Promise<HaMember[]> {
    this.#assertOpen();
    const state = await this.#clusterState();
    const listed = await Promise.all(
      state.map(async (entry): Promise<HaMember> => {
        const ours = this.#members.find((member) => member.name === entry.name);
        return {
          name: entry.name,
          role: entry.role,
          state: entry.state,
          host: entry.host ?? ours?.host ?? '',
          port: entry.port ?? ours?.port ?? 0,
          timeline: typeof entry.timeline === 'number' ? entry.timeline : null,
          lag: typeof entry.lag === 'number' ? entry.lag : null,
          patroniPid: ours?.patroniPid() ?? null,
          postgresPid: ours === undefined ? null : await ours.postgresPid(),
        };
      }),
    );
    this.#remember(listed);
    return listed;
  }

  /** The leader (running), or null when there is none right now. */
  async leader(): Promise<HaMember | null> {
    return (await this.members()).find((member) => isLeaderRole(member.role) && member.state === 'running') ?? null;
  }

  /** Waits until a member leads and runs; returns it. HA_TIMEOUT with the last members seen otherwise. */
  async waitForLeader(options: HaWaitOptions = {}): Promise<HaMember> {
    return this.#waitFor('a leader', options, (members) => members.find((member) => isLeaderRole(member.role) && member.state === 'running') ?? null);
  }

  /**
   * Waits until the cluster is healthy: one running leader, every member running on its
   * timeline with a known lag, each replica streaming from the leader (`pg_stat_replication`),
   * and, in synchronous mode, a sync standby. Returns the members.
   */
  async waitForHealthy(options: HaWaitOptions = {}): Promise<HaMember[]> {
    return this.#waitFor('every member healthy', options, async (members) => {
      const leader = members.find((member) => isLeaderRole(member.role) && member.state === 'running');
      if (leader === undefined || members.length !== this.#members.length) return null;
      const replicas = members.filter((member) => member !== leader);
      if (replicas.some((member) => member.state !== 'running' || member.lag === null || member.timeline !== leader.timeline)) return null;
      if (this.synchronous && replicas.length > 0 && !replicas.some((member) => member.role === 'sync_standby')) return null;
      const streaming = await this.#streamingStandbys(leader).catch(() => null);
      if (streaming === null || replicas.some((member) => !streaming.includes(member.name))) return null;
      return members;
    });
  }

  /**
   * A planned change of leader (`POST /switchover`), then waits until the new leader runs.
   * In synchronous mode Patroni accepts only the sync standby as candidate: otherwise a
   * PatroniApiError `PATRONI_PRECONDITION_FAILED` with Patroni's message (HTTP 412).
   */
  async switchover(options: HaSwitchoverOptions = {}): Promise<HaMember> {
    const { candidate, timeout = 60_000 } = checkSwitchoverOptions(options, false);
    const leader = await this.waitForLeader({ timeout });
    if (candidate !== undefined) this.#member(candidate);
    await this.#memberFor(leader.name).client.switchover(candidate === undefined ? { leader: leader.name } : { leader: leader.name, candidate });
    return this.#waitFor(candidate === undefined ? 'a new leader' : `${candidate} to lead`, { timeout }, (members) => newLeader(members, leader, candidate));
  }

  /** `POST /failover` to `candidate` (required), whether or not the leader is healthy; waits until it leads. */
  async failover(options: HaSwitchoverOptions): Promise<HaMember> {
    const { candidate, timeout = 60_000 } = checkSwitchoverOptions(options, true);
    this.#member(candidate!);
    const current = (await this.members().catch(() => [])).find((member) => isLeaderRole(member.role));
    await this.#memberFor(candidate!).client.failover({ candidate: candidate! });
    return this.#waitFor(`${candidate} to lead`, { timeout }, (members) => newLeader(members, current ?? null, candidate));
  }

  /** How clients reach the cluster (the same object each time; it follows the leader). */
  connectionInfo(): HaConnectionInfo {
    return this.#connectionInfo;
  }

  /**
   * Stops the member's Patroni (if it runs) and starts it again; waits until Patroni reports it
   * running (a member that lost the leadership rejoins as a replica, with pg_rewind as needed).
   */
  async restartMember(name: string, options: HaWaitOptions = {}): Promise<HaMember> {
    const member = this.#member(name);
    const { timeout = 120_000 } = checkWaitOptions(options);
    await member.stop();
    return this.#startAndWait(member, timeout);
  }

  /** Starts a member whose Patroni is not running (killed, stopped) so it rejoins; a running member is left alone. */
  async rejoin(name: string, options: HaWaitOptions = {}): Promise<HaMember> {
    const member = this.#member(name);
    const { timeout = 120_000 } = checkWaitOptions(options);
    if (!member.isRunning) await member.killLeftoverPostmaster();
    return this.#startAndWait(member, timeout);
  }

  /** Stops one member's Patroni (which stops its PostgreSQL). Patroni elects another leader if it led. */
  async stopMember(name: string): Promise<void> {
    await this.#member(name).stop();
  }

  /** Stops every member at once, then the DCS we started, and removes the folders. Idempotent. */
  dispose(): Promise<void> {
    this.#disposed ??= this.#dispose();
    return this.#disposed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }

  /** Internal (createHaCluster): keeps the leader current in the background. */
  startWatching(): void {
    const interval = Math.max(250, Math.min(1_000, (this.timings.loopWait * 1_000) / 2));
    this.#timer = setInterval(() => void this.members().catch(() => undefined), interval);
    this.#timer.unref();
  }

  async #dispose(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    await Promise.all(this.#members.map((member) => member.stop()));
    await this.#etcd?.stop();
    await removeTree(this.rootDirectory);
    for (const unregister of this.#unregister) unregister();
  }

  #stopAllSync(): void {
    const pids = this.#members.flatMap((member) => (member.isRunning ? [member.process!.pid] : []));
    stopProcessesSync(pids, 'SIGTERM', 20_000);
    for (const member of this.#members) member.killLeftoverPostmasterSync();
    if (this.#etcd !== null && !this.#etcd.process.hasExited) stopProcessesSync([this.#etcd.process.pid], 'SIGTERM', 5_000);
  }

  async #startAndWait(member: PatroniMember, timeout: number): Promise<HaMember> {
    await member.start();
    try {
      return await this.#waitFor(`${member.name} running`, { timeout }, async (members) => {
        await member.assertRunning();
        const found = members.find((entry) => entry.name === member.name);
        return found !== undefined && found.state === 'running' && (isLeaderRole(found.role) || found.lag !== null) ? found : null;
      });
    } catch (error) {
      if (!(error instanceof HaError) || error.code !== 'HA_TIMEOUT') throw error;
      // The evidence: what the member's Patroni (and PostgreSQL) said last.
      throw new HaError('HA_TIMEOUT', `${error.message.split('\n')[0]}`, { member: member.name, detail: `${error.detail}\n${(await member.outputTail(3_000)).trim()}` });
    }
  }

  async #clusterState(): Promise<PatroniClusterMember[]> {
    const ordered = [...this.#members].sort((a, b) => Number(b.name === this.#roles.leader) - Number(a.name === this.#roles.leader));
    let failure: unknown = null;
    for (const member of ordered) {
      if (!member.isRunning) continue;
      try {
        return (await member.client.cluster()).members ?? [];
      } catch (error) {
        failure = error;
      }
    }
    if (failure instanceof PatroniApiError) throw failure;
    throw new HaError('HA_START_FAILED', `No member of ${this.scope} runs (none answers GET /cluster)`);
  }

  #remember(members: HaMember[]): void {
    const leader = members.find((member) => isLeaderRole(member.role) && member.state === 'running');
    this.#roles = {
      leader: leader?.name ?? null,
      replicas: members.filter((member) => member !== leader && member.state === 'running').map((member) => member.name),
    };
  }

  async #streamingStandbys(leader: HaMember): Promise<string[]> {
    const client = new pg.Client({ host: leader.host, port: leader.port, user: this.#superuser.username, password: this.#superuser.password, database: 'postgres', connectionTimeoutMillis: 2_000 });
    await client.connect();
    try {
      const { rows } = await client.query<{ application_name: string }>("SELECT application_name FROM pg_stat_replication WHERE state = 'streaming'");
      return rows.map((row) => row.application_name);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  async #waitFor<T>(what: string, options: HaWaitOptions, check: (members: HaMember[]) => T | null | Promise<T | null>): Promise<T> {
    const { timeout = 60_000 } = checkWaitOptions(options);
    const deadline = Date.now() + timeout;
    let last: HaMember[] | null = null;
    let lastError: unknown = null;
    for (;;) {
      this.#assertOpen();
      try {
        last = await this.members();
        const found = await check(last);
        if (found !== null) return found;
      } catch (error) {
        if (error instanceof HaError && error.code === 'HA_START_FAILED' && error.member !== null) throw error;
        lastError = error;
      }
      if (Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new HaError('HA_TIMEOUT', `Timed out after ${timeout} ms waiting for ${what} in ${this.scope}`, {
      detail: last === null ? String((lastError as Error | null)?.message ?? '') : `members: ${JSON.stringify(last.map(({ name, role, state, timeline, lag }) => ({ name, role, state, timeline, lag })))}`,
    });
  }

  #member(name: string): PatroniMember {
    const member = this.#members.find((entry) => entry.name === name);
    if (member === undefined) throw new HaError('HA_MEMBER_NOT_FOUND', `${this.scope} has no member ${JSON.stringify(name)} (members: ${this.memberNames.join(', ')})`, { member: String(name) });
    return member;
  }

  #memberFor(name: string): PatroniMember {
    const member = this.#members.find((entry) => entry.name === name && entry.isRunning) ?? this.#members.find((entry) => entry.isRunning);
    if (member === undefined) throw new HaError('HA_START_FAILED', `No member of ${this.scope} runs`);
    return member;
  }

  #assertOpen(): void {
    if (this.#disposed !== null) throw new HaError('HA_DISPOSED', `${this.scope} was disposed of`);
  }
}

function isLeaderRole(role: string): boolean {
  return role === 'leader' || role === 'master' || role === 'standby_leader';
}

/** The leader once it is `candidate` (or any other than `previous`) and on a later timeline than `previous`: promoted, accepting writes. */
function newLeader(members: HaMember[], previous: HaMember | null, candidate: string | undefined): HaMember | null {
  const leader = members.find((member) => isLeaderRole(member.role) && member.state === 'running');
  if (leader === undefined) return null;
  if (candidate !== undefined ? leader.name !== candidate : leader.name === previous?.name) return null;
  if (previous !== null && previous.name !== leader.name && previous.timeline !== null && (leader.timeline === null || leader.timeline <= previous.timeline)) return null;
  return leader;
}

function checkWaitOptions(options: HaWaitOptions): HaWaitOptions {
  if (typeof options !== 'object' || options === null) throw expected('options', 'an object', options);
  if (options.timeout !== undefined && (typeof options.timeout !== 'number' || !(options.timeout >= 0))) throw expected('timeout', 'a non-negative number', options.timeout);
  return options;
}

function checkSwitchoverOptions(options: HaSwitchoverOptions, needsCandidate: boolean): HaSwitchoverOptions {
  checkWaitOptions(options);
  if (options.candidate === undefined ? needsCandidate : typeof options.candidate !== 'string' || options.candidate === '') {
    throw expected('candidate', 'a member name', options.candidate);
  }
  return options;
}
