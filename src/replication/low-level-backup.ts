import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import type { Cluster } from '../cluster/cluster.js';
import { CLUSTER_MARKER_FILE } from '../cluster/cluster-marker.js';
import { CommandError } from '../control/command-error.js';
import { runCommand } from '../control/run-command.js';
import type { RunAsUser } from '../control/run-as.js';
import { userCommand } from '../control/user-command.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { ReplicationError } from './replication-error.js';
import { STANDBY_PASSFILE } from './standby-files.js';

/**
 * What a base backup leaves out (PostgreSQL's own list for pg_basebackup, "Backup Manifest" /
 * basebackup.c): the server's lock and options files, a backup in progress, recovery signals,
 * the WAL (streamed from the primary instead), slots, and folders rebuilt at start.
 */
const SKIPPED = new Set([
  'postmaster.pid', 'postmaster.opts', 'backup_label', 'backup_label.old', 'tablespace_map', 'standby.signal', 'recovery.signal',
  'current_logfiles', CLUSTER_MARKER_FILE, STANDBY_PASSFILE,
]);
/** Folders copied empty (mode 0700). */
const EMPTIED = ['pg_wal', 'pg_replslot', 'pg_dynshmem', 'pg_notify', 'pg_serial', 'pg_snapshots', 'pg_stat_tmp', 'pg_subtrans'];

export interface CopyBackupOptions {
  /** The OS user that copies (the server's user, who owns the primary's files), or null: this process. */
  runAs: RunAsUser | null;
  label: string;
  signal?: AbortSignal;
}

/**
 * A base backup of a server on this host without pg_basebackup: PostgreSQL's low-level backup API
 * in non-exclusive mode (`pg_backup_start`/`pg_backup_stop` on 15+, `pg_start_backup(label,
 * true, false)`/`pg_stop_backup(false, false)` on 13–14) through `session`, which must stay open
 * for the whole backup, and a copy of the data directory between them (`cp -a` as the server's
 * OS user, so root reads and writes nothing that user controls), then `backup_label` and
 * `tablespace_map` as the server gave them. The WAL is not copied: the standby streams it, from
 * the slot the caller reserved it with. `target` must exist and be empty.
 */
export async function copyBaseBackup(primary: Cluster, session: pg.Client, target: string, options: CopyBackupOptions): Promise<void> {
  const { runAs, label, signal } = options;
  const major = primary.installation.versionInfo.major;
  const source = primary.dataDirectory;
  const tablespaces = await readdir(join(source, 'pg_tblspc')).catch(() => []);
  if (tablespaces.length > 0) {
    throw new ReplicationError('COPY_NOT_POSSIBLE', `The primary ${source} has tablespaces (pg_tblspc), which a copy on the same host cannot place elsewhere: use an installation with pg_basebackup (--tablespace-mapping)`, { dataDirectory: target });
  }
  await session.query(major >= 15 ? 'SELECT pg_backup_start($1, true)' : 'SELECT pg_start_backup($1, true, false)', [label]);
  let stopped = false;
  try {
    const entries = (await readdir(source)).filter((name) => !SKIPPED.has(name) && !EMPTIED.includes(name) && !name.startsWith('pgsql_tmp'));
    const run = async (file: string, args: string[]) => {
      const command = userCommand(file, args, runAs);
      try {
        await runCommand(command.file, command.args, {
          ...(command.uid !== undefined ? { uid: command.uid, gid: command.gid! } : {}),
          ...(signal !== undefined ? { signal } : {}),
        });
      } catch (error) {
        if (error instanceof CommandError) throw new ReplicationError('BASE_BACKUP_FAILED', `Copying ${source} to ${target} failed: ${error.message}`, { dataDirectory: target, cause: error });
        throw error;
      }
    };
    // Files change while they are copied: the WAL replayed from the backup's start makes them consistent.
    await run('cp', ['-a', '--reflink=auto', '--', ...entries.map((name) => join(source, name)), `${target}/`]);
    await run('mkdir', ['-m', '0700', '--', ...EMPTIED.map((name) => join(target, name)), join(target, 'pg_wal', 'archive_status')]);
    const { rows } = await session.query<{ labelfile: string; spcmapfile: string | null }>(
      major >= 15 ? 'SELECT labelfile, spcmapfile FROM pg_backup_stop(false)' : 'SELECT labelfile, spcmapfile FROM pg_stop_backup(false, false)',
    );
    stopped = true;
    const owner = await lstat(target);
    const ownership = { mode: 0o600, uid: owner.uid, gid: owner.gid };
    await writeFileAtomic(join(target, 'backup_label'), rows[0]!.labelfile, ownership);
    const map = rows[0]!.spcmapfile;
    if (map !== null && map !== '') await writeFileAtomic(join(target, 'tablespace_map'), map, ownership);
  } finally {
    if (!stopped) {
      await session.query(major >= 15 ? 'SELECT pg_backup_stop(false)' : 'SELECT pg_stop_backup(false, false)').catch(() => undefined);
    }
  }
}
