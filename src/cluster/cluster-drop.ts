import { lstat, readdir, readlink, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { RemovalError, removeTree, type DirectoryIdentity } from '../control/index.js';
import { ClusterDropError } from './cluster-drop-error.js';
import { CLUSTER_MARKER_FILE, hasClusterMarker } from './cluster-marker.js';
import { readWalDirectoryRecord, removeWalDirectoryRecord } from './wal-directory-record.js';

export interface DropOptions {
  /** Milliseconds the fast shutdown gets before escalating; default 10,000. */
  timeout?: number;
  /** Milliseconds each escalation step gets; default 5,000. */
  escalationTimeout?: number;
  signal?: AbortSignal;
  /**
   * Remove a directory that is not one of our clusters too: one without `PG_VERSION`, or a
   * cluster without pg-cluster's marker (made by another tool). A path that is not a directory
   * (a file, a symbolic link) is refused all the same. Default false.
   */
  force?: boolean;
  /**
   * Also remove the configuration that lives outside the data directory (a split layout): the
   * whole `configDirectory` when the Cluster was given one (as pg_dropcluster removes
   * `/etc/postgresql/<major>/<name>`), else the `configFile`, `hbaFile` and `identFile` outside
   * it. Default false: they stay, listed in `kept` (reason `configuration`).
   */
  removeConfiguration?: boolean;
}

/**
 * Why drop() left a path in place:
 * - `wal-directory-not-ours`: `pg_wal` pointed there, but it is not the WAL directory this
 *   cluster's `init({ waldir })` made (or that record is gone): the link was removed, not the target;
 * - `tablespace`: a tablespace's directory outside the data directory (`pg_tblspc/<oid>` was a link to it);
 * - `symlink`: another symbolic link in the data directory pointed there;
 * - `not-a-cluster-log`: the default log file beside a data directory that was missing, empty or not a cluster;
 * - `configuration`: a configuration file (or folder) outside the data directory, kept without `removeConfiguration`.
 */
export type DropKeptReason = 'wal-directory-not-ours' | 'tablespace' | 'symlink' | 'not-a-cluster-log' | 'configuration';

export interface DropKeptPath {
  path: string;
  reason: DropKeptReason;
  /** The symbolic link that pointed at `path`, removed with the data directory (null for the log). */
  link: string | null;
}

/** What drop() removed and what it left. */
export interface DropResult {
  /** The data directory, the WAL directory init() made for it, the default log file: those that were there. */
  removed: string[];
  /** Paths drop() saw and left in place, and why. */
  kept: DropKeptPath[];
}

/** What drop() found at the data directory path, before it stops anything. */
export interface DropPlan {
  dataDirectory: string;
  kind: 'missing' | 'empty' | 'directory';
  /** Whether it holds `PG_VERSION`: only then is the default log file its log, and removed. */
  isCluster: boolean;
  identity: DirectoryIdentity | null;
}

/** Looks at the data directory and refuses (ClusterDropError) what drop() must not remove. Changes nothing. */
export async function planDrop(dataDirectory: string, force: boolean): Promise<DropPlan> {
  const stats = await lstat(dataDirectory, { bigint: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return null;
    throw error;
  });
  if (stats === null) return { dataDirectory, kind: 'missing', isCluster: false, identity: null };
  if (!stats.isDirectory()) {
    throw new ClusterDropError(
      'DROP_NOT_A_DIRECTORY',
      `Refusing to drop ${dataDirectory}: it is ${stats.isSymbolicLink() ? 'a symbolic link' : 'not a directory'}, and drop() removes only a data directory (even with force)`,
      { dataDirectory, path: dataDirectory },
    );
  }
  const identity = { dev: stats.dev, ino: stats.ino };
  if ((await readdir(dataDirectory)).length === 0) return { dataDirectory, kind: 'empty', isCluster: false, identity };
  const version = join(dataDirectory, 'PG_VERSION');
  const isCluster = (await lstat(version).catch(() => null))?.isFile() ?? false;
  if (!force && !isCluster) {
    throw new ClusterDropError(
      'DROP_NOT_A_CLUSTER',
      `Refusing to drop ${dataDirectory}: it holds files but no PG_VERSION, so it is not a PostgreSQL data directory (force: true removes it anyway)`,
      { dataDirectory, path: version },
    );
  }
  if (!force && !(await hasClusterMarker(dataDirectory))) {
    throw new ClusterDropError(
      'DROP_NOT_OURS',
      `Refusing to drop ${dataDirectory}: it holds a PostgreSQL cluster that pg-cluster did not create (no ${CLUSTER_MARKER_FILE}); force: true removes it anyway`,
      { dataDirectory, path: join(dataDirectory, CLUSTER_MARKER_FILE) },
    );
  }
  return { dataDirectory, kind: 'directory', isCluster, identity };
}

/**
 * Removes what `plan` found (the server is stopped by then), never following a link out of the
 * data directory (see removeTree): a link is removed, its target stays and is listed in `kept`,
 * except the WAL directory that init() made for this cluster and recorded, when `pg_wal` still
 * points to that very directory.
 */
export async function carryOutDrop(plan: DropPlan, logPath: string): Promise<DropResult> {
  const { dataDirectory } = plan;
  const result: DropResult = { removed: [], kept: [] };
  if (plan.kind !== 'missing') {
    const { links, wal } = await findLinksOut(dataDirectory);
    const walIdentity = wal === null ? null : await recordedWalDirectory(dataDirectory, wal.path);
    const outcome = await removeTree(dataDirectory, plan.identity === null ? {} : { identity: plan.identity });
    if (outcome === 'changed') {
      throw new RemovalError('REMOVAL_FAILED', `${dataDirectory} was replaced while drop() ran: nothing was removed`, { path: dataDirectory });
    }
    if (outcome === 'removed') result.removed.push(dataDirectory);
    if (wal !== null) {
      if (walIdentity !== null && (await removeTree(wal.path, { identity: walIdentity })) === 'removed') result.removed.push(wal.path);
      else result.kept.push({ ...wal, reason: 'wal-directory-not-ours' });
    }
    result.kept.push(...links);
    await removeWalDirectoryRecord(dataDirectory);
  }
  const log = await lstat(logPath).catch(() => null);
  if (log !== null && !log.isDirectory()) {
    if (plan.isCluster) {
      // unlink removes a link itself, never its target.
      await unlink(logPath).catch(() => undefined);
      result.removed.push(logPath);
    } else {
      result.kept.push({ path: logPath, reason: 'not-a-cluster-log', link: null });
    }
  }
  return result;
}

/** The symbolic links in the data directory and in `pg_tblspc`, with their targets; `pg_wal` apart. */
async function findLinksOut(dataDirectory: string): Promise<{ links: DropKeptPath[]; wal: { path: string; link: string } | null }> {
  const links: DropKeptPath[] = [];
  let wal: { path: string; link: string } | null = null;
  for (const name of await readdir(dataDirectory).catch(() => [] as string[])) {
    const link = join(dataDirectory, name);
    const stats = await lstat(link).catch(() => null);
    if (stats?.isSymbolicLink()) {
      const path = await targetOf(link);
      if (path === null) continue;
      if (name === 'pg_wal') wal = { path, link };
      else links.push({ path, link, reason: 'symlink' });
    } else if (name === 'pg_tblspc' && stats?.isDirectory()) {
      for (const oid of await readdir(link).catch(() => [] as string[])) {
        const tablespace = join(link, oid);
        const path = (await lstat(tablespace).catch(() => null))?.isSymbolicLink() ? await targetOf(tablespace) : null;
        if (path !== null) links.push({ path, link: tablespace, reason: 'tablespace' });
      }
    }
  }
  return { links, wal };
}

/** The identity of `waldir` when it is the very directory init() recorded for this data directory, else null. */
async function recordedWalDirectory(dataDirectory: string, waldir: string): Promise<DirectoryIdentity | null> {
  const record = await readWalDirectoryRecord(dataDirectory);
  if (record === null) return null;
  const stats = await lstat(waldir, { bigint: true }).catch(() => null);
  if (stats === null || !stats.isDirectory() || stats.dev !== record.dev || stats.ino !== record.ino) return null;
  return { dev: stats.dev, ino: stats.ino };
}

async function targetOf(link: string): Promise<string | null> {
  return readlink(link).then(
    (target) => resolve(dirname(link), target),
    () => null,
  );
}

/**
 * The configuration outside the data directory, after the data directory went: removed with
 * `remove` (the folder when one was given, else the files; a link itself, never its target),
 * else listed as kept.
 */
export async function dropConfiguration(outside: { directory: string | null; files: readonly string[] }, remove: boolean, result: DropResult): Promise<void> {
  if (outside.directory === null && outside.files.length === 0) return;
  if (!remove) {
    for (const path of outside.directory !== null ? [outside.directory] : outside.files) {
      if ((await lstat(path).catch(() => null)) !== null) result.kept.push({ path, reason: 'configuration', link: null });
    }
    return;
  }
  if (outside.directory !== null) {
    const stats = await lstat(outside.directory).catch(() => null);
    if (stats === null) return;
    if (!stats.isDirectory()) {
      throw new ClusterDropError('DROP_NOT_A_DIRECTORY', `Refusing to remove the configuration directory ${outside.directory}: it is ${stats.isSymbolicLink() ? 'a symbolic link' : 'not a directory'}`, {
        dataDirectory: outside.directory,
        path: outside.directory,
      });
    }
    if ((await removeTree(outside.directory)) === 'removed') result.removed.push(outside.directory);
    return;
  }
  for (const path of outside.files) {
    const stats = await lstat(path).catch(() => null);
    if (stats === null || stats.isDirectory()) continue;
    await unlink(path);
    result.removed.push(path);
  }
}
