// What the server makes of one tokenized pg_hba.conf line (hba.c, parse_hba_line and
// parse_hba_auth_opt): a rule, an include directive, or the error pg_hba_file_rules would show.
import { type AuthToken, type LexedLine, LATEST_MAJOR } from './auth-lexer.js';
import { type HbaConnectionType, type HbaRule, HBA_CONNECTION_TYPES, toModelValue } from './hba-rule.js';
import { makeCidrMask, parseNumericHost } from './ip-address.js';
import { regexErrorMessage } from './auth-regex.js';
import { HbaLineError } from './hba-line-error.js';
import { checkMethodOptions, makeAuthOptionState, readAuthOption } from './hba-auth-options.js';

export type HbaRecord =
  | { kind: 'empty'; hasComment: boolean }
  | { kind: 'rule'; rule: HbaRule }
  | { kind: 'include'; directive: 'include' | 'include_if_exists' | 'include_dir'; path: string }
  /**
   * `isRegex`: the line holds a regular expression the server cannot compile. `isSilent`: the
   * server rejects the line without setting its error text (pg_hba_file_rules shows NULLs there).
   */
  | { kind: 'invalid'; message: string; offset: number; isRegex?: boolean; isSilent?: boolean };

export interface InterpretOptions {
  major?: number;
  /** Methods this build lacks (the server says "not supported by this build"). Default: sspi, bsd. */
  unsupportedMethods?: readonly string[];
  /**
   * The server's oauth_validator_libraries (18+). When given, `oauth` rules are checked against it
   * as the server does (its default, empty, rejects every oauth rule); when absent, they are not.
   */
  oauthValidatorLibraries?: readonly string[];
}

/** regcomp_auth_token on each `/regex` token of a database or user field (16+), quoted or not. */
function checkRegexes(tokens: AuthToken[], major: number): void {
  if (major < 16) return;
  for (const token of tokens) {
    const message = regexErrorMessage(token.value);
    if (message !== undefined) throw new HbaLineError(message, token.start, true);
  }
}

const NAME_OR_SERVICE_NOT_KNOWN = 'Name or service not known';

function takeSingle(tokens: AuthToken[], message: string, offset: number): AuthToken {
  if (tokens.length > 1) throw new HbaLineError(message, offset);
  return tokens[0]!;
}

function parseRule(line: LexedLine, options: InterpretOptions): HbaRule {
  const major = options.major ?? LATEST_MAJOR;
  const unsupported = options.unsupportedMethods ?? ['sspi', 'bsd'];
  const fields = line.fields;
  const end = line.content.length;
  let f = 0;
  const typeField = fields[f]!;
  const typeToken = takeSingle(typeField.tokens, 'multiple values specified for connection type', typeField.start);
  if (!(HBA_CONNECTION_TYPES as readonly string[]).includes(typeToken.value)) {
    throw new HbaLineError(`invalid connection type "${typeToken.value}"`, typeToken.start);
  }
  const type = typeToken.value as HbaConnectionType;

  // The server compiles each field's regular expressions as it reads the field.
  const dbField = fields[++f];
  if (!dbField) throw new HbaLineError('end-of-line before database specification', end);
  checkRegexes(dbField.tokens, major);
  const userField = fields[++f];
  if (!userField) throw new HbaLineError('end-of-line before role specification', end);
  checkRegexes(userField.tokens, major);
  const rule: HbaRule = {
    type,
    database: dbField.tokens.map((t) => toModelValue(t, 'database')),
    user: userField.tokens.map((t) => toModelValue(t, 'user')),
    method: '',
    options: {},
  };

  if (type !== 'local') {
    const addrField = fields[++f];
    if (!addrField) throw new HbaLineError('end-of-line before IP address specification', end);
    const token = takeSingle(addrField.tokens, 'multiple values specified for host address', addrField.start);
    rule.address = toModelValue(token, 'address');
    const isKeyword = !token.quoted && ['all', 'samehost', 'samenet'].includes(token.value);
    if (!isKeyword) {
      const slash = token.value.indexOf('/');
      const host = slash === -1 ? token.value : token.value.slice(0, slash);
      const ip = parseNumericHost(host);
      if (slash !== -1) {
        if (!ip) throw new HbaLineError(`specifying both host name and CIDR mask is invalid: "${token.value}"`, token.start);
        if (!makeCidrMask(token.value.slice(slash + 1), ip.family)) {
          throw new HbaLineError(`invalid CIDR mask in address "${token.value}"`, token.start);
        }
      } else if (ip) {
        const maskField = fields[++f];
        if (!maskField) throw new HbaLineError('end-of-line before netmask specification', end);
        const maskToken = takeSingle(maskField.tokens, 'multiple values specified for netmask', maskField.start);
        const mask = parseNumericHost(maskToken.value);
        if (!mask) throw new HbaLineError(`invalid IP mask "${maskToken.value}": ${NAME_OR_SERVICE_NOT_KNOWN}`, maskToken.start);
        if (mask.family !== ip.family) throw new HbaLineError('IP address and mask do not match', maskToken.start);
        rule.netmask = maskToken.value;
      }
    }
  }

  const methodField = fields[++f];
  if (!methodField) throw new HbaLineError('end-of-line before authentication method', end);
  const methodToken = takeSingle(methodField.tokens, 'multiple values specified for authentication type', methodField.start);
  let method = methodToken.value;
  const known = ['trust', 'ident', 'peer', 'password', 'gss', 'sspi', 'reject', 'md5', 'scram-sha-256', 'pam', 'bsd', 'ldap', 'cert', 'radius'];
  if (major >= 18) known.push('oauth');
  if (!known.includes(method)) throw new HbaLineError(`invalid authentication method "${method}"`, methodToken.start);
  if (unsupported.includes(method)) {
    throw new HbaLineError(`invalid authentication method "${method}": not supported by this build`, methodToken.start);
  }
  if (type === 'local' && method === 'ident') method = 'peer';
  rule.method = methodToken.value;
  if (type === 'local' && method === 'gss') throw new HbaLineError('gssapi authentication is not supported on local sockets', methodToken.start);
  if (type !== 'local' && method === 'peer') throw new HbaLineError('peer authentication is only supported on local sockets', methodToken.start);
  if (type !== 'hostssl' && method === 'cert') throw new HbaLineError('cert authentication is only supported on hostssl connections', methodToken.start);

  const context = { type, method, major, oauthValidatorLibraries: options.oauthValidatorLibraries };
  const state = makeAuthOptionState();
  for (const field of fields.slice(f + 1)) {
    for (const token of field.tokens) {
      const eq = token.value.indexOf('=');
      if (eq === -1) throw new HbaLineError(`authentication option not in name=value format: ${token.value}`, token.start);
      const name = token.value.slice(0, eq);
      const value = token.value.slice(eq + 1);
      readAuthOption(name, value, state, context, token.start);
      rule.options[name] = value;
    }
  }
  checkMethodOptions(state, context);
  return rule;
}

/** Interprets one tokenized line of pg_hba.conf as the server does. */
export function interpretHbaLine(line: LexedLine, options: InterpretOptions = {}): HbaRecord {
  const major = options.major ?? LATEST_MAJOR;
  if (line.error !== undefined) return { kind: 'invalid', message: line.error, offset: 0 };
  if (line.fields.length === 0) return { kind: 'empty', hasComment: line.commentStart !== -1 };
  if (major >= 16 && line.fields.length === 2) {
    const first = line.fields[0]!.tokens[0]!.value;
    if (first === 'include' || first === 'include_if_exists' || first === 'include_dir') {
      return { kind: 'include', directive: first, path: line.fields[1]!.tokens[0]!.value };
    }
  }
  try {
    return { kind: 'rule', rule: parseRule(line, options) };
  } catch (error) {
    if (error instanceof HbaLineError) {
      return { kind: 'invalid', message: error.message, offset: error.offset, ...(error.isRegex ? { isRegex: true } : {}), ...(error.isSilent ? { isSilent: true } : {}) };
    }
    throw error;
  }
}
