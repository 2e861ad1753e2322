import { MissingProgramError } from './missing-program-error.js';
import { runCommand } from './run-command.js';

/** What `pg_controldata` says about a data directory, parsed. Every raw field is kept too. */
export interface ControlData {
  /** `Database cluster state`: `in production`, `shut down`, `shut down in recovery`, `in crash recovery`, … */
  state: string | null;
  systemIdentifier: string | null;
  pgControlVersion: number | null;
  catalogVersion: number | null;
  /** `Latest checkpoint location`, e.g. `0/1538DA8`. */
  checkpointLsn: string | null;
  /** `Latest checkpoint's TimeLineID`. */
  timeline: number | null;
  dataChecksumVersion: number | null;
  /** Every `name: value` line as printed (untranslated: `LC_ALL=C`). */
  fields: Record<string, string>;
}

/** Parses the output of `pg_controldata` (C locale). */
export function parseControlData(text: string): ControlData {
  const fields: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    fields[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  const integer = (name: string): number | null => {
    const value = Number.parseInt(fields[name] ?? '', 10);
    return Number.isInteger(value) ? value : null;
  };
  return {
    state: fields['Database cluster state'] ?? null,
    systemIdentifier: fields['Database system identifier'] ?? null,
    pgControlVersion: integer('pg_control version number'),
    catalogVersion: integer('Catalog version number'),
    checkpointLsn: fields['Latest checkpoint location'] ?? null,
    timeline: integer("Latest checkpoint's TimeLineID"),
    dataChecksumVersion: integer('Data page checksum version'),
    fields,
  };
}

/**
 * Runs `pg_controldata` on a data directory and parses it. `program` null (not in the
 * installation) is a MissingProgramError. Runs as this process's user: root can read any data
 * directory, and an unprivileged user can read only its own.
 */
export async function readControlData(
  program: string | null,
  dataDirectory: string,
  options: { bindir?: string | null; timeout?: number; signal?: AbortSignal } = {},
): Promise<ControlData> {
  if (program === null) throw new MissingProgramError('pg_controldata', options.bindir ?? null, 'read the control file');
  const { stdout } = await runCommand(program, ['-D', dataDirectory], {
    env: { LC_ALL: 'C', LC_MESSAGES: 'C', LANG: 'C' },
    ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
  });
  return parseControlData(stdout);
}
