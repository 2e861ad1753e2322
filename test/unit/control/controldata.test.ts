import { describe, expect, it } from 'vitest';
import { MissingProgramError, parseControlData, readControlData } from '../../../src/control/index.js';

const sample = `pg_control version number:            1300
Catalog version number:               202209061
Database system identifier:           7311234567890123456
Database cluster state:               in production
pg_control last modified:             Mon 23 Nov 2026 12:00:00 PM UTC
Latest checkpoint location:           0/1538DA8
Latest checkpoint's REDO location:    0/1538D70
Latest checkpoint's TimeLineID:       1
Data page checksum version:           0
`;

describe('parseControlData', () => {
  it('reads the fields a caller needs and keeps every line', () => {
    const data = parseControlData(sample);
    expect(data).toMatchObject({
      state: 'in production',
      systemIdentifier: '7311234567890123456',
      pgControlVersion: 1300,
      catalogVersion: 202209061,
      checkpointLsn: '0/1538DA8',
      timeline: 1,
      dataChecksumVersion: 0,
    });
    expect(data.fields["Latest checkpoint's REDO location"]).toBe('0/1538D70');
    expect(data.fields['pg_control last modified']).toBe('Mon 23 Nov 2026 12:00:00 PM UTC');
  });

  it('gives null for what is missing', () => {
    expect(parseControlData('')).toMatchObject({ state: null, timeline: null, fields: {} });
  });
});

describe('readControlData', () => {
  it('is a MissingProgramError where the installation has no pg_controldata', async () => {
    const error = await readControlData(null, '/d', { bindir: '/npm/bin' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingProgramError);
    expect(error).toMatchObject({ code: 'PROGRAM_MISSING', program: 'pg_controldata', bindir: '/npm/bin' });
  });
});
