// init() of a cluster whose configuration lives elsewhere (a split layout): initdb writes
// postgresql.conf, pg_hba.conf and pg_ident.conf into the data directory; they are moved to where
// the layout says, as Debian's pg_createcluster moves them to /etc/postgresql/<major>/<name>, and
// postgresql.conf is told where the data directory and the two others are.
import { lchown, lstat, mkdir, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { RunAsUser } from '../control/index.js';
import { ConfigFile } from '../config/index.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { readFileNoFollow } from '../fs/regular-file.js';
import { ClusterInitializationError } from './cluster-initialization-error.js';

/** A configuration file initdb writes into the data directory (`name`) and where it goes (`target`). */
export interface ConfigPlacement {
  name: 'postgresql.conf' | 'pg_hba.conf' | 'pg_ident.conf';
  target: string;
}

/** Refuses (CONFIG_FILE_EXISTS) a placement whose target is there already: init() never overwrites a configuration. */
export async function refuseExistingTargets(dataDirectory: string, placements: readonly ConfigPlacement[]): Promise<void> {
  for (const { target } of placements) {
    if (target === join(dataDirectory, 'postgresql.conf')) continue;
    if ((await lstat(target).catch(() => null)) !== null) {
      throw new ClusterInitializationError('CONFIG_FILE_EXISTS', `${target} exists: init() does not overwrite the configuration of another cluster`, { dataDirectory, path: target });
    }
  }
}

/**
 * Moves each file to its target (a missing folder is made, mode 0755, and given to the server's
 * user as root), keeping its mode and giving it to that user; then records in postgresql.conf
 * `data_directory`, `hba_file` and `ident_file` (as pg_createcluster does, so `postgres -D
 * <config folder>` finds them too). Never follows a link in the data directory.
 */
export async function placeConfigFiles(dataDirectory: string, placements: readonly ConfigPlacement[], user: RunAsUser | null): Promise<void> {
  const moved = placements.filter(({ name, target }) => target !== join(dataDirectory, name));
  if (moved.length === 0) return;
  const owner = user !== null && process.getuid?.() === 0 ? { uid: user.uid, gid: user.gid } : {};
  const targetOf = (name: ConfigPlacement['name']) => placements.find((entry) => entry.name === name)?.target ?? join(dataDirectory, name);
  // Folders made here are given to the server's user only once the files are in them: until
  // then that user cannot swap one for a link that would send root's writes elsewhere.
  const made: string[] = [];
  for (const { name, target } of moved) {
    const source = join(dataDirectory, name);
    const stats = await lstat(source);
    let data: Buffer | string = await readFileNoFollow(source);
    if (name === 'postgresql.conf') {
      const conf = ConfigFile.parse(data.toString('utf8'));
      conf.set('data_directory', dataDirectory);
      conf.set('hba_file', targetOf('pg_hba.conf'));
      conf.set('ident_file', targetOf('pg_ident.conf'));
      data = conf.toString();
    }
    if (await makeFolder(dirname(target))) made.push(dirname(target));
    await writeFileAtomic(target, data, { mode: stats.mode & 0o777, ...owner });
    await unlink(source);
  }
  if (owner.uid !== undefined) for (const folder of made) await lchown(folder, owner.uid, owner.gid!);
}

/** Makes a missing folder (mode 0755; its missing parents too, with the default mode); whether it was missing. */
async function makeFolder(path: string): Promise<boolean> {
  if ((await lstat(path).catch(() => null)) !== null) return false;
  await mkdir(dirname(path), { recursive: true });
  await mkdir(path, { mode: 0o755 });
  return true;
}
