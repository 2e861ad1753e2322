import { CommandError, runCommand } from '../control/index.js';
import { foldSettingName } from '../config/index.js';
import { expected } from '../errors.js';
import type { SettingDescription } from '../installation/index.js';

/** Checks a `names` argument (an iterable of setting names, as `getset` and `unknownSettings` take) and spreads it. */
export function settingNamesArgument(names: unknown): string[] {
  if (names === null || typeof names !== 'object' || typeof (names as Iterable<string>)[Symbol.iterator] !== 'function') {
    throw expected('names', 'an iterable of setting names', names);
  }
  return [...(names as Iterable<string>)];
}

/** How the settings of an installation are described: `Installation.describeSettings()` (kept per object), or one read. */
export type DescribeSettings = () => Promise<readonly SettingDescription[]>;

/**
 * The names among `names` that the server of `dataDirectory` does not know, each with the
 * nearest known name. Names with a dot are custom settings (placeholders the server accepts in
 * a file) and always pass. A name `postgres --describe-config` lists passes; one it does not
 * list (developer options stay out of it) is put to the server itself, `postgres -C name -D
 * dataDirectory`, which reads the cluster's configuration (root may run it; a running server
 * does not mind), and counts as unknown only when the server answers "unrecognized configuration
 * parameter" for that very name. When nothing can be asked, nothing is refused.
 */
export async function unknownSettingNames(
  postgres: string | null,
  describe: DescribeSettings,
  dataDirectory: string,
  names: readonly string[],
  /** Given to `postgres -C` after `-D`: `-c config_file=…` for a cluster whose postgresql.conf is elsewhere. */
  configArgs: readonly string[] = [],
): Promise<Array<{ name: string; suggestion: string | null }>> {
  const candidates = names.filter((name) => !name.includes('.'));
  if (postgres === null || candidates.length === 0) return [];
  let known: ReadonlySet<string>;
  try {
    known = new Set((await describe()).map((entry) => foldSettingName(entry.name)));
  } catch {
    return [];
  }
  const unknown: Array<{ name: string; suggestion: string | null }> = [];
  for (const name of candidates) {
    const lower = foldSettingName(name);
    if (known.has(lower) || (await serverKnows(postgres, dataDirectory, lower, configArgs))) continue;
    unknown.push({ name, suggestion: nearest(lower, known) });
  }
  return unknown;
}

async function serverKnows(postgres: string, dataDirectory: string, name: string, configArgs: readonly string[]): Promise<boolean> {
  try {
    await runCommand(postgres, ['-C', name, '-D', dataDirectory, ...configArgs, '-c', 'lc_messages=C'], { timeout: 10_000, env: { LC_ALL: undefined, LC_MESSAGES: 'C' } });
    return true;
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    // Only this exact answer means "unknown" (not the same words about a line of the file: a
    // broken file, like any other failure, decides nothing).
    const answer = `unrecognized configuration parameter "${name}"`;
    return !error.stderrTail.split('\n').some((line) => line.includes(answer) && !line.includes(' in file "'));
  }
}

/** The known name closest to `name` by edit distance (at most 2, or 3 for long names), or null. */
export function nearest(name: string, known: Iterable<string>): string | null {
  let best: string | null = null;
  let bestDistance = name.length >= 10 ? 3 : 2;
  for (const candidate of known) {
    if (Math.abs(candidate.length - name.length) > bestDistance) continue;
    const distance = editDistance(name, candidate);
    if (distance <= bestDistance && (best === null || distance < bestDistance || candidate < best)) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Damerau-Levenshtein distance (adjacent transpositions count as one edit: `wrok` → `work`). */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, d[i - 2]![j - 2]! + 1);
      d[i]![j] = value;
    }
  }
  return d[a.length]![b.length]!;
}
