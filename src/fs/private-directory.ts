import { chmod, lstat, mkdir } from 'node:fs/promises';
import { PgClusterError } from '../errors.js';

/** A folder pg-cluster keeps its own files in is not safe to use (see {@link ensurePrivateDirectory}). */
export class UnsafeDirectoryError extends PgClusterError {
  readonly path: string;

  constructor(path: string, message: string) {
    super('UNSAFE_DIRECTORY', message);
    this.path = path;
  }
}

/**
 * Creates `path` (mode 0700, or 0755 with `shared`, so that the server's OS user can traverse it)
 * or accepts it when it already exists as a real directory owned by this user that nobody else
 * can write to: a folder in a shared temporary directory could have been planted by someone else.
 */
export async function ensurePrivateDirectory(path: string, { shared = false }: { shared?: boolean } = {}): Promise<string> {
  const mode = shared ? 0o755 : 0o700;
  await mkdir(path, { recursive: true, mode });
  const info = await lstat(path);
  const uid = process.getuid?.();
  const problem = !info.isDirectory()
    ? 'is not a directory'
    : uid !== undefined && info.uid !== uid
      ? `is owned by uid ${info.uid}, not by this user (uid ${uid})`
      : (info.mode & 0o022) !== 0
        ? `is writable by others (mode ${(info.mode & 0o777).toString(8)})`
        : null;
  if (problem !== null) throw new UnsafeDirectoryError(path, `Refusing to use ${path}: it ${problem}; remove it or choose another folder`);
  // Ours: make it traversable by the server's OS user when shared (mkdtemp makes 0700 folders).
  if (shared && (info.mode & 0o055) !== 0o055) await chmod(path, (info.mode & 0o777) | 0o755);
  return path;
}
