import type { Cluster } from '../index.js';

/**
 * Asks the cluster's server which of `settings` it does not know or refuses, before anything is
 * written; resolves to one line per problem (`wrok_mem: unknown setting (did you mean work_mem?)`).
 */
export async function checkSettings(cluster: Cluster, settings: Readonly<Record<string, string>>): Promise<string[]> {
  const names = Object.keys(settings);
  if (names.length === 0) return [];
  const unknown = await cluster.unknownSettings(names);
  const problems = unknown.map(({ name, suggestion }) => `${name}: unknown setting${suggestion === null ? '' : ` (did you mean ${suggestion}?)`}`);
  const unknownNames = new Set(unknown.map(({ name }) => name));
  const known = Object.fromEntries(Object.entries(settings).filter(([name]) => !unknownNames.has(name)));
  for (const invalid of await cluster.invalidSettings(known)) problems.push(`${invalid.name}: ${invalid.reason}`);
  return problems;
}
