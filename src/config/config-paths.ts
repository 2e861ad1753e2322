// How the server names the files it includes (AbsoluteConfigLocation and canonicalize_path), so
// that our file names match the `sourcefile` column of pg_file_settings character for character.
import { normalize } from 'node:path';

/**
 * The absolute path the server gives an include's `location`. An absolute location is used as
 * written; a relative one is joined to the folder of the including file and canonicalized.
 */
export function locateConfigFile(location: string, callingFile: string, major: number): string {
  if (location.startsWith('/')) return location;
  return canonicalizeConfigPath(joinConfigPath(trimLastComponent(callingFile), location), major);
}

/** The server's join_path_components: `head/tail`, or `tail` alone when there is no head. */
export function joinConfigPath(head: string, tail: string): string {
  if (tail === '') return head;
  return head === '' ? tail : `${head}/${tail}`;
}

function trimTrailingSlashes(path: string): string {
  let end = path.length;
  while (end > 1 && path[end - 1] === '/') end--;
  return path.slice(0, end);
}

/**
 * canonicalize_path. From PostgreSQL 15 on it resolves every `.` and `..`; before, it only
 * collapsed repeated slashes and resolved `.` and `..` at the end of the path.
 */
export function canonicalizeConfigPath(path: string, major: number): string {
  if (major >= 15) return trimTrailingSlashes(normalize(path));
  let result = trimTrailingSlashes(path).replace(/\/{2,}/g, '/');
  let pendingStrips = 0;
  for (;;) {
    if (result.endsWith('/.') && result.length >= 2) {
      result = trimLastComponent(result);
    } else if (result === '.') {
      if (pendingStrips > 0) result = '';
      break;
    } else if ((result.length >= 3 && result.endsWith('/..')) || result === '..') {
      result = trimLastComponent(result);
      pendingStrips++;
    } else if (pendingStrips > 0 && result !== '') {
      result = trimLastComponent(result);
      pendingStrips--;
      if (result === '') result = '.';
    } else {
      break;
    }
  }
  if (pendingStrips > 0) result += `${'../'.repeat(pendingStrips - 1)}..`;
  return result;
}

/** The server's trim_directory: drops the last component and the slashes before it (keeps a root `/`). */
function trimLastComponent(path: string): string {
  if (path === '') return path;
  let end = path.length;
  while (end > 1 && path[end - 1] === '/') end--;
  while (end > 0 && path[end - 1] !== '/') end--;
  while (end > 1 && path[end - 1] === '/') end--;
  return path.slice(0, end === 1 && path[0] === '/' ? 1 : end);
}
