import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDescribeConfig } from '../../../src/installation/index.js';

// `postgres --describe-config` of Debian's PostgreSQL 15.18, checked in.
const fixture = readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'installation', 'describe-config-15.txt'), 'utf8');

describe('parseDescribeConfig', () => {
  it('reads every line of a real server: 307 settings of five types', () => {
    const settings = parseDescribeConfig(fixture);
    expect(settings).toHaveLength(fixture.trimEnd().split('\n').length);
    expect(settings).toHaveLength(307);
    expect(new Set(settings.map((s) => s.type))).toEqual(new Set(['BOOLEAN', 'INTEGER', 'REAL', 'STRING', 'ENUM']));
    expect(settings.find((s) => s.name === 'work_mem')).toEqual({
      name: 'work_mem',
      context: 'user',
      group: 'Resource Usage / Memory',
      type: 'INTEGER',
      min: 64,
      max: 2147483647,
      bootValue: null,
      shortDescription: 'Sets the maximum memory to be used for query workspaces.',
      extraDescription: 'This much memory can be used by each internal sort operation and hash table before switching to temporary disk files.',
    });
    expect(settings.find((s) => s.name === 'log_min_messages')).toMatchObject({ type: 'ENUM', min: null, max: null, context: 'superuser' });
  });

  it('skips lines without the nine fields or with an unknown type, and takes CRLF', () => {
    const text = 'a\tuser\tG\tBOOLEAN\t\t\t\tshort\t\r\nbroken line\nb\tuser\tG\tWHATEVER\t\t\t\ts\t\n';
    expect(parseDescribeConfig(text)).toEqual([{ name: 'a', context: 'user', group: 'G', type: 'BOOLEAN', min: null, max: null, bootValue: null, shortDescription: 'short', extraDescription: '' }]);
  });

  it('keeps the compiled-in value of STRING and ENUM settings only', () => {
    const settings = parseDescribeConfig(fixture);
    expect(settings.find((s) => s.name === 'unix_socket_directories')?.bootValue).toBe('/var/run/postgresql');
    expect(settings.find((s) => s.name === 'listen_addresses')?.bootValue).toBe('localhost');
    expect(settings.find((s) => s.name === 'wal_level')?.bootValue).toBe('replica');
    expect(settings.find((s) => s.name === 'fsync')?.bootValue).toBeNull(); // printed FALSE, though the default is on
    expect(settings.find((s) => s.name === 'port')?.bootValue).toBeNull(); // printed 0
  });
});
