import type { Cluster } from '../cluster/cluster.js';
import { matchRule, type HbaConnection } from '../hba/hba-match.js';
import type { HbaFileRule, HbaRuleInput } from '../hba/hba-rule.js';
import { toModelValue } from '../hba/hba-rule.js';

/** A connection the primary must let in, and the rule that lets it in. */
interface WantedRule {
  connection: HbaConnection;
  rule: HbaRuleInput;
}

/**
 * The pg_hba.conf rules replication needs on the primary, each put just before the first rule
 * that would otherwise decide its connection (at the end when none would): `replication`
 * connections of the replication user and normal connections of the rewind user to `postgres`
 * (what `pg_rewind` makes), both over the socket (`local`) and from `address` over TCP, all
 * `scram-sha-256`. A rule already deciding its connection the same way is left alone.
 * Resolves to whether the file changed (the server was then reloaded).
 */
export async function allowReplicationClients(primary: Cluster, options: { replicationUser: string; rewindUser: string; address: string }): Promise<boolean> {
  const { replicationUser, rewindUser, address } = options;
  const sample = address.split('/')[0]!;
  const quoted = (value: string, kind: 'database' | 'user') => toModelValue({ value, quoted: true }, kind);
  const wanted: WantedRule[] = [
    { connection: { type: 'local', database: 'replication', user: replicationUser, replication: true }, rule: { type: 'local', database: ['replication'], user: [quoted(replicationUser, 'user')], method: 'scram-sha-256' } },
    { connection: { type: 'host', database: 'replication', user: replicationUser, address: sample, replication: true }, rule: { type: 'host', database: ['replication'], user: [quoted(replicationUser, 'user')], address, method: 'scram-sha-256' } },
    { connection: { type: 'local', database: 'postgres', user: rewindUser }, rule: { type: 'local', database: [quoted('postgres', 'database')], user: [quoted(rewindUser, 'user')], method: 'scram-sha-256' } },
    { connection: { type: 'host', database: 'postgres', user: rewindUser, address: sample }, rule: { type: 'host', database: [quoted('postgres', 'database')], user: [quoted(rewindUser, 'user')], address, method: 'scram-sha-256' } },
  ];
  const hba = await primary.hba();
  let changed = false;
  for (const { connection, rule } of wanted) {
    // The TCP connection also stands for its SSL form (libpq's sslmode=prefer takes SSL when offered).
    const connections = connection.type === 'host' ? [connection, { ...connection, type: 'hostssl' as const }] : [connection];
    const decided = connections.map((c) => matchRule(hba, c)).filter((match) => match.status !== 'no-match');
    const first = decided.reduce<(typeof decided)[number] | undefined>((best, match) => (best === undefined || match.index < best.index ? match : best), undefined);
    if (first?.status === 'matched' && isSameRule(first.rule, rule)) continue;
    if (first === undefined) hba.append(rule);
    else hba.insert(first.index, rule);
    changed = true;
  }
  if (!changed) return false;
  await hba.save();
  await primary.reload();
  return true;
}

function isSameRule(read: HbaFileRule, wanted: HbaRuleInput): boolean {
  return (
    read.type === wanted.type &&
    read.method === wanted.method &&
    (read.type === 'local' || read.address === wanted.address) &&
    read.netmask === undefined &&
    Object.keys(read.options).length === 0 &&
    JSON.stringify(read.database) === JSON.stringify(wanted.database) &&
    JSON.stringify(read.user) === JSON.stringify(wanted.user)
  );
}
