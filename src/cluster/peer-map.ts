// The ident map behind init()'s default `peer` authentication: pg_hba.conf's `local` peer rules
// name it, pg_ident.conf says which OS users it lets in as the superuser.
import { lstat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { HbaFile, IdentFile } from '../hba/index.js';
import { ClusterInitializationError } from './cluster-initialization-error.js';

export interface PeerMapOptions {
  /** The map's name (`map=` on the rules, the first column in pg_ident.conf). */
  map: string;
  /** The database superuser the OS users below log in as. */
  superuser: string;
  /** The OS users let in (duplicates are written once). */
  systemUsers: readonly string[];
  major: number;
}

/**
 * Adds `map=<map>` to every `local … peer` rule of the fresh pg_hba.conf that has no map yet and
 * one `<map> <os user> <superuser>` line per OS user to pg_ident.conf, through the lossless
 * editors (atomic writes that keep owner and mode).
 */
export async function writePeerMap(hbaPath: string, identPath: string, options: PeerMapOptions): Promise<void> {
  const { map, superuser, systemUsers, major } = options;
  // The data directory belongs to the server's OS user: as root, never follow a link put there.
  for (const path of [identPath, hbaPath]) {
    const stats = await lstat(path);
    if (!stats.isFile()) {
      throw new ClusterInitializationError('AUTH_FILE_NOT_REGULAR', `${path} is not a regular file (${stats.isSymbolicLink() ? 'a symbolic link' : 'not a file'}): not following it to write the peer map`, {
        dataDirectory: dirname(path),
        path,
      });
    }
  }
  const ident = await IdentFile.load(identPath, { major });
  const users = [...new Set(systemUsers)];
  users.forEach((systemUser, i) => {
    ident.append({
      map,
      systemUser,
      pgUser: superuser,
      ...(i === 0 ? { comments: ['# pg-cluster: the OS users that peer authentication lets in as the superuser'] } : {}),
    });
  });
  await ident.save();
  const hba = await HbaFile.load(hbaPath, { major });
  hba.rules().forEach((rule, i) => {
    if (rule.type === 'local' && rule.method === 'peer' && rule.options['map'] === undefined) {
      hba.set(i, { ...rule, options: { ...rule.options, map } });
    }
  });
  await hba.save();
}
