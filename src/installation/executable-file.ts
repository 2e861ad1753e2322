import { statSync, type Stats } from 'node:fs';
import { join } from 'node:path';

/** The file name of a program on `platform`: `pg_ctl`, or `pg_ctl.exe` on Windows. */
export function executableName(name: string, platform: NodeJS.Platform = process.platform): string {
  return platform === 'win32' ? `${name}.exe` : name;
}

/** Whether `path` is a regular file (following links) that can be executed. Synchronous. */
export function isExecutableFileSync(path: string, platform: NodeJS.Platform = process.platform): boolean {
  const stats = statOrUndefined(path);
  if (stats === undefined || !stats.isFile()) return false;
  return platform === 'win32' || (stats.mode & 0o111) !== 0;
}

/** The absolute path of program `name` in `dir`, or `null` when there is no such executable file. */
export function findExecutableSync(dir: string, name: string, platform: NodeJS.Platform = process.platform): string | null {
  const path = join(dir, executableName(name, platform));
  return isExecutableFileSync(path, platform) ? path : null;
}

/** Whether `path` is a directory (following links). Synchronous. */
export function isDirectorySync(path: string): boolean {
  return statOrUndefined(path)?.isDirectory() ?? false;
}

// A path we may not look at (EACCES: a PATH entry such as /root/.cargo/bin seen by another
// user; ENOTDIR, ELOOP) is as good as absent for finding programs.
function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}
