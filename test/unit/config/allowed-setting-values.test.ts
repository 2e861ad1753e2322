// The fast check of a value against what a setting accepts (type, bounds, base unit, enum values),
// read as guc.c reads values. The server-backed comparison is test/integration/config/value-oracle.test.ts.
import { describe, expect, it } from 'vitest';
import { checkAllowedValue, describeAllowedValues, InvalidSettingValueError, type AllowedSettingValues } from '../../../src/config/index.js';

const sharedBuffers: AllowedSettingValues = { type: 'integer', min: 16, max: 1073741823, unit: '8kB' };
const workMem: AllowedSettingValues = { type: 'integer', min: 64, max: 2147483647, unit: 'kB' };
const statementTimeout: AllowedSettingValues = { type: 'integer', min: 0, max: 2147483647, unit: 'ms' };
const port: AllowedSettingValues = { type: 'integer', min: 1, max: 65535, unit: null };
const costDelay: AllowedSettingValues = { type: 'real', min: 0, max: 100, unit: 'ms' };
const pageCost: AllowedSettingValues = { type: 'real', min: 0, max: 1.79769e308, unit: null };
const walLevel: AllowedSettingValues = { type: 'enum', values: ['minimal', 'replica', 'logical'] };

const takes = (value: string, allowed: AllowedSettingValues) => checkAllowedValue(value, allowed) === null;

describe('checkAllowedValue', () => {
  it('booleans: the words, 1 and 0, unique prefixes in any case; not `o`, not spaces', () => {
    for (const value of ['on', 'OFF', 'of', 'true', 't', 'FA', 'yes', 'y', 'no', 'n', '1', '0']) expect(takes(value, { type: 'boolean' }), value).toBe(true);
    for (const value of ['o', 'maybe', '', ' on', 'on ', '2', '01', 'truex', "'on'"]) expect(takes(value, { type: 'boolean' }), value).toBe(false);
  });

  it('integers: decimal, hex, octal, fractions rounded half to even, within the bounds', () => {
    for (const value of ['16', '0x10', '020', ' 16', '16 ', '+16', '16.4', '1e3', '1073741823']) expect(takes(value, sharedBuffers), value).toBe(true);
  });

  it('rounds halves to the even neighbour, as rint() does', () => {
    // 15.5 → 16 and 16.5 → 16 are in range; 14.5 → 14 and 15.4 → 15 are not; 65535.5 → 65536 is out, 65534.5 → 65534 in.
    expect(takes('15.5', sharedBuffers)).toBe(true);
    expect(takes('16.5', sharedBuffers)).toBe(true);
    expect(takes('14.5', sharedBuffers)).toBe(false);
    expect(takes('15.4', sharedBuffers)).toBe(false);
    expect(takes('65535.5', port)).toBe(false);
    expect(takes('65534.5', port)).toBe(true);
  });

  it('integers with units: converted to the base unit, case-sensitive units, fraction rounded to the next unit', () => {
    expect(takes('128kB', sharedBuffers)).toBe(true); // 16 pages
    expect(takes('127kB', sharedBuffers)).toBe(true); // 15.875 pages, rounded to 16
    expect(takes('120kB', sharedBuffers)).toBe(false); // 15 pages
    expect(takes('1MB', sharedBuffers)).toBe(true);
    expect(takes('8TB', sharedBuffers)).toBe(false);
    expect(takes('1mb', workMem)).toBe(false);
    expect(takes('1 MB', workMem)).toBe(true);
    expect(takes('1MB x', workMem)).toBe(false);
    expect(takes('1.5GB', workMem)).toBe(true);
    expect(takes('1min', workMem)).toBe(false);
    expect(takes('1min', statementTimeout)).toBe(true);
    expect(takes('1500us', statementTimeout)).toBe(true);
    expect(takes('-1s', statementTimeout)).toBe(false);
    expect(takes('5432MB', port)).toBe(false);
    expect(takes('plenty', sharedBuffers)).toBe(false);
    expect(takes("'128MB'", sharedBuffers)).toBe(false);
  });

  it('reals: decimal forms, units, bounds, no NaN or infinity', () => {
    for (const value of ['4', '1.5', '.5', '5.', '1e2', '010', '0.5ms', '100ms', '1us']) expect(takes(value, value.endsWith('s') ? costDelay : pageCost), value).toBe(true);
    for (const value of ['-1', 'nan', 'inf', '1e400', '1e-400', 'x']) expect(takes(value, pageCost), value).toBe(false);
    expect(takes('101', costDelay)).toBe(false);
    expect(takes('1s', costDelay)).toBe(false);
  });

  it('enums: the listed values in any case; anything else is for the server to confirm', () => {
    expect(takes('logical', walLevel)).toBe(true);
    expect(takes('REPLICA', walLevel)).toBe(true);
    expect(takes('bogus', walLevel)).toBe(false);
    expect(takes('hot_standby', walLevel)).toBe(false); // an unlisted alias: the server takes it
  });

  it('strings are not checked', () => {
    expect(takes('Mars/Base', { type: 'string' })).toBe(true);
  });
});

describe('describeAllowedValues and the error message', () => {
  it('says what is allowed in words', () => {
    expect(describeAllowedValues(sharedBuffers)).toBe('a memory size from 16 to 1073741823 in 8kB units, or with a unit (B, kB, MB, GB, TB)');
    expect(describeAllowedValues(statementTimeout)).toBe('a time from 0 to 2147483647 in ms units, or with a unit (us, ms, s, min, h, d)');
    expect(describeAllowedValues(port)).toBe('an integer from 1 to 65535');
    expect(describeAllowedValues(pageCost)).toBe('a number from 0 to 1.79769e+308');
    expect(describeAllowedValues(walLevel)).toBe('one of minimal, replica, logical');
    expect(describeAllowedValues({ type: 'enum', values: ['', 'TLSv1'] })).toBe("one of '', TLSv1");
    expect(describeAllowedValues({ type: 'boolean' })).toBe('a boolean (on, off, true, false, yes, no, 1, 0)');
  });

  it('InvalidSettingValueError with `allowed` has the house message shape and keeps the fields', () => {
    const error = new InvalidSettingValueError('shared_buffers', 'plenty', 'invalid value for parameter "shared_buffers": "plenty"', { allowed: sharedBuffers, hint: 'Nothing was written' });
    expect(error).toMatchObject({ code: 'CONFIG_INVALID_VALUE', settingName: 'shared_buffers', value: 'plenty', allowed: sharedBuffers });
    expect(error.message).toBe(
      'Expected `shared_buffers` to be a memory size from 16 to 1073741823 in 8kB units, or with a unit (B, kB, MB, GB, TB), got `plenty`: invalid value for parameter "shared_buffers": "plenty". Nothing was written',
    );
    expect(new InvalidSettingValueError('x', 1, 'why').message).toBe('Value of `x` `1` is invalid: why');
  });
});
