// The server is the oracle for setting values: for a table of values (valid and invalid; booleans,
// integers and reals with and without units, out of range and just in range, enums, strings), on
// 13, 15 and 18 (the message shapes changed in 17; the units and enum values are learnt on every major), our fast check (checkAllowedValue with what `allowedSettingValues` learns) and the
// whole check (`invalidSettingValues`, which puts what the fast check refuses to the server) are
// compared with the server's own verdict: `postgres -C name -c name=value` with no data directory
// (the command line and postgresql.conf go through the same parse, range and hook code).
import { describe, expect, it } from 'vitest';
import { checkAllowedValue } from '../../../src/config/index.js';
import { describeSettings, type SettingDescription } from '../../../src/installation/index.js';
import { allowedSettingValues, askServerAboutValue, invalidSettingValues } from '../../../src/cluster/setting-values.js';
import { npmBindir, systemBindir } from '../../helpers/scratch-server.js';

const table: Record<string, string[]> = {
  fsync: ['on', 'OFF', 't', 'fa', 'yes', '1', '0', 'o', 'maybe', '', ' on', '2'],
  shared_buffers: ['16', '15', '128kB', '127kB', '120kB', '1MB', '128MB', '1GB', '8TB', 'plenty', '1mb', '1 MB', '1MB x', '0x10', '020', '08', '15.5', '14.5', '-1', '1e3', '1min', "'128MB'"],
  work_mem: ['64kB', '63kB', '64', '1.5MB', '2GB', '2TB', '1TB', '4096 kB', '65536B', '1B', '1e6'],
  statement_timeout: ['0', '-1', '1min', '90s', '1500us', '1h', '2d', '25d', '1m', '5 sec', '1H', '1.5s', '0.5ms', '0.4us'],
  port: ['1', '0', '65535', '65536', '5432MB', '65535.5', '65534.5', ' 5432 ', '1e4', '0x1538'],
  max_pred_locks_per_relation: ['-5', '10', '10kB', '99999999999'],
  random_page_cost: ['4', '1.5', '.5', '5.', '010', '-1', 'nan', 'inf', '1e400', '1e-400', '0x1p3', 'x', '1ms'],
  vacuum_cost_delay: ['0', '100', '101', '2ms', '0.5ms', '1us', '1s', '100ms', '100.4ms', '-1'],
  checkpoint_completion_target: ['0.9', '1', '1.1', '0'],
  autovacuum_naptime: ['1min', '1s', '500ms', '2147483', '2147484', '1d'],
  log_rotation_age: ['1d', '1h', '30s', '29s', '-1'],
  wal_level: ['minimal', 'Replica', 'LOGICAL', 'bogus', 'hot_standby', 'archive', ''],
  synchronous_commit: ['on', 'remote_apply', 'true', 'yes', '1', 'maybe'],
  log_min_messages: ['warning', 'WARNING', 'loud'],
  ssl_max_protocol_version: ['', 'TLSv1.3', 'TLSv9'],
  timezone: ['UTC', 'Europe/Paris', 'Mars/Base'],
  search_path: ['"$user", public', '"x'],
  log_destination: ['stderr', 'stderr,csvlog', 'foo'],
};

/** Values our fast check refuses and the server takes (unlisted enum aliases, hexadecimal floats): the server's confirmation lets them through. */
const unlistedButTaken = new Set(['wal_level=hot_standby', 'wal_level=archive', 'synchronous_commit=true', 'synchronous_commit=yes', 'synchronous_commit=1', 'random_page_cost=0x1p3']);
/** String values the server's check hooks refuse; we do not check strings (the reload reports them). */
const stringsRefused = new Set(['timezone=Mars/Base', 'search_path="x', 'log_destination=foo']);

const majors = [13, 14, 15, 16, 17, 18] as const;
const postgresOf = (major: (typeof majors)[number]) => `${major === 15 ? systemBindir() : npmBindir(major)}/postgres`;

describe.each([13, 15, 18] as const)('setting values on PostgreSQL %i: our verdict is the server\'s', (major) => {
  const postgres = postgresOf(major);
  const cacheKey = {};

  it('agrees with `postgres -C name -c name=value` on every value of the table', async () => {
    const descriptions = new Map((await describeSettings(postgres)).map((entry) => [entry.name.toLowerCase(), entry] as const));
    const disagreements: string[] = [];
    const taken: string[] = [];
    for (const [name, values] of Object.entries(table)) {
      const description: SettingDescription | undefined = descriptions.get(name);
      expect(description, name).toBeDefined();
      const allowed = await allowedSettingValues(postgres, description!, cacheKey);
      for (const value of values) {
        const key = `${name}=${value}`;
        const server = (await askServerAboutValue(postgres, name, value)) === null;
        const fast = checkAllowedValue(value, allowed) === null;
        const whole = (await invalidSettingValues(postgres, async () => [...descriptions.values()], cacheKey, [[name, value]])).length === 0;
        if (server) taken.push(key);
        if (stringsRefused.has(key)) {
          // Not checked: taken by us, refused by the server's hook.
          if (!(fast && whole && !server)) disagreements.push(`${key}: fast ${fast}, whole ${whole}, server ${server}`);
        } else if (unlistedButTaken.has(key)) {
          if (!(!fast && whole && server)) disagreements.push(`${key}: fast ${fast}, whole ${whole}, server ${server}`);
        } else if (fast !== server || whole !== server) {
          disagreements.push(`${key}: fast ${fast}, whole ${whole}, server ${server}`);
        }
      }
    }
    expect(disagreements).toEqual([]);
    // The table holds both kinds, and the server is really asked (it refuses the obvious ones).
    expect(taken).toContain('shared_buffers=128MB');
    expect(taken).not.toContain('shared_buffers=plenty');
  });
});

describe.each(majors)('what a setting accepts on PostgreSQL %i', (major) => {
  const postgres = postgresOf(major);
  const cacheKey = {};

  it('learns base units and enum values from the server', async () => {
    const descriptions = new Map((await describeSettings(postgres)).map((entry) => [entry.name, entry] as const));
    const allowed = async (name: string) => allowedSettingValues(postgres, descriptions.get(name)!, cacheKey);
    expect(await allowed('shared_buffers')).toEqual({ type: 'integer', min: 16, max: 1073741823, unit: '8kB' });
    expect(await allowed('work_mem')).toMatchObject({ type: 'integer', min: 64, unit: 'kB' });
    expect(await allowed('statement_timeout')).toMatchObject({ type: 'integer', unit: 'ms' });
    expect(await allowed('autovacuum_naptime')).toMatchObject({ type: 'integer', unit: 's' });
    expect(await allowed('log_rotation_age')).toMatchObject({ type: 'integer', unit: 'min' });
    expect(await allowed('max_wal_size')).toMatchObject({ type: 'integer', unit: 'MB' });
    expect(await allowed('vacuum_cost_delay')).toMatchObject({ type: 'real', min: 0, max: 100, unit: 'ms' });
    expect(await allowed('port')).toEqual({ type: 'integer', min: 1, max: 65535, unit: null });
    expect(await allowed('fsync')).toEqual({ type: 'boolean' });
    expect(await allowed('wal_level')).toEqual({ type: 'enum', values: ['minimal', 'replica', 'logical'] });
    expect(await allowed('TimeZone')).toEqual({ type: 'string' });
  });
});
