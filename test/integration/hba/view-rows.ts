// What pg_hba_file_rules / pg_ident_file_mappings show for a file, computed from our reading of it.
// The view prints addresses through getnameinfo and options from the parsed struct
// (hbafuncs.c, fill_hba_line / gethba_options); this mirrors that printing, nothing more.
import type { HbaDiagnostic, HbaFile, HbaFileSet, HbaRule, IdentFileSet } from '../../../src/hba/index.js';
import { parseLdapUrl } from '../../../src/hba/ldap-url.js';
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

/** The ldap options as gethba_options prints them, from the options read in order (ldapurl sets several). */
function ldapOptions(o: Record<string, string>): string[] {
  const v: Record<string, string | undefined> = {};
  let scope = 0;
  for (const [name, value] of Object.entries(o)) {
    // parse_hba_auth_opt sets ldapscope to LDAP_SCOPE_SUBTREE (2) whenever it reads an option.
    scope = 2;
    if (name === 'ldapurl') {
      const url = parseLdapUrl(value);
      if (!url.ok) continue;
      v.ldapscheme = url.scheme;
      if (url.host !== undefined) v.ldapserver = url.host;
      v.ldapport = url.port === undefined ? undefined : String(url.port);
      if (url.dn !== undefined) v.ldapbasedn = url.dn;
      if (url.attribute !== undefined) v.ldapsearchattribute = url.attribute;
      scope = url.scope;
      if (url.filter !== undefined) v.ldapsearchfilter = url.filter;
    } else if (name === 'ldaptls') v.ldaptls = value === '1' ? 'true' : undefined;
    else if (name === 'ldapport') v.ldapport = String(Number.parseInt(value.trim(), 10));
    else v[name] = value;
  }
  const out: string[] = [];
  for (const name of ['ldapserver', 'ldapport', 'ldapscheme', 'ldaptls', 'ldapprefix', 'ldapsuffix', 'ldapbasedn', 'ldapbinddn', 'ldapbindpasswd', 'ldapsearchattribute', 'ldapsearchfilter']) {
    if (v[name] !== undefined && v[name] !== '0') out.push(`${name}=${v[name]}`);
  }
  if (scope) out.push(`ldapscope=${scope}`);
  return out;
}

/** The clientcert level the server keeps for a value it accepted (13 also reads 1, 0 and no-verify). */
function clientCertLevel(value: string | undefined, major: number): string | undefined {
  if (value === undefined || (major < 14 && (value === '0' || value === 'no-verify'))) return undefined;
  return value === 'verify-ca' || (major < 14 && value === '1') ? 'verify-ca' : 'verify-full';
}

function optionColumn(rule: HbaRule, major: number, facts: ServerFacts): string[] | null {
  const o = rule.options;
  const method = rule.type === 'local' && rule.method === 'ident' ? 'peer' : rule.method;
  const out: string[] = [];
  if (method === 'gss' || method === 'sspi') {
    if (o.include_realm === undefined || o.include_realm === '1') out.push('include_realm=true');
    if (o.krb_realm !== undefined) out.push(`krb_realm=${o.krb_realm}`);
  }
  if (o.map !== undefined) out.push(`map=${o.map}`);
  // The cert method forces verify-full after reading the options.
  const clientcert = method === 'cert' ? 'verify-full' : clientCertLevel(o.clientcert, major);
  if (clientcert !== undefined) out.push(`clientcert=${clientcert}`);
  if (o.pamservice !== undefined) out.push(`pamservice=${o.pamservice}`);
  if (method === 'ldap') out.push(...ldapOptions(o));
  if (method === 'radius') {
    for (const name of ['radiusservers', 'radiussecrets', 'radiusidentifiers', 'radiusports']) {
      if (o[name] !== undefined) out.push(`${name}=${o[name]}`);
    }
  }
  if (method === 'oauth') {
    if (o.issuer !== undefined) out.push(`issuer=${o.issuer}`);
    if (o.scope !== undefined) out.push(`scope=${o.scope}`);
    // With one validator library and no validator option, the server fills in that library.
    const validator = o.validator ?? (facts.oauthValidatorLibraries?.length === 1 ? facts.oauthValidatorLibraries[0] : undefined);
    if (validator !== undefined) out.push(`validator=${validator}`);
    if (o.delegate_ident_mapping === '1') out.push('delegate_ident_mapping=true');
  }
  return out.length > 0 ? out : null;
}

/** Warnings the server adds to a rule it did read, which depend on its build and settings. */
export interface ServerFacts {
  ssl: boolean;
  gssEncryption: boolean;
  /** oauth_validator_libraries (18+), when the rules were read with it. */
  oauthValidatorLibraries?: readonly string[];
}

/** The warning a hostssl or hostgssenc line carries on this server, set before its options are read. */
function typeWarning(type: string | undefined, facts: ServerFacts): string | null {
  if (type === 'hostssl' && !facts.ssl) return 'hostssl record cannot match because SSL is disabled';
  if (type === 'hostgssenc' && !facts.gssEncryption) return 'hostgssenc record cannot match because GSSAPI is not supported by this build';
  return null;
}

/**
 * The view's error for a rejected line: the server's message, or for a check that sets no error
 * text (isSilent) whatever the line had before, its type's warning or nothing.
 */
function viewError(d: Pick<HbaDiagnostic, 'message' | 'raw' | 'isSilent'>, facts: ServerFacts): string | null {
  if (!d.isSilent) return d.message;
  return typeWarning(/^\s*(\S+)/.exec(d.raw)?.[1], facts);
}

/** The view's row for a rule the server read. */
function ruleRow(rule: HbaRule & { line: number }, facts: ServerFacts, major: number): HbaViewRow {
  const error = typeWarning(rule.type, facts);
  return {
    line_number: rule.line,
    type: rule.type,
    database: rule.database.map(toServerString),
    user_name: rule.user.map(toServerString),
    ...addressColumns(rule),
    auth_method: rule.type === 'local' && rule.method === 'ident' ? 'peer' : rule.method,
    options: optionColumn(rule, major, facts),
    error,
  };
}

function errorRow(line: number, error: string | null): HbaViewRow {
  return { line_number: line, type: null, database: null, user_name: null, address: null, netmask: null, auth_method: null, options: null, error };
}

export function expectedHbaRows(hba: HbaFile, facts: ServerFacts): HbaViewRow[] {
  const rows: HbaViewRow[] = [];
  for (const rule of hba) rows.push(ruleRow(rule, facts, hba.major));
  for (const d of hba.diagnostics) rows.push(errorRow(d.line, viewError(d, facts)));
  return rows.sort((a, b) => a.line_number - b.line_number);
}

/**
 * The rows of pg_hba_file_rules for a file set, in the server's reading order; from 16 on with
 * `rule_number` and `file_name` (the columns 16 added).
 */
export function expectedSetRows(set: HbaFileSet, facts: ServerFacts): Array<HbaViewRow & { rule_number?: number | null; file_name?: string }> {
  let ruleNumber = 0;
  return set.entries.map((entry) => {
    const row = entry.kind === 'rule' ? ruleRow(entry.rule, facts, set.major) : errorRow(entry.diagnostic.line, viewError(entry.diagnostic, facts));
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
