import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { isRoot, type RunAsUser } from './run-as.js';

/** A program line ready to spawn, plus the options Node needs when setpriv is not there. */
export interface UserCommand {
  file: string;
  args: string[];
  /** Set only for the fallback without setpriv: Node switches user itself (no parent-death signal). */
  uid?: number;
  gid?: number;
  /** Whether the program will get a signal when the spawning thread dies (setpriv --pdeathsig). */
  hasParentDeathSignal: boolean;
}

export interface UserCommandOptions {
  /** Signal the program gets when the thread that spawned it dies (Linux). Default none. */
  parentDeathSignal?: NodeJS.Signals;
}

/**
 * Wraps `file args` so it runs as `user` (when root) and, optionally, dies with its parent.
 * On Linux with util-linux this is `setpriv --reuid --regid --init-groups --pdeathsig -- file
 * args`: setpriv execs the program, so the child's pid is the program's own. Without setpriv
 * (macOS, minimal images) the program is spawned directly, switching user through Node's
 * `uid`/`gid` options, and only the exit cleanup registry protects against orphans.
 */
export function userCommand(file: string, args: readonly string[], user: RunAsUser | null, options: UserCommandOptions = {}): UserCommand {
  const switchUser = user !== null && isRoot();
  const setpriv = findSetpriv();
  const wantsDeathSignal = options.parentDeathSignal !== undefined && process.platform === 'linux';
  if (setpriv !== null && (switchUser || wantsDeathSignal)) {
    const prefix: string[] = [];
    if (switchUser) prefix.push(`--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups');
    if (wantsDeathSignal) prefix.push(`--pdeathsig=${options.parentDeathSignal}`);
    return { file: setpriv, args: [...prefix, '--', file, ...args], hasParentDeathSignal: wantsDeathSignal };
  }
  if (switchUser) return { file, args: [...args], uid: user.uid, gid: user.gid, hasParentDeathSignal: false };
  return { file, args: [...args], hasParentDeathSignal: false };
}

let setprivPath: string | null | undefined;

/** Where util-linux's setpriv is, or null. Looked up once. */
export function findSetpriv(): string | null {
  if (setprivPath !== undefined) return setprivPath;
  const folders = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/bin', '/bin', '/usr/sbin', '/sbin'];
  setprivPath = null;
  for (const folder of folders) {
    if (folder === '') continue;
    const candidate = join(folder, 'setpriv');
    try {
      accessSync(candidate, constants.X_OK);
      setprivPath = candidate;
      break;
    } catch {
      // not here
    }
  }
  return setprivPath;
}

/** For tests: forget the cached setpriv location, or pretend it is somewhere (null: absent). */
export function setSetprivPathForTesting(path: string | null | undefined): void {
  setprivPath = path;
}
