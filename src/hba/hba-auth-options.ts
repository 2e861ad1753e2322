// The options after a pg_hba.conf rule's method, checked as the server checks them (hba.c,
// parse_hba_auth_opt for each name=value, then parse_hba_line's checks of the whole set), per
// major. Messages are the server's own; where the server rejects a line without setting its
// error text (it only logs the message), the error is marked silent.
import type { HbaConnectionType } from './hba-rule.js';
import { HbaLineError } from './hba-line-error.js';
import { splitGucList } from './guc-list.js';
import { parseLdapUrl } from './ldap-url.js';

export interface AuthOptionContext {
  type: HbaConnectionType;
  /** The method as the server uses it (`ident` on a local line is `peer`). */
  method: string;
  major: number;
  /** The server's oauth_validator_libraries (18+), when known: oauth rules are checked against it. */
  oauthValidatorLibraries?: readonly string[] | undefined;
}

/** What the options set so far, as far as later checks depend on it. */
export interface AuthOptionState {
  map?: string;
  ldap: Partial<Record<'basedn' | 'binddn' | 'bindpasswd' | 'searchattribute' | 'searchfilter' | 'prefix' | 'suffix', string>>;
  radius: Partial<Record<'servers' | 'secrets' | 'ports' | 'identifiers', string[]>>;
  oauth: { issuer?: string; scope?: string; validator?: string; delegateIdentMapping?: boolean };
}

export function makeAuthOptionState(): AuthOptionState {
  return { ldap: {}, radius: {}, oauth: {} };
}

function validMethodsText(name: string, major: number): string {
  if (name === 'map') return major >= 18 ? 'ident, peer, gssapi, sspi, cert, and oauth' : 'ident, peer, gssapi, sspi, and cert';
  if (name === 'krb_realm' || name === 'include_realm') return 'gssapi and sspi';
  if (name === 'compat_realm' || name === 'upn_username') return 'sspi';
  if (name.startsWith('ldap')) return 'ldap';
  if (name.startsWith('radius')) return 'radius';
  if (name.startsWith('pam')) return 'pam';
  return 'oauth';
}

function optionMethods(name: string, major: number): readonly string[] | undefined {
  if (name === 'map') return major >= 18 ? ['ident', 'peer', 'gss', 'sspi', 'cert', 'oauth'] : ['ident', 'peer', 'gss', 'sspi', 'cert'];
  if (name === 'krb_realm' || name === 'include_realm') return ['gss', 'sspi'];
  if (name === 'compat_realm' || name === 'upn_username') return ['sspi'];
  if (['pamservice', 'pam_use_hostname'].includes(name)) return ['pam'];
  if (['ldapurl', 'ldaptls', 'ldapscheme', 'ldapserver', 'ldapport', 'ldapbinddn', 'ldapbindpasswd',
    'ldapsearchattribute', 'ldapsearchfilter', 'ldapbasedn', 'ldapprefix', 'ldapsuffix'].includes(name)) return ['ldap'];
  if (['radiusservers', 'radiusports', 'radiussecrets', 'radiusidentifiers'].includes(name)) return ['radius'];
  if (major >= 18 && ['issuer', 'scope', 'validator', 'delegate_ident_mapping'].includes(name)) return ['oauth'];
  return undefined;
}

/** C's atoi: leading blanks, a sign, digits; 0 when there are none. */
function atoi(text: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(text);
  return m ? Number.parseInt(m[1]!, 10) : 0;
}

function checkClientCert(value: string, context: AuthOptionContext, offset: number): void {
  const { method, major } = context;
  if (value === 'verify-full') return;
  if (value === 'verify-ca' || (major < 14 && value === '1')) {
    if (major >= 14 && method === 'cert') {
      throw new HbaLineError('clientcert can only be set to "verify-full" when using "cert" authentication', offset);
    }
    return;
  }
  if (major < 14 && (value === '0' || value === 'no-verify')) {
    if (method === 'cert') throw new HbaLineError('clientcert cannot be set to "no-verify" when using "cert" authentication', offset);
    return;
  }
  throw new HbaLineError(`invalid value for clientcert: "${value}"`, offset, false, true);
}

const RADIUS_LIST_WORD: Record<string, string> = { radiusservers: 'server', radiussecrets: 'secret', radiusidentifiers: 'identifiers' };

function readRadiusOption(name: 'radiusservers' | 'radiusports' | 'radiussecrets' | 'radiusidentifiers', value: string, state: AuthOptionState, offset: number): void {
  const list = splitGucList(value);
  if (name === 'radiusports') {
    if (!list) throw new HbaLineError(`invalid RADIUS port number: "${value}"`, offset);
    if (list.some((p) => atoi(p) === 0)) throw new HbaLineError(`invalid RADIUS port number: "${value}"`, offset, false, true);
    state.radius.ports = list;
    return;
  }
  if (!list) throw new HbaLineError(`could not parse RADIUS ${RADIUS_LIST_WORD[name]} list "${value}"`, offset, false, true);
  // The server also resolves each server name (a DNS lookup): beyond what a parse can tell.
  state.radius[name === 'radiusservers' ? 'servers' : name === 'radiussecrets' ? 'secrets' : 'identifiers'] = list;
}

function readLdapUrl(value: string, state: AuthOptionState, offset: number): void {
  const url = parseLdapUrl(value);
  if (!url.ok) throw new HbaLineError(`could not parse LDAP URL "${value}": ${url.message}`, offset);
  if (url.scheme !== 'ldap' && url.scheme !== 'ldaps') throw new HbaLineError(`unsupported LDAP URL scheme: ${url.scheme}`, offset);
  if (url.dn !== undefined) state.ldap.basedn = url.dn;
  if (url.attribute !== undefined) state.ldap.searchattribute = url.attribute;
  if (url.filter !== undefined) state.ldap.searchfilter = url.filter;
}

/** parse_hba_auth_opt: one `name=value` option, checked against the rule's type and method. */
export function readAuthOption(name: string, value: string, state: AuthOptionState, context: AuthOptionContext, offset: number): void {
  const { type, method, major } = context;
  if (name === 'clientcert' || (name === 'clientname' && major >= 14)) {
    if (type !== 'hostssl') throw new HbaLineError(`${name} can only be configured for "hostssl" rows`, offset);
    if (name === 'clientcert') checkClientCert(value, context, offset);
    else if (value !== 'CN' && value !== 'DN') throw new HbaLineError(`invalid value for clientname: "${value}"`, offset, false, true);
    return;
  }
  const methods = optionMethods(name, major);
  if (!methods) throw new HbaLineError(`unrecognized authentication option name: "${name}"`, offset);
  if (!methods.includes(method)) {
    throw new HbaLineError(`authentication option "${name}" is only valid for authentication methods ${validMethodsText(name, major)}`, offset);
  }
  switch (name) {
    case 'map':
      state.map = value;
      return;
    case 'ldapport':
      if (atoi(value) === 0) throw new HbaLineError(`invalid LDAP port number: "${value}"`, offset);
      return;
    case 'ldapurl':
      readLdapUrl(value, state, offset);
      return;
    case 'ldapbasedn': case 'ldapbinddn': case 'ldapbindpasswd': case 'ldapsearchattribute': case 'ldapsearchfilter': case 'ldapprefix': case 'ldapsuffix':
      state.ldap[name.slice(4) as keyof AuthOptionState['ldap']] = value;
      return;
    case 'radiusservers': case 'radiusports': case 'radiussecrets': case 'radiusidentifiers':
      readRadiusOption(name, value, state, offset);
      return;
    case 'issuer': case 'scope': case 'validator':
      state.oauth[name] = value;
      return;
    case 'delegate_ident_mapping':
      state.oauth.delegateIdentMapping = value === '1';
      return;
  }
}

function checkRadiusListLength(list: string[] | undefined, what: string, servers: string[], major: number, allowEmpty: boolean): void {
  const n = list?.length ?? 0;
  if ((allowEmpty && n === 0) || n === 1 || n === servers.length) return;
  // Before 14 the server logs this without setting the line's error text.
  throw new HbaLineError(`the number of RADIUS ${what} (${n}) must be 1 or the same as the number of RADIUS servers (${servers.length})`, 0, false, major < 14);
}

/** parse_hba_line after the options: what a method requires of them as a whole. */
export function checkMethodOptions(state: AuthOptionState, context: AuthOptionContext): void {
  const { method, major } = context;
  if (method === 'ldap') {
    const o = state.ldap;
    if (o.prefix !== undefined || o.suffix !== undefined) {
      if (o.basedn !== undefined || o.binddn !== undefined || o.bindpasswd !== undefined || o.searchattribute !== undefined || o.searchfilter !== undefined) {
        throw new HbaLineError(major >= 18
          ? 'cannot mix options for simple bind and search+bind modes'
          : 'cannot use ldapbasedn, ldapbinddn, ldapbindpasswd, ldapsearchattribute, ldapsearchfilter, or ldapurl together with ldapprefix', 0);
      }
    } else if (o.basedn === undefined) {
      throw new HbaLineError('authentication method "ldap" requires argument "ldapbasedn", "ldapprefix", or "ldapsuffix" to be set', 0);
    }
    if (o.searchattribute !== undefined && o.searchfilter !== undefined) {
      throw new HbaLineError('cannot use ldapsearchattribute together with ldapsearchfilter', 0);
    }
  }
  if (method === 'radius') {
    const { servers, secrets } = state.radius;
    // An empty list is no list: the server checks for NIL.
    if (!servers?.length) throw new HbaLineError('authentication method "radius" requires argument "radiusservers" to be set', 0);
    if (!secrets?.length) throw new HbaLineError('authentication method "radius" requires argument "radiussecrets" to be set', 0);
    checkRadiusListLength(secrets, 'secrets', servers, major, false);
    checkRadiusListLength(state.radius.ports, 'ports', servers, major, true);
    checkRadiusListLength(state.radius.identifiers, 'identifiers', servers, major, true);
  }
  if (method === 'oauth') checkOauthOptions(state, context);
}

function checkOauthOptions(state: AuthOptionState, context: AuthOptionContext): void {
  const { oauth } = state;
  if (oauth.scope === undefined) throw new HbaLineError('authentication method "oauth" requires argument "scope" to be set', 0);
  if (oauth.issuer === undefined) throw new HbaLineError('authentication method "oauth" requires argument "issuer" to be set', 0);
  const libraries = context.oauthValidatorLibraries;
  if (libraries !== undefined) {
    if (libraries.length === 0) throw new HbaLineError('oauth_validator_libraries must be set for authentication method oauth', 0);
    if (oauth.validator !== undefined) {
      if (!libraries.includes(oauth.validator)) throw new HbaLineError(`validator "${oauth.validator}" is not permitted by oauth_validator_libraries`, 0);
    } else if (libraries.length > 1) {
      throw new HbaLineError('authentication method "oauth" requires argument "validator" to be set when oauth_validator_libraries contains multiple options', 0);
    }
  }
  if (oauth.delegateIdentMapping && state.map !== undefined) {
    throw new HbaLineError('map cannot be used in combination with delegate_ident_mapping', 0);
  }
}

