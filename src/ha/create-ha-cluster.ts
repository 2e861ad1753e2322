import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CommandError } from '../control/command-error.js';
import { stopProcessesSync } from '../control/daemon-process.js';
import { registerExitCleanup } from '../control/exit-cleanup.js';
import { removeTree, removeTreeSync } from '../control/remove-tree.js';
import { assertAccessible, ensureOwned, isRoot, resolveRunAs, type RunAsUser } from '../control/run-as.js';
import { runCommand } from '../control/run-command.js';
import { userCommand } from '../control/user-command.js';
import { expected } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { defaultInstallation } from '../installation/default-installation.js';
import type { Installation } from '../installation/installation.js';
import { findFreePort } from '../throwaway/free-port.js';
import { EtcdServer } from './etcd-server.js';
import { HaCluster } from './ha-cluster.js';
import { HaError } from './ha-error.js';
import { checkHaPrograms, DEFAULT_HA_PROGRAMS, type HaPrograms } from './ha-programs.js';
import { PATRONI_DEFAULT_TIMINGS, patroniConfig, type PatroniDcs } from './patroni-config.js';
import { PatroniMember } from './patroni-member.js';
import { isForeignVariable, programEnvironment } from './program-environment.js';

export interface CreateHaClusterOptions {
  /** How many Patroni members to start, 1 to 9. Default 3. */
  members?: number;
  /** Patroni's synchronous_mode. Default false. */
  synchronous?: boolean;
  /** Default defaultInstallation(); it must have pg_basebackup, pg_rewind and pg_controldata (the npm binaries do not). */
  installation?: Installation;
  /** `'etcd'` (default): start a one-member etcd of our own on 127.0.0.1. Or an existing DCS. */
  dcs?: 'etcd' | PatroniDcs;
  /** The cluster's name (Patroni's scope). Default `ha-<random>`. */
  scope?: string;
  /** As root, the OS user Patroni, etcd and PostgreSQL run as (default `postgres`, or $PG_CLUSTER_RUN_AS); not root: yourself. */
  runAs?: string | null;
  /** Server settings for every member. */
  settings?: Readonly<Record<string, string | number | boolean>>;
  /** Seconds; Patroni's defaults 30, 10, 10. Failover takes up to about ttl + loopWait. */
  ttl?: number;
  loopWait?: number;
  retryTimeout?: number;
  /** Where the cluster's folder is made. Default os.tmpdir(). */
  directory?: string;
  /** The programs to run. Default Debian's: /usr/bin/patroni, /usr/bin/etcd, /usr/bin/tini. */
  programs?: Partial<HaPrograms>;
  /** Ms until every member is healthy (waitForHealthy). Default 120000. */
  timeout?: number;
}

const REQUIRED_PROGRAMS = ['postgres', 'initdb', 'pg_ctl', 'pg_basebackup', 'pg_rewind', 'pg_controldata'] as const;

/**
 * Starts an HA cluster on this machine: a DCS (our own etcd unless one is given) and `members`
 * Patroni members on 127.0.0.1 with free ports, in a folder of our own, all run as the server's
 * OS user and owned by this process. Resolves once waitForHealthy does; on failure everything
 * started is stopped and removed.
 */
export async function createHaCluster(options: CreateHaClusterOptions = {}): Promise<HaCluster> {
  if (typeof options !== 'object' || options === null) throw expected('options', 'an object', options);
  const { members: count = 3, synchronous = false, dcs = 'etcd', runAs, settings = {}, directory = tmpdir(), timeout = 120_000 } = options;
  const { ttl = PATRONI_DEFAULT_TIMINGS.ttl, loopWait = PATRONI_DEFAULT_TIMINGS.loopWait, retryTimeout = PATRONI_DEFAULT_TIMINGS.retryTimeout } = options;
  const scope = options.scope ?? `ha-${randomBytes(3).toString('hex')}`;
  if (!Number.isInteger(count) || count < 1 || count > 9) throw expected('members', 'a whole number from 1 to 9', count);
  if (typeof synchronous !== 'boolean') throw expected('synchronous', 'a boolean', synchronous);
  if (dcs !== 'etcd' && (typeof dcs !== 'object' || dcs === null)) throw expected('dcs', "`'etcd'` or `{ etcd3: { hosts } }`", dcs);
  if (typeof directory !== 'string' || directory === '') throw expected('directory', 'a folder path', directory);
  if (typeof timeout !== 'number' || !(timeout >= 0)) throw expected('timeout', 'a non-negative number', timeout);
  const programs: HaPrograms = { ...DEFAULT_HA_PROGRAMS, ...(options.programs ?? {}) };
  checkHaPrograms(programs, dcs === 'etcd' ? ['patroni', 'tini', 'etcd'] : ['patroni', 'tini']);

  const installation = options.installation ?? (await defaultInstallation());
  const missing = REQUIRED_PROGRAMS.filter((program) => installation.paths[program] === null);
  if (missing.length > 0) {
    throw new HaError(
      'HA_INSTALLATION_INCOMPLETE',
      `The installation at ${installation.paths.bindir ?? '(no bin directory)'} has no ${missing.map((p) => `\`${p}\``).join(', ')}, which Patroni needs (base backups, pg_rewind). ` +
        'Use a full PostgreSQL installation (the system packages; the npm server binaries lack them).',
    );
  }
  const user = await resolveRunAs(runAs);
  if (user !== null) for (const program of [programs.patroni, programs.tini, programs.etcd, installation.paths.postgres!]) assertAccessible(program, user, 'execute');

  const root = await mkdtemp(join(resolve(directory), 'pg-cluster-ha-'));
  // As root the folder stays root's and others may only pass through (each member's folder is the
  // server user's); not root it is ours alone.
  await chmod(root, user !== null && isRoot() ? 0o711 : 0o700);
  const unregisterRemoval = registerExitCleanup(() => void removeTreeSync(root), { phase: 'files' });
  let etcd: EtcdServer | null = null;
  let unregisterEtcd = (): void => undefined;
  const members: PatroniMember[] = [];
  let cluster: HaCluster | null = null;
  try {
    if (dcs === 'etcd') {
      etcd = await EtcdServer.start({ etcd: programs.etcd, folder: join(root, 'etcd'), user, name: scope });
      const pid = etcd.process.pid;
      // Until the HaCluster exists (it stops the members first, then etcd).
      unregisterEtcd = registerExitCleanup(() => stopProcessesSync([pid], 'SIGTERM', 5_000), { phase: 'processes' });
    }
    const dcsConfig: PatroniDcs = dcs === 'etcd' ? { etcd3: { hosts: [etcd!.host] } } : dcs;
    const dcsHosts = 'etcd3' in dcsConfig ? dcsConfig.etcd3.hosts : dcsConfig.etcd.hosts;
    const secret = (): string => randomBytes(18).toString('base64url');
    const superuser = { username: 'postgres', password: secret() };
    const replication = { username: 'replicator', password: secret() };
    const rewind = { username: 'rewind', password: secret() };
    const auth = { username: 'patroni', password: secret() };
    const taken = new Set<number>(etcd === null ? [] : [etcd.clientPort, etcd.peerPort]);
    for (let index = 1; index <= count; index++) {
      const name = `pg${index}`;
      const port = await findFreePort({ hosts: ['127.0.0.1'], exclude: taken });
      taken.add(port);
      const restPort = await findFreePort({ hosts: ['127.0.0.1'], exclude: taken });
      taken.add(restPort);
      const folder = join(root, name);
      await ensureOwned(folder, user, { mode: 0o700 });
      const dataDirectory = join(folder, 'data');
      const configFile = join(root, `${name}.yml`);
      const text = patroniConfig({
        scope,
        name,
        dcs: dcsConfig,
        installation,
        dataDirectory,
        listen: `127.0.0.1:${port}`,
        connectAddress: `127.0.0.1:${port}`,
        restApi: { listen: `127.0.0.1:${restPort}`, connectAddress: `127.0.0.1:${restPort}`, auth },
        synchronous,
        superuser,
        replication,
        rewind,
        settings,
        ttl,
        loopWait,
        retryTimeout,
        socketDirectory: folder,
        pgpass: join(folder, 'pgpass'),
      });
      // Secrets: mode 0600, the server user's (Patroni reads it as that user); never on argv.
      await writeFileAtomic(configFile, text, { mode: 0o600, ...(user !== null && isRoot() ? { uid: user.uid, gid: user.gid } : {}) });
      members.push(new PatroniMember({ name, folder, dataDirectory, configFile, host: '127.0.0.1', port, restPort, user, programs, auth }));
    }
    await Promise.all(members.map((member) => validateConfig(programs.patroni, member, user)));
    cluster = new HaCluster({ scope, synchronous, rootDirectory: root, members, etcd, dcsHosts, superuser, timings: { ttl, loopWait, retryTimeout } });
    unregisterRemoval();
    unregisterEtcd();
    for (const member of members) await member.start();
    await cluster.waitForHealthy({ timeout });
    cluster.startWatching();
    return cluster;
  } catch (error) {
    if (cluster !== null) await cluster.dispose().catch(() => undefined);
    else {
      await Promise.all(members.map((member) => member.stop().catch(() => undefined)));
      await etcd?.stop().catch(() => undefined);
      await removeTree(root).catch(() => undefined);
      unregisterEtcd();
      unregisterRemoval();
    }
    throw error;
  }
}

/** `patroni --validate-config <file>`, as the server user (it checks the DCS is reachable and the ports free). */
async function validateConfig(patroni: string, member: PatroniMember, user: RunAsUser | null): Promise<void> {
  const command = userCommand(patroni, ['--validate-config', member.configFile], user);
  try {
    await runCommand(command.file, command.args, {
      timeout: 30_000,
      env: { ...programEnvironment(member.folder), ...Object.fromEntries(Object.keys(process.env).filter(isForeignVariable).map((key) => [key, undefined])) },
      cwd: member.folder,
      ...(command.uid !== undefined ? { uid: command.uid, gid: command.gid! } : {}),
    });
  } catch (error) {
    if (!(error instanceof CommandError) || error.exitCode === null) throw error;
    const problems = `${error.stderrTail}\n${error.stdoutTail}`.split('\n').filter((line) => line.trim() !== '' && !isKnownFalsePositive(line));
    if (problems.length === 0) return;
    throw new HaError('HA_CONFIG_INVALID', `patroni --validate-config rejected ${member.configFile}`, { member: member.name, detail: problems.join('\n'), cause: error });
  }
}

/**
 * What Patroni 3.0.2's validator reports of a configuration Patroni itself runs with: a
 * loopback connect_address (refused for real hosts; a cluster on one machine has nothing else),
 * `bootstrap.pg_hba` (deprecated: `postgresql.pg_hba` is the documented place) and
 * `postgresql.authentication.rewind` (optional: pg_rewind then connects as the superuser).
 */
function isKnownFalsePositive(line: string): boolean {
  return (
    /^(?:restapi|postgresql)\.connect_address 127\.0\.0\.1:\d+ didn't pass validation: 'must not contain/.test(line) ||
    /^bootstrap\.pg_hba\s+is not defined\.$/.test(line) ||
    /^postgresql\.authentication\.rewind\s+is not defined\.$/.test(line)
  );
}
