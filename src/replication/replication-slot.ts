import type pg from 'pg';
import { ReplicationError } from './replication-error.js';

/** Creates the physical slot (reserving WAL at once) unless it exists (resolves to whether it made it); one a live standby uses is SLOT_IN_USE. */
export async function ensureSlot(admin: pg.Client, slot: string, options: { allowActive?: boolean } = {}): Promise<boolean> {
  const { rows } = await admin.query<{ active: boolean; slot_type: string }>('SELECT active, slot_type FROM pg_replication_slots WHERE slot_name = $1', [slot]);
  const existing = rows[0];
  if (existing === undefined) {
    await admin.query('SELECT pg_create_physical_replication_slot($1, true)', [slot]);
    return true;
  }
  if ((existing.active && options.allowActive !== true) || existing.slot_type !== 'physical') {
    throw new ReplicationError('SLOT_IN_USE', `The replication slot ${slot} exists on the primary and is ${existing.active ? 'in use' : `a ${existing.slot_type} slot`}: name another with \`slot\``);
  }
  return false;
}
