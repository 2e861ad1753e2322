import { MissingProgramError, runCommand } from '../control/index.js';

/** The type of a server setting, as `postgres --describe-config` names it. */
export type SettingType = 'BOOLEAN' | 'INTEGER' | 'REAL' | 'STRING' | 'ENUM';

/** One setting the server documents: a line of `postgres --describe-config`. */
export interface SettingDescription {
  name: string;
  /** When it can change: `postmaster` (restart), `sighup` (reload), `superuser`, `user`, … */
  context: string;
  /** The section of postgresql.conf.sample: `Resource Usage / Memory`. */
  group: string;
  type: SettingType;
  /** Bounds of an INTEGER or REAL setting, in its base unit; null for the other types. */
  min: number | null;
  max: number | null;
  /**
   * The compiled-in value of a STRING or ENUM setting, what a server uses when no file or
   * argument sets it (`unix_socket_directories`: `/var/run/postgresql` on Debian, `/tmp` for the
   * npm binaries); null for the other types, which the server prints before it has set their
   * defaults (`0`, `FALSE`).
   */
  bootValue: string | null;
  shortDescription: string;
  extraDescription: string;
}

/**
 * Parses `postgres --describe-config`: one tab-separated line per setting (name, context, group,
 * type, boot value, min, max, short and extra description). The boot value is kept for STRING
 * and ENUM settings only (see `bootValue`). Lines that do not have the nine fields are skipped.
 */
export function parseDescribeConfig(text: string): SettingDescription[] {
  const settings: SettingDescription[] = [];
  for (const line of text.split('\n')) {
    const fields = line.replace(/\r$/, '').split('\t');
    if (fields.length < 9) continue;
    const [name, context, group, type, boot, min, max, shortDescription, extraDescription] = fields as [string, string, string, string, string, string, string, string, string];
    if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(name) || !isSettingType(type)) continue;
    const bound = (value: string): number | null => (value === '' || !Number.isFinite(Number(value)) ? null : Number(value));
    const bootValue = type === 'STRING' || type === 'ENUM' ? boot : null;
    settings.push({ name, context, group, type, min: bound(min), max: bound(max), bootValue, shortDescription, extraDescription });
  }
  return settings;
}

function isSettingType(type: string): type is SettingType {
  return type === 'BOOLEAN' || type === 'INTEGER' || type === 'REAL' || type === 'STRING' || type === 'ENUM';
}

/**
 * Runs `postgres --describe-config` (no data directory needed, root allowed). It lists the
 * settings a postgresql.conf may set, except those PostgreSQL keeps out of its sample file
 * (developer options such as `zero_damaged_pages`) and those a file cannot set.
 */
export async function describeSettings(postgres: string | null, options: { bindir?: string | null; timeout?: number; signal?: AbortSignal } = {}): Promise<SettingDescription[]> {
  if (postgres === null) throw new MissingProgramError('postgres', options.bindir ?? null, 'describe its settings');
  const { stdout } = await runCommand(postgres, ['--describe-config'], {
    timeout: options.timeout ?? 10_000,
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
    env: { LC_ALL: 'C' },
  });
  return parseDescribeConfig(stdout);
}
