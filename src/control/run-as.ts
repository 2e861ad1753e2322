import { readFileSync, statSync, type Stats } from 'node:fs';
import { lchown, lstat, mkdir, readdir } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { RunAsError } from './run-as-error.js';
import { runCommand } from './run-command.js';

/** An OS user that PostgreSQL programs run as. */
export interface RunAsUser {
  user: string;
  uid: number;
  gid: number;
  /** The primary group and every supplementary group. */
  groups: number[];
}

/** The user a root process runs the server as when no `runAs` is given and `PG_CLUSTER_RUN_AS` is unset. */
export const DEFAULT_RUN_AS = 'postgres';

/** The environment variable that names the default `runAs` user of a root process (containers without `postgres`). */
export const RUN_AS_ENV = 'PG_CLUSTER_RUN_AS';

/** The default `runAs` of a root process: `$PG_CLUSTER_RUN_AS` when set and not empty, else `postgres`. */
export function defaultRunAs(env: NodeJS.ProcessEnv = process.env): string {
  const named = env[RUN_AS_ENV];
  return named !== undefined && named !== '' ? named : DEFAULT_RUN_AS;
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/**
 * Decides which OS user runs `initdb` and `postgres`. They refuse to run as root, so:
 * - as root: `runAs` (default `postgres`), which must exist and not be root itself;
 * - not root: null (run as ourselves); a `runAs` naming another user is an error.
 * `runAs: null` means "as myself" and, as root, is an error that says what to do.
 */
export async function resolveRunAs(runAs?: string | null): Promise<RunAsUser | null> {
  if (runAs !== undefined && runAs !== null && (typeof runAs !== 'string' || runAs === '')) {
    throw new RunAsError('RUN_AS_USER_NOT_FOUND', `Expected \`runAs\` to be a user name or null, got ${JSON.stringify(runAs)}`);
  }
  if (!isRoot()) {
    if (runAs === undefined || runAs === null) return null;
    const me = userInfo();
    if (runAs === me.username || runAs === String(me.uid)) return null;
    throw new RunAsError(
      'RUN_AS_NOT_PERMITTED',
      `Cannot run PostgreSQL as \`${runAs}\`: this process runs as \`${me.username}\`, and only root can switch users. Run as \`${runAs}\` or leave \`runAs\` unset.`,
      { user: runAs },
    );
  }
  if (runAs === null) {
    throw new RunAsError(
      'RUN_AS_REQUIRED',
      'PostgreSQL refuses to run as root. Pass `runAs` with an unprivileged OS user (for example `postgres`), or run this process as that user.',
    );
  }
  const name = runAs ?? defaultRunAs();
  const fromEnv = runAs === undefined && name !== DEFAULT_RUN_AS;
  const found = await lookUpUser(name);
  if (found === null) {
    throw new RunAsError(
      runAs === undefined && !fromEnv ? 'RUN_AS_REQUIRED' : 'RUN_AS_USER_NOT_FOUND',
      runAs === undefined && !fromEnv
        ? `PostgreSQL refuses to run as root and there is no \`${DEFAULT_RUN_AS}\` OS user. Create one (pg-cluster never creates users), or name an existing unprivileged user: \`runAs\`, ${RUN_AS_ENV}=<user>, or \`pg-cluster tmp --run-as <user>\`.`
        : `There is no OS user \`${name}\`${fromEnv ? ` (from ${RUN_AS_ENV})` : ''} to run PostgreSQL as. Create it (pg-cluster never creates users) or name another one.`,
      { user: name },
    );
  }
  if (found.uid === 0) {
    throw new RunAsError('RUN_AS_REQUIRED', `\`${name}\` is root, and PostgreSQL refuses to run as root. Pass an unprivileged \`runAs\`.`, {
      user: name,
    });
  }
  return found;
}

const cache = new Map<string, RunAsUser | null>();

/** Looks a user up in /etc/passwd and /etc/group, falling back to `id` (NSS, LDAP). */
export async function lookUpUser(name: string): Promise<RunAsUser | null> {
  if (cache.has(name)) return cache.get(name)!;
  const found = lookUpInFiles(name) ?? (await lookUpWithId(name));
  cache.set(name, found);
  return found;
}

/**
 * The user with the numeric id `uid`, from /etc/passwd and /etc/group (synchronous: the exit
 * cleanup uses it), or null when no entry names it. Not cached: a removal asks once per tree.
 */
export function lookUpUserById(uid: number): RunAsUser | null {
  let passwd: string;
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    return null;
  }
  const entry = passwd.split('\n').find((line) => line.split(':')[2] === String(uid));
  return entry === undefined ? null : lookUpInFiles(entry.split(':')[0]!);
}

function lookUpInFiles(name: string): RunAsUser | null {
  let passwd: string;
  let group = '';
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
    group = readFileSync('/etc/group', 'utf8');
  } catch {
    return null;
  }
  const entry = passwd.split('\n').find((line) => line.split(':')[0] === name);
  if (entry === undefined) return null;
  const fields = entry.split(':');
  const uid = Number(fields[2]);
  const gid = Number(fields[3]);
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) return null;
  const groups = new Set([gid]);
  for (const line of group.split('\n')) {
    const [, , id, members] = line.split(':');
    if (members !== undefined && members.split(',').includes(name) && Number.isInteger(Number(id))) groups.add(Number(id));
  }
  return { user: name, uid, gid, groups: [...groups] };
}

async function lookUpWithId(name: string): Promise<RunAsUser | null> {
  try {
    const uid = Number((await runCommand('id', ['-u', name])).stdout.trim());
    const gid = Number((await runCommand('id', ['-g', name])).stdout.trim());
    const groups = (await runCommand('id', ['-G', name])).stdout.trim().split(/\s+/).map(Number);
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) return null;
    return { user: name, uid, gid, groups: groups.filter(Number.isInteger) };
  } catch {
    return null;
  }
}

/**
 * Checks that `user` can reach `path`: search permission on every existing parent folder, and
 * on `path` itself the access given by `need` when it exists (`x` to run a program, `rwx` for
 * a folder it must own). Throws `PATH_NOT_ACCESSIBLE` naming the first folder in the way.
 */
export function assertAccessible(path: string, user: RunAsUser, need: 'traverse' | 'execute' = 'traverse'): void {
  const absolute = resolve(path);
  const parents: string[] = [];
  for (let folder = dirname(absolute); ; folder = dirname(folder)) {
    parents.unshift(folder);
    if (dirname(folder) === folder) break;
  }
  for (const folder of parents) {
    const stats = statOrNull(folder);
    if (stats === null) break; // the rest does not exist yet: whoever creates it decides
    if (!hasPermission(stats, user, 0o1)) {
      throw new RunAsError(
        'PATH_NOT_ACCESSIBLE',
        `The OS user \`${user.user}\` cannot reach ${absolute}: it has no search (x) permission on the folder ${folder}. ` +
          `Choose a location that user can reach (not under /root, for example), or allow it with \`chmod o+x ${folder}\`.`,
        { user: user.user, path: folder },
      );
    }
  }
  if (need === 'execute') {
    const stats = statOrNull(absolute);
    if (stats !== null && !hasPermission(stats, user, 0o1)) {
      throw new RunAsError(
        'PATH_NOT_ACCESSIBLE',
        `The OS user \`${user.user}\` cannot run ${absolute} (no execute permission). Make it executable for that user.`,
        { user: user.user, path: absolute },
      );
    }
  }
}

/** Whether `user` may create files in the folder `path` (write and search permission). */
export function canCreateIn(path: string, user: RunAsUser): boolean {
  const stats = statOrNull(path);
  return stats !== null && stats.isDirectory() && hasPermission(stats, user, 0o2) && hasPermission(stats, user, 0o1);
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

function hasPermission(stats: Stats, user: RunAsUser, bit: number): boolean {
  if (stats.uid === user.uid) return (stats.mode & (bit << 6)) !== 0;
  if (user.groups.includes(stats.gid)) return (stats.mode & (bit << 3)) !== 0;
  return (stats.mode & bit) !== 0;
}

/**
 * Makes `path` a folder `user` can work in without giving away anything that exists. A missing
 * folder is created (missing parents with the default mode, `path` itself with `mode`) and, as
 * root, given to `user`. An existing one is never changed: as root it must be a real directory
 * (not a symbolic link: PATH_IS_SYMLINK) that `user` owns, or, with `acceptWritable`, one `user`
 * can already create files in (/tmp); otherwise PATH_NOT_OWNED, which says what to do. Not root
 * (or `user` null): the folder is only created.
 */
export async function ensureOwned(path: string, user: RunAsUser | null, options: { mode?: number; acceptWritable?: boolean } = {}): Promise<void> {
  // Missing parents get the default mode (traversable); only `path` itself gets `mode`.
  await mkdir(dirname(path), { recursive: true });
  const isCreated = await mkdir(path, options.mode !== undefined ? { mode: options.mode } : {}).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
      return false;
    },
  );
  if (user === null || !isRoot()) return;
  // lchown: should the new folder be swapped for a link at once, the link is all that changes.
  if (isCreated) {
    await lchown(path, user.uid, user.gid);
    return;
  }
  const stats = await lstat(path);
  if (stats.isSymbolicLink()) {
    throw new RunAsError('PATH_IS_SYMLINK', `${path} is a symbolic link; pg-cluster does not follow it to a folder for \`${user.user}\`. Pass the folder itself, or a path that does not exist yet.`, {
      user: user.user,
      path,
    });
  }
  if (stats.isDirectory() && (stats.uid === user.uid || (options.acceptWritable === true && canCreateIn(path, user)))) return;
  throw new RunAsError(
    'PATH_NOT_OWNED',
    stats.isDirectory()
      ? `${path} exists and belongs to uid ${stats.uid}, not to \`${user.user}\` (uid ${user.uid}), who needs it; pg-cluster never gives away an existing folder. ` +
          `Pass a path that does not exist yet (it is then created for \`${user.user}\`), or hand it over yourself: \`chown ${user.user}: ${path}\`.`
      : `${path} exists and is not a directory`,
    { user: user.user, path },
  );
}

/** Gives a folder this process has just created itself (mkdtemp) to `user`, as root; a no-op otherwise. Never follows a link. */
export async function handOverCreatedFolder(path: string, user: RunAsUser | null): Promise<void> {
  if (user !== null && isRoot()) await lchown(path, user.uid, user.gid);
}

/** Gives `path` and everything under it to `user` (as root; a no-op otherwise). Symlinks are not followed. */
export async function chownTree(path: string, user: RunAsUser | null): Promise<void> {
  if (user === null || !isRoot()) return;
  const stats = await lstat(path);
  await lchown(path, user.uid, user.gid);
  if (!stats.isDirectory()) return;
  for (const entry of await readdir(path)) await chownTree(join(path, entry), user);
}
