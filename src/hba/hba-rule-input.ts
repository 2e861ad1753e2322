// Checking a rule given to an editing operation and bringing it to the model's form. Anything
// the server would refuse is refused here (or, for what only the server's checks know, when the
// formatted line is read back), with an InvalidHbaRuleError naming the field.
import { isCommentLine, lexContent } from './auth-lexer.js';
import { type HbaRule, type HbaRuleInput, HBA_CONNECTION_TYPES, HBA_METHODS, toModelValue, toServerString, type TokenField } from './hba-rule.js';
import { InvalidHbaRuleError } from './invalid-hba-rule-error.js';
import { makeCidrMask, parseNumericHost } from './ip-address.js';
import { regexErrorMessage } from './auth-regex.js';

/** Validates an input rule and brings it to the model's form. Throws InvalidHbaRuleError. */
export function normalizeHbaRuleInput(input: HbaRuleInput, major: number): { rule: HbaRule; comments: string[] } {
  if (input === null || typeof input !== 'object') throw new InvalidHbaRuleError('rule', input, 'expected a rule object');
  const { type, method } = input;
  if (typeof type !== 'string' || !(HBA_CONNECTION_TYPES as readonly string[]).includes(type)) {
    throw new InvalidHbaRuleError('type', type, `expected one of ${HBA_CONNECTION_TYPES.join(', ')}`);
  }
  const methods = HBA_METHODS.filter((m) => m !== 'oauth' || major >= 18) as string[];
  if (typeof method !== 'string' || !methods.includes(method)) {
    throw new InvalidHbaRuleError('method', method, `expected one of ${methods.join(', ')}`);
  }
  const rule: HbaRule = {
    type: type as HbaRule['type'],
    database: normalizeList('database', input.database, major),
    user: normalizeList('user', input.user, major),
    method,
    options: {},
  };
  if (type === 'local') {
    if (input.address !== undefined) throw new InvalidHbaRuleError('address', input.address, 'a local rule has no address');
    if (input.netmask !== undefined) throw new InvalidHbaRuleError('netmask', input.netmask, 'a local rule has no netmask');
  } else {
    rule.address = normalizeAddress(input.address);
    if (input.netmask !== undefined) rule.netmask = normalizeNetmask(rule.address, input.netmask);
    else if (!rule.address.includes('/') && parseNumericHost(toServerString(rule.address))) {
      throw new InvalidHbaRuleError('netmask', undefined, `the IP address ${rule.address} needs a /bits suffix or a netmask`);
    }
  }
  const options = input.options ?? {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidHbaRuleError('options', options, 'expected a record of strings');
  }
  for (const [name, value] of Object.entries(options)) {
    if (!/^[a-z_]+$/.test(name)) throw new InvalidHbaRuleError(`options.${name}`, name, 'an option name is lower-case letters and underscores');
    if (typeof value !== 'string') throw new InvalidHbaRuleError(`options.${name}`, value, 'expected a string');
    checkTokenText(`options.${name}`, value);
    rule.options[name] = value;
  }
  const comments = input.comments ?? [];
  if (!Array.isArray(comments)) throw new InvalidHbaRuleError('comments', comments, 'expected an array of comment lines');
  for (const c of comments) {
    if (!isCommentLine(c, { major })) {
      throw new InvalidHbaRuleError('comments', c, 'each comment is one line starting with #, not continued by a final backslash onto the line below');
    }
  }
  return { rule, comments };
}

function normalizeList(field: 'database' | 'user', value: string | string[] | undefined, major: number): string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || list.some((v) => typeof v !== 'string')) {
    throw new InvalidHbaRuleError(field, value, 'expected a name or a non-empty array of names');
  }
  return list.map((v) => {
    const normalized = normalizeValue(field, v, field);
    // From 16 on, `/…` is a regular expression, quoted or not.
    const regexError = major >= 16 ? regexErrorMessage(toServerString(normalized)) : undefined;
    if (regexError !== undefined) throw new InvalidHbaRuleError(field, v, regexError);
    return normalized;
  });
}

function normalizeAddress(address: string | undefined): string {
  if (typeof address !== 'string' || address === '') {
    throw new InvalidHbaRuleError('address', address, 'a host rule needs an address: an IP address, a CIDR range, a host name, all, samehost or samenet');
  }
  const value = normalizeValue('address', address, 'address');
  if (['all', 'samehost', 'samenet'].includes(value)) return value;
  // A quoted keyword (`"all"`) is a host name.
  const text = toServerString(value);
  const slash = text.indexOf('/');
  const host = slash === -1 ? text : text.slice(0, slash);
  const ip = parseNumericHost(host);
  if (ip) {
    if (slash !== -1 && !makeCidrMask(text.slice(slash + 1), ip.family)) {
      throw new InvalidHbaRuleError('address', address, `the CIDR mask must be 0 to ${ip.family === 4 ? 32 : 128}`);
    }
    return value;
  }
  const label = '[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?';
  const isHostName = new RegExp(`^\\.?${label}(\\.${label})*$`).test(text) && !/^[0-9.]+$/.test(text);
  if (!isHostName) throw new InvalidHbaRuleError('address', address, 'not an IP address, a CIDR range or a host name');
  return value;
}

function normalizeNetmask(address: string, netmask: string): string {
  const ip = parseNumericHost(address);
  if (!ip || address.includes('/')) throw new InvalidHbaRuleError('netmask', netmask, 'a netmask goes with a plain IP address (no /bits)');
  const mask = typeof netmask === 'string' ? parseNumericHost(netmask) : undefined;
  if (!mask) throw new InvalidHbaRuleError('netmask', netmask, 'not an IP netmask');
  if (mask.family !== ip.family) throw new InvalidHbaRuleError('netmask', netmask, 'IP address and mask do not match');
  return netmask;
}

function checkTokenText(field: string, value: string): void {
  if (/[\r\n\0]/.test(value)) throw new InvalidHbaRuleError(field, value, 'a token cannot hold a line break or NUL');
}

/** A list value in model form: a value given in quotes is checked to be one quoted token. */
function normalizeValue(field: string, value: string, kind: TokenField): string {
  checkTokenText(field, value);
  if (!value.startsWith('"')) return value;
  const lexed = lexContent(value);
  const token = lexed.fields[0]?.tokens[0];
  // A closed quote: followed by a blank, the value must end its token.
  const isClosed = lexContent(`${value} x`).fields.length === 2;
  if (!isClosed || lexed.fields.length !== 1 || lexed.fields[0]!.tokens.length !== 1 || !token || token.end !== value.length || lexed.commentStart !== -1) {
    throw new InvalidHbaRuleError(field, value, 'a value starting with " must be one quoted token, like "all"');
  }
  return toModelValue(token, kind);
}
