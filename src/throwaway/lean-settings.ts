import type { Cluster } from '../cluster/index.js';
import type { SettingValue } from '../control/index.js';

/**
 * Lean settings for a throwaway cluster: a small server that starts and stops fast. They are
 * written into the postgresql.conf of the template (and of a `template: false` cluster), so
 * `SHOW` and `pg_file_settings` agree, and a `settings` entry of createTemporaryCluster
 * overrides each (`-c` on the server's command line). Never used for a persistent Cluster.
 * A throwaway cluster that is to be a replication primary passes `wal_level: 'replica'` (or
 * `'logical'`, with `max_logical_replication_workers` for a subscriber) in `settings`:
 * `max_wal_senders` then goes back to the server's default (see {@link walSettingsBeside}).
 */
export const LEAN_SETTINGS: Readonly<Record<string, SettingValue>> = Object.freeze({
  shared_buffers: '8MB',
  max_connections: 20,
  autovacuum: false,
  // 0 workers: the logical replication launcher is not started.
  max_logical_replication_workers: 0,
  // Minimal WAL allows no WAL sender.
  wal_level: 'minimal',
  max_wal_senders: 0,
});

/** The server's defaults of the two WAL settings that only go together with `wal_level = minimal` as a pair. */
const WAL_DEFAULTS: Readonly<Record<string, SettingValue>> = Object.freeze({ wal_level: 'replica', max_wal_senders: 10 });

/**
 * `wal_level` and `max_wal_senders` go together (minimal WAL allows no sender): when `settings`
 * sets one of them, the other is set back to the server's default (`replica`, 10) unless it is
 * set too, so `{ wal_level: 'replica' }` or `{ max_wal_senders: 5 }` alone is enough for a primary.
 */
export function walSettingsBeside(settings: Readonly<Record<string, SettingValue>> | undefined): Record<string, SettingValue> {
  if (settings === undefined) return {};
  const hasLevel = 'wal_level' in settings;
  const hasSenders = 'max_wal_senders' in settings;
  if (hasLevel === hasSenders) return {};
  return hasLevel ? { max_wal_senders: WAL_DEFAULTS['max_wal_senders']! } : { wal_level: WAL_DEFAULTS['wal_level']! };
}

/** Writes {@link LEAN_SETTINGS} into the cluster's postgresql.conf (stopped; a template or a fresh initdb). */
export async function writeLeanSettings(cluster: Cluster): Promise<void> {
  await cluster.settings.update(LEAN_SETTINGS);
}
