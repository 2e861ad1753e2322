import { join } from 'node:path';
import { openRegularFile } from '../fs/regular-file.js';
import { PgControlError } from './pg-control-error.js';

/**
 * `global/pg_control`'s `pg_control_version` for each major whose layout {@link parsePgControl}
 * knows (PG_CONTROL_VERSION in `src/include/catalog/pg_control.h`). The fields read here sit at
 * the same offsets in all of them; the file's CRC is checked whatever the struct's size.
 */
export const PG_CONTROL_VERSIONS: Readonly<Record<number, number>> = { 13: 1300, 14: 1300, 15: 1300, 16: 1300, 17: 1700, 18: 1800 };

/** `DBState` in pg_control.h, as pg_controldata prints it. */
const DB_STATES = ['starting up', 'shut down', 'shut down in recovery', 'shutting down', 'in crash recovery', 'in archive recovery', 'in production'] as const;

/** What {@link parsePgControl} reads of `global/pg_control` (the fields pg_controldata prints first). */
export interface PgControl {
  systemIdentifier: string;
  pgControlVersion: number;
  catalogVersion: number;
  /** `Database cluster state` as pg_controldata words it: `shut down`, `in production`, `shut down in recovery`, … */
  state: string;
  /** `Latest checkpoint location`, in pg_controldata's form (`0/1538DA8`). */
  checkpointLsn: string;
  /** `Latest checkpoint's REDO location`. */
  redoLsn: string;
  /** `Latest checkpoint's TimeLineID`. */
  timeline: number;
}

/**
 * Parses `global/pg_control` of a server of `major` (13–18) written on this machine (its byte
 * order): ControlFileData begins with system_identifier (uint64), pg_control_version,
 * catalog_version_no, state (4 bytes each), time (int64 at 24), checkPoint (at 32), then the
 * checkpoint record copy: redo (at 40) and ThisTimeLineID (at 48). Its last field is a CRC-32C of
 * all before it; the size of the struct differs by major, so the CRC is looked for at every
 * aligned offset. PgControlError `PG_CONTROL_UNREADABLE` for a file without a valid CRC,
 * `PG_CONTROL_UNKNOWN_VERSION` when the version is not the one `major` writes.
 */
export function parsePgControl(bytes: Buffer, major: number, path = 'pg_control'): PgControl {
  const expectedVersion = PG_CONTROL_VERSIONS[major];
  if (expectedVersion === undefined) {
    throw new PgControlError('PG_CONTROL_UNKNOWN_VERSION', path, `Reading ${path} of PostgreSQL ${major} is not supported (known: ${Object.keys(PG_CONTROL_VERSIONS).join(', ')})`);
  }
  if (bytes.length < 64 || !hasValidCrc(bytes)) {
    throw new PgControlError('PG_CONTROL_UNREADABLE', path, `${path} is no PostgreSQL control file of this machine (${bytes.length} bytes, no valid CRC)`);
  }
  const pgControlVersion = bytes.readUInt32LE(8);
  if (pgControlVersion !== expectedVersion) {
    throw new PgControlError(
      'PG_CONTROL_UNKNOWN_VERSION',
      path,
      `${path} has pg_control version ${pgControlVersion}; PostgreSQL ${major} writes ${expectedVersion}: is the data directory of another major?`,
    );
  }
  const state = bytes.readUInt32LE(16);
  return {
    systemIdentifier: bytes.readBigUInt64LE(0).toString(),
    pgControlVersion,
    catalogVersion: bytes.readUInt32LE(12),
    state: DB_STATES[state] ?? `unrecognized status code ${state}`,
    checkpointLsn: formatLsnAt(bytes, 32),
    redoLsn: formatLsnAt(bytes, 40),
    timeline: bytes.readUInt32LE(48),
  };
}

/** Reads and parses `<dataDirectory>/global/pg_control` (never through a link); see {@link parsePgControl}. */
export async function readPgControl(dataDirectory: string, major: number): Promise<PgControl> {
  const path = join(dataDirectory, 'global', 'pg_control');
  let bytes: Buffer;
  try {
    const { handle } = await openRegularFile(path);
    try {
      bytes = await handle.readFile();
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw new PgControlError('PG_CONTROL_UNREADABLE', path, `Cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  return parsePgControl(bytes, major, path);
}

/** An XLogRecPtr (uint64, little-endian) at `offset`, as `%X/%X`. */
function formatLsnAt(bytes: Buffer, offset: number): string {
  return `${bytes.readUInt32LE(offset + 4).toString(16).toUpperCase()}/${bytes.readUInt32LE(offset).toString(16).toUpperCase()}`;
}

/** Whether some 4-aligned prefix of `bytes` (past the fields read) is followed by its CRC-32C, as ControlFileData's last field `crc` is. */
function hasValidCrc(bytes: Buffer): boolean {
  let crc = 0xffffffff;
  for (let offset = 0; offset + 4 <= Math.min(bytes.length, 1024); offset += 4) {
    // crc covers bytes [0, offset) here.
    if (offset >= 56 && ((crc ^ 0xffffffff) >>> 0) === bytes.readUInt32LE(offset)) return true;
    for (let i = offset; i < offset + 4; i++) crc = (CRC32C_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8)) >>> 0;
  }
  return false;
}

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();
