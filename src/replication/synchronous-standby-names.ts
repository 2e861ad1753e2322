/** `synchronous_standby_names` read into its parts. */
export interface SynchronousStandbys {
  method: 'ANY' | 'FIRST';
  count: number;
  names: string[];
}

/**
 * Reads `synchronous_standby_names` as the server does (syncrep_gram.y): `ANY n (a, b)`,
 * `FIRST n (a, b)`, `n (a, b)` (FIRST), or a plain list `a, b` (FIRST 1). Names may be double-quoted.
 * Empty: no synchronous standby (null).
 */
export function parseSynchronousStandbyNames(value: string): SynchronousStandbys | null {
  const text = value.trim();
  if (text === '') return null;
  const match = /^(?:(ANY|FIRST)\s+)?(\d+)\s*\((.*)\)$/is.exec(text);
  if (match === null) return { method: 'FIRST', count: 1, names: splitNames(text) };
  return { method: (match[1]?.toUpperCase() as 'ANY' | 'FIRST' | undefined) ?? 'FIRST', count: Number(match[2]), names: splitNames(match[3]!) };
}

function splitNames(list: string): string[] {
  const names: string[] = [];
  for (const match of list.matchAll(/\s*("(?:[^"]|"")*"|[^,]+?)\s*(?:,|$)/g)) {
    const token = match[1];
    if (token === undefined || token === '') continue;
    names.push(token.startsWith('"') ? token.slice(1, -1).replaceAll('""', '"') : token);
  }
  return names;
}

/** Writes the setting back: `ANY 1 ("a", "b")`, every name double-quoted. */
export function formatSynchronousStandbyNames(standbys: SynchronousStandbys): string {
  return `${standbys.method} ${standbys.count} (${standbys.names.map((name) => `"${name.replaceAll('"', '""')}"`).join(', ')})`;
}

/**
 * Adds `name`: to an empty setting as `ANY 1 ("name")` (quorum: a commit waits for any one
 * synchronous standby), to an existing one keeping its method and count. Unchanged when listed.
 */
export function addSynchronousStandby(value: string, name: string): string {
  const current = parseSynchronousStandbyNames(value);
  if (current === null) return formatSynchronousStandbyNames({ method: 'ANY', count: 1, names: [name] });
  if (current.names.includes(name) || current.names.includes('*')) return value;
  return formatSynchronousStandbyNames({ ...current, names: [...current.names, name] });
}
