import { join } from 'node:path';
import { readFileNoFollow } from '../fs/regular-file.js';
import { SymlinkedFileError } from '../fs/symlinked-file-error.js';

/** A server's status as written on the last line of `postmaster.pid` (PostgreSQL 10+). */
export type PostmasterStatus = 'starting' | 'stopping' | 'ready' | 'standby';

/** The contents of `postmaster.pid`, the server's lock file in its data directory. */
export interface PostmasterPid {
  pid: number;
  dataDirectory: string;
  /** When the postmaster started, in seconds since the epoch. */
  startTime: number;
  port: number;
  /** The first of `unix_socket_directories`, or null when Unix sockets are off. */
  socketDirectory: string | null;
  /** The first of `listen_addresses` (`*`, `localhost`, an address), or null when TCP is off. */
  listenAddresses: string | null;
  /** The shared memory key and id, as written (`  5432001  32768`). */
  shmemKey: string | null;
  /** Null while the server has not yet written its status (the first moments of a start). */
  status: PostmasterStatus | null;
}

const statuses: ReadonlySet<string> = new Set(['starting', 'stopping', 'ready', 'standby']);

/**
 * Parses the text of `postmaster.pid`. Returns null when the text is not a lock file (empty,
 * or half-written: the server writes it in steps, so the pid line may be alone at first).
 */
export function parsePostmasterPid(text: string): PostmasterPid | null {
  const lines = text.split('\n');
  const pid = Number.parseInt(lines[0] ?? '', 10);
  // A standalone backend writes its pid negated; we treat only a postmaster as a server.
  if (!Number.isInteger(pid) || pid === 0) return null;
  const port = Number.parseInt(lines[3] ?? '', 10);
  const status = lines[7]?.trim() ?? '';
  return {
    pid: Math.abs(pid),
    dataDirectory: lines[1] ?? '',
    startTime: Number.parseInt(lines[2] ?? '', 10),
    port: Number.isInteger(port) ? port : 0,
    socketDirectory: emptyToNull(lines[4]),
    listenAddresses: emptyToNull(lines[5]),
    shmemKey: emptyToNull(lines[6]),
    status: statuses.has(status) ? (status as PostmasterStatus) : null,
  };
}

/**
 * Reads `<dataDirectory>/postmaster.pid`; null when there is none (or it is unreadable/partial).
 * The data directory is the server's user's: the file is read only as a regular file, never
 * through a link (a link to a root-only file, or to /dev/zero) nor from a FIFO (which would block
 * the read for good), and anything else counts as no lock file.
 */
export async function readPostmasterPid(dataDirectory: string): Promise<PostmasterPid | null> {
  let text: string;
  try {
    text = (await readFileNoFollow(join(dataDirectory, 'postmaster.pid'))).toString('utf8');
  } catch (error) {
    if (error instanceof SymlinkedFileError) return null;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES' || code === 'EINVAL' || code === 'EISDIR' || code === 'ENXIO') return null;
    throw error;
  }
  return parsePostmasterPid(text);
}

function emptyToNull(line: string | undefined): string | null {
  const value = line?.trim() ?? '';
  return value === '' ? null : value;
}
