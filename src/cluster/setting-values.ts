import { CommandError, runCommand } from '../control/index.js';
import { checkAllowedValue, foldSettingName, type AllowedSettingValues } from '../config/index.js';
import type { SettingDescription } from '../installation/index.js';
import type { DescribeSettings } from './setting-names.js';

/** A value the server refuses for a setting: its words, and what the setting accepts. */
export interface InvalidSettingValue {
  name: string;
  /** The value as the server reads it (what `set` writes, quotes resolved). */
  value: string;
  /** The server's message: `invalid value for parameter "shared_buffers": "plenty"`. */
  reason: string;
  allowed: AllowedSettingValues;
}

/** What `postgres -C name -c name=value` said about the value: the FATAL line about the parameter, with its DETAIL and HINT. */
export interface ServerRefusal {
  message: string;
  detail: string | null;
  hint: string | null;
}

/** The unit and enum values of a setting, asked of the server once per installation object and setting. */
interface SettingProbe {
  unit: string | null;
  values: string[] | null;
}

const probes = new WeakMap<object, Map<string, Promise<SettingProbe>>>();
const REFUSAL = [/^invalid value for parameter "([^"]+)": /, /^parameter "([^"]+)" requires a Boolean value$/, / is outside the valid range for parameter "([^"]+)" /];

/**
 * Reads what `postgres -C name -c name=value` wrote to stderr (in the C locale): the refusal of
 * that parameter's value, or null when the server took it (it then goes on to want a data
 * directory, which it is not given).
 */
export function parseServerRefusal(stderr: string, name: string): ServerRefusal | null {
  const lines = stderr.split('\n').map((line) => /(?:^|\s)(FATAL|ERROR|DETAIL|HINT):\s+(.*)$/.exec(line.replace(/\r$/, '')));
  const lower = name.toLowerCase();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === null || line === undefined || (line[1] !== 'FATAL' && line[1] !== 'ERROR')) continue;
    const message = line[2]!;
    if (!REFUSAL.some((pattern) => pattern.exec(message)?.[1]?.toLowerCase() === lower)) continue;
    let detail: string | null = null;
    let hint: string | null = null;
    for (let j = i + 1; j < lines.length && (lines[j]?.[1] === 'DETAIL' || lines[j]?.[1] === 'HINT'); j++) {
      if (lines[j]![1] === 'DETAIL') detail = lines[j]![2]!;
      else hint = lines[j]![2]!;
    }
    return { message, detail, hint };
  }
  return null;
}

/**
 * Asks the server whether it takes `value` for `name`: `postgres -C name -c name=value` with no
 * data directory reads the value as the server reads `-c` (parse, range, check hook) and stops
 * there, touching no file. Root may run it. Null: taken, or no answer (nothing is refused then).
 */
export async function askServerAboutValue(postgres: string, name: string, value: string): Promise<ServerRefusal | null> {
  try {
    await runCommand(postgres, ['-C', name, '-c', `${name}=${value}`], { timeout: 10_000, env: { LC_ALL: 'C', LC_MESSAGES: 'C', PGDATA: undefined } });
    return null;
  } catch (error) {
    if (!(error instanceof CommandError)) throw error;
    return parseServerRefusal(error.stderrTail, name);
  }
}

/** The base unit named in a range refusal (`1 8kB is outside …` → `8kB`), or null for a plain number. */
function unitOfRangeRefusal(message: string): string | null {
  return /^\S+ (\S+) is outside the valid range/.exec(message)?.[1] ?? null;
}

/** The values of an enum's HINT: `Available values: minimal, replica, logical.` */
function valuesOfHint(hint: string | null): string[] | null {
  const list = /^Available values: (.*)\.$/.exec(hint ?? '')?.[1];
  return list === undefined ? null : list.split(', ');
}

/** One refused value tells the base unit (a value just outside the bounds) or the enum values (a value no enum has). */
async function probeSetting(postgres: string, description: SettingDescription): Promise<SettingProbe> {
  if (description.type === 'ENUM') {
    const refusal = await askServerAboutValue(postgres, description.name, '?');
    return { unit: null, values: valuesOfHint(refusal?.hint ?? null) };
  }
  const { min, max } = description;
  const outside = min !== null && min > -2_147_483_648 ? min - 1 : max !== null && max < 2_147_483_647 ? max + 1 : null;
  // Unbounded (one setting in 13–18, unitless): a value with a unit is refused here and put to the server.
  if (outside === null) return { unit: null, values: null };
  const refusal = await askServerAboutValue(postgres, description.name, String(outside));
  return { unit: refusal === null ? null : unitOfRangeRefusal(refusal.message), values: null };
}

function probeOnce(cacheKey: object, postgres: string, description: SettingDescription): Promise<SettingProbe> {
  let byName = probes.get(cacheKey);
  if (byName === undefined) probes.set(cacheKey, (byName = new Map()));
  const key = `${postgres}\0${description.name}`;
  let probe = byName.get(key);
  if (probe === undefined) {
    probe = probeSetting(postgres, description).catch((error: unknown) => {
      byName.delete(key);
      throw error;
    });
    byName.set(key, probe);
  }
  return probe;
}

/**
 * What a setting accepts: its type and bounds from `--describe-config`, its base unit or enum
 * values from the server's answer to a value it refuses (asked once per `cacheKey`, the
 * installation object, and setting; a failed question gives no unit and no values).
 */
export async function allowedSettingValues(postgres: string, description: SettingDescription, cacheKey: object): Promise<AllowedSettingValues> {
  const probe = description.type === 'BOOLEAN' || description.type === 'STRING' ? null : await probeOnce(cacheKey, postgres, description).catch(() => null);
  return allowedOf(description, probe);
}

function allowedOf(description: SettingDescription, probe: SettingProbe | null): AllowedSettingValues {
  switch (description.type) {
    case 'BOOLEAN':
      return { type: 'boolean' };
    case 'ENUM':
      return { type: 'enum', values: probe?.values ?? [] };
    case 'STRING':
      return { type: 'string' };
    case 'INTEGER':
    case 'REAL':
      return { type: description.type === 'INTEGER' ? 'integer' : 'real', min: description.min, max: description.max, unit: probe?.unit ?? null };
  }
}

/**
 * The values among `entries` (`[name, value]`, values as the server reads them) that the server
 * of `postgres` refuses. Our check comes first: type, bounds, unit and enum values (from
 * `--describe-config` and, once per installation object and setting, the server's answer to a
 * value it refuses); a value it passes is taken without asking. A value it refuses is put to the
 * server (`postgres -C name -c name=value`), and only the server's refusal counts: no value the
 * server takes is ever refused (enum aliases it does not list, hexadecimal floats). Not checked:
 * names it does not describe (custom, developer, unknown), strings (their checks are hooks:
 * `timezone`, `search_path`, `log_destination`, …), and what depends on other settings. When
 * nothing can be asked, nothing is refused.
 */
export async function invalidSettingValues(
  postgres: string | null,
  describe: DescribeSettings,
  cacheKey: object,
  entries: ReadonlyArray<readonly [string, string]>,
): Promise<InvalidSettingValue[]> {
  if (postgres === null || entries.length === 0) return [];
  let descriptions: readonly SettingDescription[];
  try {
    descriptions = await describe();
  } catch {
    return [];
  }
  const byName = new Map(descriptions.map((entry) => [foldSettingName(entry.name), entry]));
  const invalid: InvalidSettingValue[] = [];
  for (const [name, value] of entries) {
    const description = byName.get(foldSettingName(name));
    if (description === undefined || description.type === 'STRING') continue;
    // A plain number within the bounds and a boolean need no probe.
    if (description.type !== 'ENUM' && checkAllowedValue(value, allowedOf(description, null)) === null) continue;
    const allowed = await allowedSettingValues(postgres, description, cacheKey);
    if (checkAllowedValue(value, allowed) === null) continue;
    const refusal = await askServerAboutValue(postgres, description.name, value);
    if (refusal === null) continue;
    const values = valuesOfHint(refusal.hint);
    invalid.push({
      name,
      value,
      reason: [refusal.message, refusal.detail].filter((part) => part !== null).join(': '),
      allowed: allowed.type === 'enum' && values !== null ? { type: 'enum', values } : allowed,
    });
  }
  return invalid;
}
