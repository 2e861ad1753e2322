// How the server names a file that pg_hba.conf or pg_ident.conf refers to (`@file`, `include`,
// `include_if_exists`, `include_dir`): AbsoluteConfigLocation and canonicalize_path, so that our
// file names match the server's messages and pg_hba_file_rules.file_name character for character.
import { normalize } from 'node:path';

/**
 * The path the server opens for `location` named in `callingFile`: an absolute location as
 * written, a relative one joined to the calling file's folder and canonicalized.
 */
export function locateAuthFile(location: string, callingFile: string): string {
  if (location.startsWith('/')) return location;
  return canonicalizeAuthPath(`${parentDirectory(callingFile)}/${location}`);
}

/** A file of folder `directory` (include_dir), as the server names it. */
export function joinAuthPath(directory: string, name: string): string {
  return canonicalizeAuthPath(`${directory}/${name}`);
}

/** canonicalize_path as of PostgreSQL 15: `.` and `..` resolved, repeated and trailing slashes dropped. */
function canonicalizeAuthPath(path: string): string {
  const normalized = normalize(path);
  return normalized.length > 1 ? normalized.replace(/\/+$/, '') : normalized;
}

/** get_parent_directory: the folder of a file (the path up to its last slash). */
function parentDirectory(path: string): string {
  const slash = path.replace(/\/+$/, '').lastIndexOf('/');
  if (slash <= 0) return slash === 0 ? '' : '.';
  return path.slice(0, slash);
}
