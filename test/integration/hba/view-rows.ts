// What pg_hba_file_rules / pg_ident_file_mappings show for a file, computed from our reading of it.
// The view prints addresses through getnameinfo and options from the parsed struct
// (hbafuncs.c, fill_hba_line / gethba_options); this mirrors that printing, nothing more.
import type { HbaFile, HbaFileSet, HbaRule, IdentFileSet } from '../../../src/hba/index.js';
import { toServerString } from '../../../src/hba/hba-rule.js';
import { makeCidrMask, formatIp, parseNumericHost } from '../../../src/hba/ip-address.js';

export interface HbaViewRow {
  line_number: number;
  type: string | null;
  database: string[] | null;
  user_name: string[] | null;
  address: string | null;
  netmask: string | null;
  auth_method: string | null;
  options: string[] | null;
  error: string | null;
}

function addressColumns(rule: HbaRule): { address: string | null; netmask: string | null } {
  if (rule.address === undefined) return { address: null, netmask: null };
  if (['all', 'samehost', 'samenet'].includes(rule.address)) return { address: rule.address, netmask: null };
  const text = toServerString(rule.address);
  const slash = text.indexOf('/');
  const ip = parseNumericHost(slash === -1 ? text : text.slice(0, slash));
  if (!ip) return { address: text, netmask: null };
  const mask = slash !== -1 ? makeCidrMask(text.slice(slash + 1), ip.family)! : parseNumericHost(rule.netmask!)!;
  return { address: formatIp(ip), netmask: formatIp(mask) };
}

function optionColumn(rule: HbaRule): string[] | null {
  const o = rule.options;
  const method = rule.type === 'local' && rule.method === 'ident' ? 'peer' : rule.method;
  const out: string[] = [];
  if (method === 'gss' || method === 'sspi') {
    if (o.include_realm === undefined || o.include_realm === '1') out.push('include_realm=true');
    if (o.krb_realm !== undefined) out.push(`krb_realm=${o.krb_realm}`);
  }
  if (o.map !== undefined) out.push(`map=${o.map}`);
  // The cert method forces verify-full after reading the options.
  const clientcert = method === 'cert' ? 'verify-full' : o.clientcert;
  if (clientcert !== undefined) out.push(`clientcert=${clientcert === 'verify-ca' ? 'verify-ca' : 'verify-full'}`);
  if (o.pamservice !== undefined) out.push(`pamservice=${o.pamservice}`);
  if (method === 'ldap') {
    for (const name of ['ldapserver', 'ldapport', 'ldaptls', 'ldapprefix', 'ldapsuffix', 'ldapbasedn', 'ldapbinddn', 'ldapbindpasswd', 'ldapsearchattribute', 'ldapsearchfilter']) {
      const v = o[name];
      if (v === undefined) continue;
      if (name === 'ldaptls') {
        if (v === '1') out.push('ldaptls=true');
      } else if (name === 'ldapport') out.push(`ldapport=${Number.parseInt(v, 10)}`);
      else out.push(`${name}=${v}`);
    }
    // parse_hba_auth_opt sets ldapscope to LDAP_SCOPE_SUBTREE (2) whenever it reads any option.
    if (Object.keys(o).length > 0) out.push('ldapscope=2');
  }
  if (method === 'radius') {
    for (const name of ['radiusservers', 'radiussecrets', 'radiusidentifiers', 'radiusports']) {
      if (o[name] !== undefined) out.push(`${name}=${o[name]}`);
    }
  }
  return out.length > 0 ? out : null;
}

/** Warnings the server adds to a rule it did read, which depend on its build and settings. */
export interface ServerFacts {
  ssl: boolean;
  gssEncryption: boolean;
}

/** The view's row for a rule the server read. */
function ruleRow(rule: HbaRule & { line: number }, facts: ServerFacts): HbaViewRow {
  let error: string | null = null;
  if (rule.type === 'hostssl' && !facts.ssl) error = 'hostssl record cannot match because SSL is disabled';
  if (rule.type === 'hostgssenc' && !facts.gssEncryption) error = 'hostgssenc record cannot match because GSSAPI is not supported by this build';
  return {
    line_number: rule.line,
    type: rule.type,
    database: rule.database.map(toServerString),
    user_name: rule.user.map(toServerString),
    ...addressColumns(rule),
    auth_method: rule.type === 'local' && rule.method === 'ident' ? 'peer' : rule.method,
    options: optionColumn(rule),
    error,
  };
}

function errorRow(line: number, message: string): HbaViewRow {
  return { line_number: line, type: null, database: null, user_name: null, address: null, netmask: null, auth_method: null, options: null, error: message };
}

export function expectedHbaRows(hba: HbaFile, facts: ServerFacts): HbaViewRow[] {
  const rows: HbaViewRow[] = [];
  for (const rule of hba) rows.push(ruleRow(rule, facts));
  for (const d of hba.diagnostics) rows.push(errorRow(d.line, d.message));
  return rows.sort((a, b) => a.line_number - b.line_number);
}

/**
 * The rows of pg_hba_file_rules for a file set, in the server's reading order; from 16 on with
 * `rule_number` and `file_name` (the columns 16 added).
 */
export function expectedSetRows(set: HbaFileSet, facts: ServerFacts): Array<HbaViewRow & { rule_number?: number | null; file_name?: string }> {
  let ruleNumber = 0;
  return set.entries.map((entry) => {
    const row = entry.kind === 'rule' ? ruleRow(entry.rule, facts) : errorRow(entry.diagnostic.line, entry.diagnostic.message);
    if (set.major < 16) return row;
    const file = entry.kind === 'rule' ? entry.rule.file : entry.diagnostic.file;
    return { rule_number: row.error === null ? ++ruleNumber : null, file_name: file, ...row };
  });
}

export interface IdentViewRow {
  map_number?: number | null;
  file_name?: string;
  line_number: number;
  map_name: string | null;
  sys_name: string | null;
  pg_username: string | null;
  error: string | null;
}

/** The rows of pg_ident_file_mappings for a file set, in the server's reading order (16+: `map_number`, `file_name`). */
export function expectedIdentSetRows(set: IdentFileSet): IdentViewRow[] {
  let mapNumber = 0;
  return set.entries.map((entry) => {
    const row =
      entry.kind === 'mapping'
        ? { line_number: entry.mapping.line, map_name: toServerString(entry.mapping.map), sys_name: toServerString(entry.mapping.systemUser), pg_username: toServerString(entry.mapping.pgUser), error: null }
        : { line_number: entry.diagnostic.line, map_name: null, sys_name: null, pg_username: null, error: entry.diagnostic.message };
    if (set.major < 16) return row;
    const file = entry.kind === 'mapping' ? entry.mapping.file : entry.diagnostic.file;
    return { map_number: row.error === null ? ++mapNumber : null, file_name: file, ...row };
  });
}
