// Which rule the server would pick for a connection (hba.c, check_hba): the first rule whose
// connection type, address, database and user all match. What a pure function cannot know
// (role membership, this host's interfaces, DNS, @file contents unless the rules come from an
// HbaFileSet, which read them) is asked of a callback; without
// an answer the search stops there and says so, because first-match means nothing after it counts.
import { expected } from '../errors.js';
import type { HbaFile } from './hba-file.js';
import type { HbaFileSet } from './hba-file-set.js';
import { type HbaFileRule, type HbaRule, toServerString } from './hba-rule.js';
import { makeCidrMask, formatIp, type IpAddress, isInRange, parseNumericHost } from './ip-address.js';

export interface HbaConnection {
  /** How the client connects: Unix socket, TCP, TCP with SSL, TCP with GSSAPI encryption. */
  type: 'local' | 'host' | 'hostssl' | 'hostgssenc';
  database: string;
  user: string;
  /** The client's IP address (required unless `type` is `local`). */
  address?: string;
  /** A physical replication connection (a walsender without a database): only `replication` matches it. */
  replication?: boolean;
}

/** A fact matchRule cannot decide from the file alone. */
export type HbaQuestion =
  | { kind: 'member'; user: string; role: string }
  | { kind: 'samehost' | 'samenet'; address: string }
  | { kind: 'hostname'; hostname: string; address: string }
  | { kind: 'file'; file: string }
  | { kind: 'regex'; pattern: string; value: string };

export interface MatchRuleOptions {
  /** Answers a question: true or false, or undefined when it does not know either. */
  resolve?: (question: HbaQuestion) => boolean | undefined;
}

/** What matchRule found; `rule` is an HbaFileRule for an HbaFile, an HbaSetRule for an HbaFileSet. */
export type HbaMatch<R extends HbaRule = HbaFileRule> =
  | { status: 'matched'; index: number; rule: R }
  /** No rule matched: the server rejects the connection ("no pg_hba.conf entry"). */
  | { status: 'no-match' }
  /** Rule `index` might match, depending on `question`; the rules after it were not looked at. */
  | { status: 'unresolved'; index: number; rule: R; question: HbaQuestion };

class Unresolved {
  constructor(readonly question: HbaQuestion) {}
}

/**
 * Returns the rule PostgreSQL would use for `connection` (first match wins). Given an HbaFileSet
 * (readHbaFileSet), it looks at the rules of every included file, with `@file` lists expanded;
 * given an HbaFile, at that file's rules, asking about `@file` lists.
 */
export function matchRule(hba: HbaFileSet, connection: HbaConnection, options?: MatchRuleOptions): HbaMatch<HbaFileSet['rules'][number]>;
export function matchRule(hba: HbaFile, connection: HbaConnection, options?: MatchRuleOptions): HbaMatch<HbaFileRule>;
export function matchRule(hba: HbaFile | HbaFileSet, connection: HbaConnection, options: MatchRuleOptions = {}): HbaMatch<HbaRule> {
  const rules: HbaRule[] = Array.isArray((hba as HbaFileSet).rules) ? (hba as HbaFileSet).rules : (hba as HbaFile).rules();
  const client = checkConnection(connection);
  const ask = (question: HbaQuestion): boolean => {
    const answer = options.resolve?.(question);
    if (answer === undefined) throw new Unresolved(question);
    return answer;
  };
  const regexes = hba.major >= 16;
  let index = 0;
  for (const rule of rules) {
    try {
      if (
        typeMatches(rule, connection) &&
        (rule.type === 'local' || addressMatches(rule, client!, ask)) &&
        databaseMatches(rule, connection, ask, regexes) &&
        userMatches(rule, connection, ask, regexes)
      ) {
        return { status: 'matched', index, rule };
      }
    } catch (error) {
      if (error instanceof Unresolved) return { status: 'unresolved', index, rule, question: error.question };
      throw error;
    }
    index++;
  }
  return { status: 'no-match' };
}

function checkConnection(connection: HbaConnection): IpAddress | undefined {
  if (connection === null || typeof connection !== 'object') throw expected('connection', 'an object', connection);
  if (!['local', 'host', 'hostssl', 'hostgssenc'].includes(connection.type)) {
    throw expected('connection.type', 'one of local, host, hostssl, hostgssenc', connection.type);
  }
  if (typeof connection.database !== 'string') throw expected('connection.database', 'a string', connection.database);
  if (typeof connection.user !== 'string') throw expected('connection.user', 'a string', connection.user);
  if (connection.type === 'local') return undefined;
  const ip = typeof connection.address === 'string' ? parseNumericHost(connection.address) : undefined;
  if (!ip) throw expected('connection.address', 'an IP address', connection.address);
  return ip;
}

function typeMatches(rule: HbaRule, connection: HbaConnection): boolean {
  if (rule.type === 'local') return connection.type === 'local';
  if (connection.type === 'local') return false;
  const ssl = connection.type === 'hostssl';
  const gss = connection.type === 'hostgssenc';
  if (rule.type === 'hostssl' && !ssl) return false;
  if (rule.type === 'hostnossl' && ssl) return false;
  if (rule.type === 'hostgssenc' && !gss) return false;
  if (rule.type === 'hostnogssenc' && gss) return false;
  return true;
}

function addressMatches(rule: HbaRule, client: IpAddress, ask: (q: HbaQuestion) => boolean): boolean {
  const address = rule.address!;
  const shown = formatIp(client);
  if (address === 'all') return true;
  if (address === 'samehost' || address === 'samenet') return ask({ kind: address, address: shown });
  const text = toServerString(address);
  const slash = text.indexOf('/');
  const network = parseNumericHost(slash === -1 ? text : text.slice(0, slash));
  if (!network) return ask({ kind: 'hostname', hostname: text, address: shown });
  const mask = slash === -1 ? parseNumericHost(rule.netmask!) : makeCidrMask(text.slice(slash + 1), network.family);
  return mask !== undefined && isInRange(client, network, mask);
}

function regexMatches(pattern: string, value: string, ask: (q: HbaQuestion) => boolean): boolean {
  // PostgreSQL's regular expressions (ARE) and JavaScript's agree on the usual anchors, classes
  // and alternations; a pattern JavaScript cannot compile is asked about instead.
  try {
    return new RegExp(pattern.slice(1)).test(value);
  } catch {
    return ask({ kind: 'regex', pattern, value });
  }
}

function databaseMatches(rule: HbaRule, c: HbaConnection, ask: (q: HbaQuestion) => boolean, regexes: boolean): boolean {
  for (const value of rule.database) {
    if (c.replication) {
      if (value === 'replication') return true;
      continue;
    }
    if (value === 'all') return true;
    if (value === 'sameuser') {
      if (c.database === c.user) return true;
    } else if (value === 'samerole' || value === 'samegroup') {
      if (ask({ kind: 'member', user: c.user, role: c.database })) return true;
    } else if (value === 'replication') {
      continue;
    } else if (value.length > 1 && value.startsWith('@')) {
      if (ask({ kind: 'file', file: value.slice(1) })) return true;
    } else if (regexes && value.startsWith('/')) {
      if (regexMatches(value, c.database, ask)) return true;
    } else if (toServerString(value) === c.database) {
      return true;
    }
  }
  return false;
}

function userMatches(rule: HbaRule, c: HbaConnection, ask: (q: HbaQuestion) => boolean, regexes: boolean): boolean {
  for (const value of rule.user) {
    if (value.startsWith('+')) {
      if (ask({ kind: 'member', user: c.user, role: value.slice(1) })) return true;
    } else if (value === 'all') {
      return true;
    } else if (value.length > 1 && value.startsWith('@')) {
      if (ask({ kind: 'file', file: value.slice(1) })) return true;
    } else if (regexes && value.startsWith('/')) {
      if (regexMatches(value, c.user, ask)) return true;
    } else if (toServerString(value) === c.user) {
      return true;
    }
  }
  return false;
}
