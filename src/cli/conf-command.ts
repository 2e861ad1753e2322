import type { Cluster, SettingDescription } from '../index.js';
import type { CliCommand } from './cli-command.js';
import { exitCodes } from './cli-io.js';
import { openCluster } from './cluster-target.js';
import { jsonOption, printResult } from './print-result.js';
import { checkSettings } from './setting-checks.js';
import { UsageError } from './usage-error.js';

/**
 * `pg-cluster conf <cluster> [show | get NAME... | set NAME VALUE... | unset NAME...]`, as
 * Debian's pg_conftool: the settings of the cluster's postgresql.conf. `set` checks names and
 * values against the server before it writes, and says whether a reload or a restart applies them.
 */
export const confCommand: CliCommand = {
  name: 'conf',
  summary: 'Show, get, set or unset settings in a cluster\'s postgresql.conf (as pg_conftool)',
  usage: '<cluster> [show | get <name>... | set <name> <value>... | unset <name>...] [--json]',
  positionals: true,
  options: [jsonOption],
  async run({ values, positionals }, io) {
    const [spec, action = 'show', ...args] = positionals;
    const json = values.json === true;
    if (spec === undefined) throw new UsageError('expects a <cluster>, then show, get, set or unset', 'conf');
    if (!['show', 'get', 'set', 'unset'].includes(action)) throw new UsageError(`expects show, get, set or unset after the cluster, got \`${action}\``, 'conf');
    if (action === 'show' && args.length > 0) throw new UsageError(`show takes no names (get does), got \`${args.join(' ')}\``, 'conf');
    if ((action === 'get' || action === 'unset') && args.length === 0) throw new UsageError(`${action} expects one or more setting names`, 'conf');
    if (action === 'set' && (args.length === 0 || args.length % 2 !== 0)) throw new UsageError('set expects pairs of a setting name and its value: set work_mem 64MB [name value]...', 'conf');
    const cluster = await openCluster(spec, io, 'conf');
    const file = cluster.configFile;

    if (action === 'show') {
      const entries = await cluster.settings.entries();
      printResult(io, json, Object.fromEntries(entries), entries.map(([name, value]) => `${name} = ${value}\n`).join(''));
      return exitCodes.ok;
    }
    if (action === 'get') {
      const found = await cluster.settings.getset(args);
      const missing = args.filter((name) => found[name] === undefined);
      printResult(io, json, Object.fromEntries(args.map((name) => [name, found[name] ?? null])), args.filter((name) => found[name] !== undefined).map((name) => `${name} = ${found[name]}\n`).join(''));
      for (const name of missing) io.stderr.write(`pg-cluster: ${name} is not set in ${file}\n`);
      return missing.length > 0 ? exitCodes.failure : exitCodes.ok;
    }
    const names = args.filter((_, index) => action === 'unset' || index % 2 === 0);
    if (action === 'set') {
      const settings: Record<string, string> = {};
      for (let index = 0; index < args.length; index += 2) settings[args[index]!] = args[index + 1]!;
      const problems = await checkSettings(cluster, settings);
      if (problems.length > 0) {
        io.stderr.write(`pg-cluster: the server would refuse these settings, nothing was written to ${file}:\n  ${problems.join('\n  ')}\n`);
        return exitCodes.failure;
      }
      await cluster.settings.update(settings);
    } else {
      await cluster.settings.update(Object.fromEntries(names.map((name) => [name, null])));
    }
    const needs = await whatApplies(cluster, names);
    const running = await cluster.running();
    const verb = action === 'set' ? 'set' : 'unset';
    const lines = [
      `${verb} ${names.join(', ')} in ${file}`,
      ...(needs.reload.length > 0 ? [`  ${running ? 'a reload applies' : 'the next start applies'}: ${needs.reload.join(', ')}${running ? ` (pg-cluster reload ${spec})` : ''}`] : []),
      ...(needs.restart.length > 0 ? [`  ${running ? 'a restart applies' : 'the next start applies'}: ${needs.restart.join(', ')}${running ? ` (pg-cluster restart ${spec})` : ''}`] : []),
      '',
    ];
    printResult(io, json, { file, [verb]: names, running, reload: needs.reload, restart: needs.restart }, lines.join('\n'));
    return exitCodes.ok;
  },
};

/** Which of `names` a reload applies and which need a restart (context `postmaster`), from `postgres --describe-config`. */
async function whatApplies(cluster: Cluster, names: readonly string[]): Promise<{ reload: string[]; restart: string[] }> {
  const installation = cluster.installation as { describeSettings?: () => Promise<readonly SettingDescription[]> };
  const described = installation.describeSettings === undefined ? [] : await installation.describeSettings();
  const contexts = new Map(described.map((setting) => [setting.name.toLowerCase(), setting.context]));
  const restart = names.filter((name) => contexts.get(name.toLowerCase()) === 'postmaster');
  return { reload: names.filter((name) => !restart.includes(name)), restart };
}
