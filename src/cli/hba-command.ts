import { HbaFile, matchRule, type HbaConnection, type HbaFileRule } from '../index.js';
import type { CliCommand, ParsedCommandLine } from './cli-command.js';
import { exitCodes } from './cli-io.js';
import { openCluster } from './cluster-target.js';
import { readInteger } from './option-values.js';
import { jsonOption, printResult } from './print-result.js';
import { UsageError } from './usage-error.js';

const actions = ['list', 'add', 'remove', 'match'] as const;

/**
 * `pg-cluster hba <cluster> [list | add RULE... [--before N | --after N] | remove N | match
 * --type T --database D --user U [--address A]]`: a cluster's pg_hba.conf, edited losslessly.
 * Rules are named by their line number, as `list` and `match` print it.
 */
export const hbaCommand: CliCommand = {
  name: 'hba',
  summary: 'List, add or remove pg_hba.conf rules of a cluster, or say which rule a connection matches',
  usage: '<cluster> [list | add <rule>... [--before <line> | --after <line>] | remove <line> | match --type <t> --database <d> --user <u> [--address <a>]] [--json]',
  positionals: true,
  options: [
    { name: 'before', type: 'string', value: 'line', description: 'add: put the rule before the rule on this line' },
    { name: 'after', type: 'string', value: 'line', description: 'add: put the rule after the rule on this line' },
    { name: 'type', type: 'string', value: 't', description: 'match: local, host, hostssl or hostgssenc' },
    { name: 'database', type: 'string', value: 'd', description: 'match: the database asked for' },
    { name: 'user', type: 'string', value: 'u', description: 'match: the user asked for' },
    { name: 'address', type: 'string', value: 'a', description: 'match: the client\'s IP address (not for local)' },
    jsonOption,
  ],
  async run({ values, positionals }, io) {
    const [spec, action = 'list', ...args] = positionals;
    const json = values.json === true;
    if (spec === undefined) throw new UsageError('expects a <cluster>, then list, add, remove or match', 'hba');
    if (!(actions as readonly string[]).includes(action)) throw new UsageError(`expects list, add, remove or match after the cluster, got \`${action}\``, 'hba');
    refuseOptionsOf(values, action);
    if ((action === 'list' || action === 'match') && args.length > 0) throw new UsageError(`${action} takes no more words, got \`${args.join(' ')}\``, 'hba');
    if (action === 'add' && args.length === 0) throw new UsageError('add expects a rule, e.g. add host app app 127.0.0.1/32 scram-sha-256', 'hba');
    if (action === 'remove' && args.length !== 1) throw new UsageError('remove expects one line number (as list prints it)', 'hba');
    const connection = action === 'match' ? connectionOf(values) : null;
    const rule = action === 'add' ? ruleOf(args.join(' ')) : null;
    const cluster = await openCluster(spec, io, 'hba');
    const hba = await cluster.hba();

    if (action === 'list') {
      const rules = hba.rules();
      printResult(io, json, rules.map(describeRule), rules.map((entry) => `line ${entry.line}: ${entry.raw}\n`).join(''));
      return exitCodes.ok;
    }
    if (connection !== null) {
      const found = matchRule(hba, connection);
      if (found.status === 'no-match') {
        printResult(io, json, { line: null, rule: null }, 'no rule matches\n');
        return exitCodes.failure;
      }
      if (found.status === 'unresolved') {
        printResult(io, json, { line: found.rule.line, rule: found.rule.raw, undecided: found.question }, `line ${found.rule.line}: ${found.rule.raw} (if ${describeQuestion(found.question)}; the rules after it were not looked at)\n`);
        return exitCodes.failure;
      }
      printResult(io, json, { line: found.rule.line, rule: found.rule.raw }, `line ${found.rule.line}: ${found.rule.raw}\n`);
      return exitCodes.ok;
    }
    if (rule !== null) {
      const before = readInteger(values, 'before', 'hba');
      const after = readInteger(values, 'after', 'hba');
      if (before !== undefined && after !== undefined) throw new UsageError('--before and --after exclude each other', 'hba');
      const added =
        before !== undefined ? hba.insert(indexOfLine(hba, before), rule) : after !== undefined ? hba.insert(indexOfLine(hba, after), rule, { position: 'after' }) : hba.append(rule);
      await hba.save();
      printResult(io, json, { added: describeRule(added), file: await cluster.hbaFile() }, `added line ${added.line}: ${added.raw}\n  a reload applies it (pg-cluster reload ${spec})\n`);
      return exitCodes.ok;
    }
    const line = Number(args[0]);
    if (!/^\d+$/.test(args[0]!) || line <= 0) throw new UsageError(`remove expects a line number, got \`${args[0]}\``, 'hba');
    const removed = hba.pop(indexOfLine(hba, line));
    await hba.save();
    printResult(io, json, { removed: describeRule(removed), file: await cluster.hbaFile() }, `removed line ${line}: ${removed.raw}\n  a reload applies it (pg-cluster reload ${spec})\n`);
    return exitCodes.ok;
  },
};

/** Options that belong to another action than the one asked for are a usage error. */
function refuseOptionsOf(values: ParsedCommandLine['values'], action: string): void {
  const allowed: Record<string, readonly string[]> = { list: [], add: ['before', 'after'], remove: [], match: ['type', 'database', 'user', 'address'] };
  for (const name of ['before', 'after', 'type', 'database', 'user', 'address']) {
    if (values[name] !== undefined && !allowed[action]!.includes(name)) throw new UsageError(`--${name} does not go with ${action}`, 'hba');
  }
}

function connectionOf(values: ParsedCommandLine['values']): HbaConnection {
  const { type, database, user, address } = values;
  if (type !== 'local' && type !== 'host' && type !== 'hostssl' && type !== 'hostgssenc') throw new UsageError(`match expects --type local, host, hostssl or hostgssenc, got ${type === undefined ? 'none' : `\`${String(type)}\``}`, 'hba');
  if (typeof database !== 'string' || database === '') throw new UsageError('match expects --database', 'hba');
  if (typeof user !== 'string' || user === '') throw new UsageError('match expects --user', 'hba');
  if (type === 'local' && address !== undefined) throw new UsageError('--address does not go with --type local', 'hba');
  if (type !== 'local' && (typeof address !== 'string' || address === '')) throw new UsageError(`match --type ${type} expects --address (the client's IP address)`, 'hba');
  return { type, database, user, ...(typeof address === 'string' ? { address } : {}) };
}

/** A rule from its text, checked as the server checks a line: a bad line is a usage error. */
function ruleOf(text: string): HbaFileRule {
  const parsed = HbaFile.parse(`${text}\n`);
  const [problem] = parsed.diagnostics;
  if (problem !== undefined) throw new UsageError(`add: the server would reject \`${text}\`: ${problem.message}`, 'hba');
  const rule = parsed.at(0);
  if (rule === undefined || parsed.length !== 1) throw new UsageError(`add expects one rule, got \`${text}\``, 'hba');
  return rule;
}

function indexOfLine(hba: HbaFile, line: number): number {
  const index = hba.rules().findIndex((rule) => rule.line === line);
  if (index < 0) throw new UsageError(`no rule on line ${line} (pg-cluster hba <cluster> list shows the lines)`, 'hba');
  return index;
}

function describeRule(rule: HbaFileRule): Record<string, unknown> {
  return { line: rule.line, rule: rule.raw, type: rule.type, database: rule.database, user: rule.user, ...(rule.address === undefined ? {} : { address: rule.address }), method: rule.method, options: rule.options };
}

function describeQuestion(question: { kind: string } & Record<string, unknown>): string {
  return Object.entries(question).map(([key, value]) => `${key}=${String(value)}`).join(' ');
}
