// Reading the server's verdict on a value from what `postgres -C name -c name=value` writes to
// stderr (samples copied from PostgreSQL 15 and 18 runs; the live comparison is
// test/integration/cluster/setting-values-oracle.test.ts).
import { describe, expect, it } from 'vitest';
import { parseServerRefusal } from '../../../src/cluster/setting-values.js';

const noConfig = 'postgres does not know where to find the server configuration file.\nYou must specify the --config-file or -D invocation option or set the PGDATA environment variable.';

describe('parseServerRefusal', () => {
  it('reads each kind of refusal, with its DETAIL and HINT', () => {
    expect(parseServerRefusal('2026-12-04 18:48:12.113 GMT [7273] FATAL:  invalid value for parameter "shared_buffers": "plenty"', 'shared_buffers')).toEqual({
      message: 'invalid value for parameter "shared_buffers": "plenty"',
      detail: null,
      hint: null,
    });
    expect(
      parseServerRefusal(
        '2026-12-04 18:48:12.125 GMT [7274] FATAL:  invalid value for parameter "wal_level": "bogus"\n2026-12-04 18:48:12.125 GMT [7274] HINT:  Available values: minimal, replica, logical.',
        'wal_level',
      ),
    ).toEqual({ message: 'invalid value for parameter "wal_level": "bogus"', detail: null, hint: 'Available values: minimal, replica, logical.' });
    expect(parseServerRefusal('x [1] FATAL:  1 8kB is outside the valid range for parameter "shared_buffers" (16 8kB .. 1073741823 8kB)', 'shared_buffers')?.message).toBe(
      '1 8kB is outside the valid range for parameter "shared_buffers" (16 8kB .. 1073741823 8kB)',
    );
    expect(parseServerRefusal('x [1] FATAL:  parameter "fsync" requires a Boolean value', 'fsync')?.message).toBe('parameter "fsync" requires a Boolean value');
    // Names in the server's own case (TimeZone), the DETAIL of a check hook.
    expect(parseServerRefusal('x [1] FATAL:  invalid value for parameter "log_destination": "foo"\nx [1] DETAIL:  Unrecognized key word: "foo".', 'log_destination')).toMatchObject({
      detail: 'Unrecognized key word: "foo".',
    });
    expect(parseServerRefusal('x [1] FATAL:  invalid value for parameter "TimeZone": "Mars/Base"', 'timezone')).not.toBeNull();
  });

  it('takes anything else as "the server took the value"', () => {
    expect(parseServerRefusal(noConfig, 'shared_buffers')).toBeNull();
    expect(parseServerRefusal('', 'shared_buffers')).toBeNull();
    // Another parameter's refusal, or one that is not about the value, decides nothing about this one.
    expect(parseServerRefusal('x [1] FATAL:  invalid value for parameter "work_mem": "x"', 'shared_buffers')).toBeNull();
    expect(parseServerRefusal('x [1] FATAL:  parameter "block_size" cannot be changed', 'block_size')).toBeNull();
  });
});
