import { isIP } from 'node:net';
import { Cluster, type ReloadResult } from '../cluster/cluster.js';
import { expected } from '../errors.js';
import type { HbaFile } from '../hba/hba-file.js';
import { matchRule } from '../hba/hba-match.js';
import { toModelValue, toServerString, type HbaFileRule, type HbaRuleInput } from '../hba/hba-rule.js';
import { formatIp, isInRange, makeCidrMask, parseNumericHost } from '../hba/ip-address.js';
import { ProvisionError } from './provision-error.js';
import type { ProvisionTarget } from './provision-target.js';
import { checkOptionNames } from './request-options.js';

export interface AllowClientOptions {
  database: string;
  user: string;
  /** The client's IP address (`127.0.0.1`, `::1`; a single host gets `/32` or `/128`) or a CIDR range (`10.0.0.0/8`). */
  address: string;
  /** Default `scram-sha-256`. */
  method?: string;
}

export interface AllowClientResult {
  /** False when the file already let this client in with this rule first (nothing was written). */
  changed: boolean;
  /** The rule's 1-based line in pg_hba.conf (for disallowClient: the line it was on), or null when there was none. */
  line: number | null;
  /** The reload's report, when the file changed. */
  reload: ReloadResult | null;
}

interface ClientRule {
  rule: HbaRuleInput & { database: string[]; user: string[]; address: string };
  sample: string;
}

/**
 * The charm's `allowed-units`: adds `host <database> <user> <address> <method>` to pg_hba.conf
 * just before the first rule that would otherwise decide that connection, with or without SSL
 * and (for a range) from any address in it (`matchRule`; at the end when none would), checks the line the way the server reads it (`pg_hba_file_rules`:
 * an error, or other names than asked, restores the file and throws `HBA_RULE_REFUSED`), and
 * reloads. Idempotent. Needs a `Cluster`: ProvisionError `CLUSTER_REQUIRED` otherwise.
 */
export async function allowClient(cluster: ProvisionTarget, options: AllowClientOptions): Promise<AllowClientResult> {
  const local = requireCluster(cluster, 'allowClient');
  const { rule, sample } = checkClientRule(options);
  const hba = await local.hba();
  // A `host` rule serves the client with and without SSL (libpq's sslmode=prefer takes SSL when
  // the server offers it): it goes before the first rule that would decide either connection.
  // For a range, every address in it counts: also the network address of each rule inside it.
  const samples = [sample, ...networksWithin(hba, rule.address)];
  const matches = (['host', 'hostssl'] as const).flatMap((type) =>
    samples.map((address) => matchRule(hba, { type, database: options.database, user: options.user, address })),
  );
  const decided = matches.filter((match) => match.status !== 'no-match');
  const first = decided.reduce<(typeof decided)[number] | undefined>((best, match) => (best === undefined || match.index < best.index ? match : best), undefined);
  // Ours first (it decides both kinds of connection, so it is the earliest of both): nothing to do.
  if (first?.status === 'matched' && isSameClientRule(first.rule, rule)) {
    return { changed: false, line: first.rule.line, reload: null };
  }
  const inserted = first === undefined ? hba.append(rule) : hba.insert(first.index, rule);
  await hba.save();
  const line = hba.rules().find((item) => item.raw === inserted.raw && isSameClientRule(item, rule))?.line ?? inserted.line;
  const problem = await checkServerReads(local, await local.hbaFile(), line, options);
  if (problem !== null) {
    const index = hba.rules().findIndex((item) => item.line === line);
    if (index !== -1) hba.pop(index);
    await hba.save();
    throw new ProvisionError('HBA_RULE_REFUSED', `The server refuses the pg_hba.conf line ${line} written for ${JSON.stringify(options.user)}: ${problem} (the file was restored)`);
  }
  return { changed: true, line, reload: await local.reload() };
}

/** Removes exactly the rule {@link allowClient} adds for these options (every copy of it), and reloads. Idempotent. */
export async function disallowClient(cluster: ProvisionTarget, options: AllowClientOptions): Promise<AllowClientResult> {
  const local = requireCluster(cluster, 'disallowClient');
  const { rule } = checkClientRule(options);
  const hba = await local.hba();
  const index = hba.rules().findIndex((item) => isSameClientRule(item, rule));
  if (index === -1) return { changed: false, line: null, reload: null };
  const line = hba.at(index)!.line;
  for (let i = hba.length - 1; i >= 0; i--) if (isSameClientRule(hba.at(i)!, rule)) hba.pop(i);
  await hba.save();
  return { changed: true, line, reload: await local.reload() };
}

/**
 * The network addresses of the rules whose numeric address lies in `cidr` (ours): two ranges
 * overlap when one holds the other's network address, and ours holds `sample` already.
 */
function networksWithin(hba: HbaFile, cidr: string): string[] {
  const [host, bits] = cidr.split('/') as [string, string];
  const network = parseNumericHost(host)!;
  const mask = makeCidrMask(bits, network.family)!;
  const found: string[] = [];
  for (const item of hba.rules()) {
    if (item.type === 'local' || item.address === undefined) continue;
    const text = toServerString(item.address);
    const address = parseNumericHost(text.split('/')[0]!);
    if (address !== undefined && isInRange(address, network, mask)) found.push(formatIp(address));
  }
  return found;
}

function requireCluster(target: ProvisionTarget, call: string): Cluster {
  if (target instanceof Cluster) return target;
  throw new ProvisionError('CLUSTER_REQUIRED', `${call} edits pg_hba.conf, which needs a Cluster on this machine, not a connection (${typeof target === 'object' && target !== null ? 'ConnectionInfo' : typeof target})`);
}

const OPTION_NAMES = new Set(['database', 'user', 'address', 'method']);

function checkClientRule(options: AllowClientOptions): ClientRule {
  checkOptionNames(options, OPTION_NAMES);
  const { database, user, address, method = 'scram-sha-256' } = options;
  for (const [name, value] of [['database', database], ['user', user]] as const) {
    if (typeof value !== 'string' || value === '' || /["\0\r\n]/.test(value)) throw expected(name, 'a non-empty name without double quotes or line breaks', value);
  }
  if (typeof method !== 'string' || method === '') throw expected('method', 'an authentication method', method);
  if (typeof address !== 'string') throw expected('address', 'an IP address or a CIDR range', address);
  const [host, bits, extra] = address.split('/');
  const family = isIP(host ?? '');
  const width = family === 4 ? 32 : 128;
  if (family === 0 || extra !== undefined || (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= width))) {
    throw expected('address', 'an IP address or a CIDR range', address);
  }
  const cidr = `${host}/${bits ?? width}`;
  return {
    rule: {
      type: 'host',
      database: [toModelValue({ value: database, quoted: true }, 'database')],
      user: [toModelValue({ value: user, quoted: true }, 'user')],
      address: cidr,
      method,
    },
    sample: host!,
  };
}

function isSameClientRule(read: HbaFileRule | ReturnType<HbaFile['rules']>[number], wanted: ClientRule['rule']): boolean {
  return (
    read.type === 'host' &&
    read.method === wanted.method &&
    read.address === wanted.address &&
    read.netmask === undefined &&
    Object.keys(read.options).length === 0 &&
    read.database.length === 1 && read.database[0] === wanted.database[0] &&
    read.user.length === 1 && read.user[0] === wanted.user[0]
  );
}

/** What the server makes of line `line` of `path`: null when it reads the names asked for without an error. */
async function checkServerReads(cluster: Cluster, path: string, line: number, options: AllowClientOptions): Promise<string | null> {
  const client = await cluster.connect({ application_name: 'pg-cluster allowClient' });
  try {
    const byFile = cluster.installation.versionInfo.major >= 16 ? ' AND file_name = $2' : '';
    const { rows } = await client.query<{ database: string[] | null; user_name: string[] | null; error: string | null }>(
      `SELECT database, user_name, error FROM pg_hba_file_rules WHERE line_number = $1${byFile}`,
      byFile === '' ? [line] : [line, path],
    );
    const row = rows[0];
    if (row === undefined) return 'the server does not list the line';
    if (row.error !== null) return row.error;
    if (row.database?.length !== 1 || row.database[0] !== options.database || row.user_name?.length !== 1 || row.user_name[0] !== options.user) {
      return `it reads database ${JSON.stringify(row.database)} and user ${JSON.stringify(row.user_name)}`;
    }
    return null;
  } finally {
    await client.end().catch(() => undefined);
  }
}
