import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandError } from '../control/command-error.js';
import { removeTree } from '../control/remove-tree.js';
import { runCommand } from '../control/run-command.js';
import { assertAccessible, chownTree, isRoot, type RunAsUser } from '../control/run-as.js';
import { userCommand } from '../control/user-command.js';
import { ReplicationError } from './replication-error.js';

export interface BaseBackupOptions {
  /** The pg_basebackup program. */
  program: string;
  dataDirectory: string;
  host: string;
  port: number;
  user: string;
  password: string;
  /** The physical replication slot to stream the WAL through (it exists). */
  slot: string | null;
  applicationName: string;
  runAs: RunAsUser | null;
  timeout: number;
  signal?: AbortSignal;
}

/**
 * `pg_basebackup -D <dir> -X stream -R -c fast` as the server's OS user, the password given
 * through a temporary password file (mode 0600, in a private folder, removed afterwards), never
 * argv or the environment. `-R` writes `standby.signal` and a `primary_conninfo`, which the
 * caller then replaces (pg_basebackup would put the password in it).
 */
export async function runBaseBackup(options: BaseBackupOptions): Promise<void> {
  const { program, dataDirectory, host, port, user, password, slot, applicationName, runAs, timeout, signal } = options;
  const folder = await mkdtemp(join(tmpdir(), 'pg-cluster-pgpass-'));
  try {
    const passfile = join(folder, 'pgpass');
    await writeFile(passfile, `*:*:*:${user.replace(/[:\\]/g, '\\$&')}:${password.replace(/[:\\]/g, '\\$&')}\n`, { mode: 0o600 });
    await chownTree(folder, runAs);
    if (runAs !== null && isRoot()) assertAccessible(passfile, runAs);
    const args = ['-D', dataDirectory, '-h', host, '-p', String(port), '-U', user, '-w', '-X', 'stream', '-R', '-c', 'fast', ...(slot === null ? [] : ['-S', slot])];
    const command = userCommand(program, args, runAs);
    try {
      await runCommand(command.file, command.args, {
        timeout,
        ...(signal !== undefined ? { signal } : {}),
        env: { PGPASSFILE: passfile, PGPASSWORD: undefined, PGAPPNAME: applicationName, PGSSLMODE: undefined },
        ...(command.uid !== undefined ? { uid: command.uid, gid: command.gid! } : {}),
      });
    } catch (error) {
      if (error instanceof CommandError) {
        throw new ReplicationError('BASE_BACKUP_FAILED', `pg_basebackup of ${host}:${port} into ${dataDirectory} failed: ${error.message}`, { dataDirectory, cause: error });
      }
      throw error;
    }
  } finally {
    await removeTree(folder).catch(() => undefined);
  }
}
