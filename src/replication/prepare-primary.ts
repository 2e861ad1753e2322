import type pg from 'pg';
import type { Cluster } from '../cluster/cluster.js';
import type { CredentialsStore } from '../provision/credentials-store.js';
import { quoteIdentifier, quoteLiteral } from '../throwaway/sql-quote.js';
import { ReplicationError } from './replication-error.js';
import { allowReplicationClients } from './replication-hba.js';
import { settleReplicationRole } from './replication-roles.js';
import type { ReplicationLog } from './replication-events.js';

export interface PreparePrimaryOptions {
  /** Restart the primary when a setting needs it (default false: ReplicationError `PRIMARY_RESTART_REQUIRED`). */
  restartPrimary?: boolean;
  replicationUser: string;
  rewindUser: string;
  credentials: CredentialsStore;
  /** The standby's address (or a CIDR range) for the `host` rules. */
  standbyAddress: string;
  timeout: number;
  log?: ReplicationLog;
}

/** What preparing the primary did. */
export interface PrimaryPreparation {
  /** Settings changed, with their new value (`wal_level: 'replica'`, …). */
  changed: Record<string, string>;
  /** Whether the primary was restarted for them. */
  restarted: boolean;
  /** Whether pg_hba.conf got rules (and was reloaded). */
  hbaChanged: boolean;
  systemIdentifier: string;
  replicationPassword: string;
  rewindPassword: string;
}

interface SettingRow {
  name: string;
  setting: string;
  context: string;
  source: string;
}

/** `max_wal_senders` and `max_replication_slots` are raised to at least this (PostgreSQL's default). */
const MIN_SENDERS = 10;

/**
 * Makes the primary ready to serve a standby, and a later `pg_rewind` from it: `wal_level` at
 * least `replica`, room for two more WAL senders (pg_basebackup's stream) and one more slot,
 * `wal_log_hints = on` unless the cluster has data checksums, `full_page_writes = on` and
 * `synchronous_commit` not `off` (a throwaway cluster's speed settings), the replication and
 * rewind roles and their pg_hba.conf rules. A setting from the server's command line (a throwaway
 * cluster's `-c`) can only change by a restart with other `-c` values; one from the files is set
 * with `ALTER SYSTEM` and applied by a reload when the server allows. A needed restart without
 * `restartPrimary` is a ReplicationError `PRIMARY_RESTART_REQUIRED` before anything was changed.
 */
export async function preparePrimary(primary: Cluster, options: PreparePrimaryOptions): Promise<PrimaryPreparation> {
  const { restartPrimary = false, timeout, log } = options;
  let admin = await primary.connect({ application_name: 'pg-cluster replication' });
  let restarted = false;
  let changed: Record<string, string> = {};
  try {
    const state = await admin.query<{ recovery: boolean; id: string; checksums: string; senders: number; slots: number }>(
      `SELECT pg_is_in_recovery() AS recovery, (SELECT system_identifier::text FROM pg_control_system()) AS id,
              current_setting('data_checksums') AS checksums,
              (SELECT count(*)::int FROM pg_stat_replication) AS senders,
              (SELECT count(*)::int FROM pg_replication_slots) AS slots`,
    );
    const { recovery, id, checksums, senders, slots } = state.rows[0]!;
    if (recovery) throw new ReplicationError('PRIMARY_IN_RECOVERY', `The server of ${primary.dataDirectory} is in recovery (a standby): create standbys of its primary`, { dataDirectory: primary.dataDirectory });
    const rows = await readSettings(admin, ['wal_level', 'max_wal_senders', 'max_replication_slots', 'wal_log_hints', 'full_page_writes', 'synchronous_commit']);
    const wanted: Record<string, string> = {};
    const value = (name: string) => rows.get(name)!.setting;
    if (value('wal_level') === 'minimal') wanted['wal_level'] = 'replica';
    const senderRoom = senders + 2;
    if (Number(value('max_wal_senders')) < senderRoom) wanted['max_wal_senders'] = String(Math.max(MIN_SENDERS, senderRoom));
    const slotRoom = slots + 1;
    if (Number(value('max_replication_slots')) < slotRoom) wanted['max_replication_slots'] = String(Math.max(MIN_SENDERS, slotRoom));
    if (checksums !== 'on' && value('wal_log_hints') !== 'on') wanted['wal_log_hints'] = 'on';
    if (value('full_page_writes') !== 'on') wanted['full_page_writes'] = 'on';
    if (value('synchronous_commit') === 'off') wanted['synchronous_commit'] = 'on';

    const fromCommandLine = Object.keys(wanted).filter((name) => rows.get(name)!.source === 'command line');
    const needRestart = Object.keys(wanted).filter((name) => rows.get(name)!.source === 'command line' || rows.get(name)!.context === 'postmaster');
    if (needRestart.length > 0 && !restartPrimary) {
      const list = needRestart.map((name) => `${name} = ${wanted[name]}`).join(', ');
      throw new ReplicationError(
        'PRIMARY_RESTART_REQUIRED',
        `The primary ${primary.dataDirectory} needs ${list} for replication, which takes a restart` +
          (fromCommandLine.length > 0 ? ` (${fromCommandLine.join(', ')} set on its command line, as a throwaway cluster's are)` : '') +
          ': pass `restartPrimary: true`, or set them and restart it yourself. Nothing was changed.',
        { dataDirectory: primary.dataDirectory, settings: Object.fromEntries(needRestart.map((name) => [name, wanted[name]!])) },
      );
    }
    for (const [name, setting] of Object.entries(wanted)) {
      if (fromCommandLine.includes(name)) continue;
      await admin.query(`ALTER SYSTEM SET ${quoteIdentifier(name)} = ${quoteLiteral(setting)}`);
    }
    changed = wanted;
    if (needRestart.length > 0) {
      const commandLine = await admin.query<{ name: string; setting: string }>("SELECT name, setting FROM pg_settings WHERE source = 'command line'");
      await admin.end().catch(() => undefined);
      const settings: Record<string, string> = Object.fromEntries(commandLine.rows.map((row) => [row.name, row.setting]));
      for (const name of fromCommandLine) settings[name] = wanted[name]!;
      log?.({ type: 'primary-restart', message: `restarting the primary ${primary.dataDirectory} for ${needRestart.join(', ')}`, dataDirectory: primary.dataDirectory, settings: wanted });
      await primary.restart({ mode: 'fast', timeout, ...(fromCommandLine.length > 0 ? { settings } : {}) });
      restarted = true;
      admin = await primary.connect({ application_name: 'pg-cluster replication' });
    } else if (Object.keys(wanted).length > 0) {
      await admin.query('SELECT pg_reload_conf()');
      log?.({ type: 'primary-reload', message: `reloaded the primary ${primary.dataDirectory} for ${Object.keys(wanted).join(', ')}`, dataDirectory: primary.dataDirectory, settings: wanted });
    }
    const replicationPassword = await settleReplicationRole(admin, options.replicationUser, 'replication', options.credentials, id);
    const rewindPassword = await settleReplicationRole(admin, options.rewindUser, 'rewind', options.credentials, id);
    const hbaChanged = await allowReplicationClients(primary, { replicationUser: options.replicationUser, rewindUser: options.rewindUser, address: options.standbyAddress });
    return { changed, restarted, hbaChanged, systemIdentifier: id, replicationPassword, rewindPassword };
  } finally {
    await admin.end().catch(() => undefined);
  }
}

async function readSettings(client: pg.Client, names: string[]): Promise<Map<string, SettingRow>> {
  const { rows } = await client.query<SettingRow>('SELECT name, setting, context, source FROM pg_settings WHERE name = ANY($1)', [names]);
  return new Map(rows.map((row) => [row.name, row]));
}
