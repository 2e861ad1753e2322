// What the server takes from an `ldapurl=` option: OpenLDAP's ldap_url_parse, as far as
// pg_hba.conf depends on it (hba.c, parse_hba_auth_opt). A URL that OpenLDAP refuses is
// reported with ldap_err2string of its error code, as the server reports it.

export type LdapUrl =
  | { ok: true; scheme: string; host: string | undefined; port: number | undefined; dn: string | undefined; attribute: string | undefined; scope: number; filter: string | undefined }
  | { ok: false; message: string };

const SCHEMES = ['ldap', 'ldaps', 'ldapi', 'cldap'];
/** ldap_err2string of the LDAP_URL_ERR_* codes ldap_url_parse returns (they share the result codes' numbers). */
const URL_ERRORS = { badScheme: 'Time limit exceeded', badEnclosure: 'Size limit exceeded', badScope: 'Strong(er) authentication required' };
const SCOPES: Record<string, number> = { base: 0, one: 1, onelevel: 1, sub: 2, subtree: 2, children: 3, subordinate: 3 };

function decodePercent(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export function parseLdapUrl(url: string): LdapUrl {
  let text = url;
  let isEnclosed = false;
  if (text.startsWith('<')) {
    isEnclosed = true;
    text = text.slice(1);
  }
  if (/^URL:/i.test(text)) text = text.slice(4);
  const match = /^([a-z]+):\/\//i.exec(text);
  const scheme = match?.[1]?.toLowerCase();
  if (!match || !scheme || !SCHEMES.includes(scheme)) return { ok: false, message: URL_ERRORS.badScheme };
  text = text.slice(match[0].length);
  if (isEnclosed) {
    if (!text.endsWith('>')) return { ok: false, message: URL_ERRORS.badEnclosure };
    text = text.slice(0, -1);
  }
  const slash = text.indexOf('/');
  const hostPort = slash === -1 ? text.split('?')[0]! : text.slice(0, slash);
  const rest = slash === -1 ? undefined : text.slice(slash + 1);
  const colon = hostPort.lastIndexOf(':');
  const host = colon === -1 ? hostPort : hostPort.slice(0, colon);
  const defaultPort = scheme === 'ldaps' ? 636 : scheme === 'ldapi' ? undefined : 389;
  const port = colon === -1 ? defaultPort : Number.parseInt(hostPort.slice(colon + 1), 10);
  const parts = rest === undefined ? [] : rest.split('?');
  const dn = parts[0] === undefined ? undefined : decodePercent(parts[0]);
  const attributes = parts[1];
  const scopeText = parts[2];
  let scope = 0;
  if (scopeText !== undefined && scopeText !== '') {
    const s = SCOPES[scopeText.toLowerCase()];
    if (s === undefined) return { ok: false, message: URL_ERRORS.badScope };
    scope = s;
  }
  const filter = parts[3] === undefined || parts[3] === '' ? undefined : decodePercent(parts[3]);
  const attribute = attributes === undefined || attributes === '' ? undefined : decodePercent(attributes.split(',')[0]!);
  return { ok: true, scheme, host: host === '' ? undefined : decodePercent(host), port, dn, attribute, scope, filter };
}
