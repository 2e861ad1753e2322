import { describe, expect, it } from 'vitest';
import { formatBoolean, formatMemory, formatTime, InvalidSettingValueError, parseBoolean, parseMemory, parseQuantity, parseTime } from '../../../src/config/index.js';

describe('parseQuantity', () => {
  it('splits a number and its unit as the server does', () => {
    expect(parseQuantity('128MB')).toEqual({ number: 128, unit: 'MB' });
    expect(parseQuantity(' 1.5 GB ')).toEqual({ number: 1.5, unit: 'GB' });
    expect(parseQuantity('-1')).toEqual({ number: -1, unit: null });
    expect(parseQuantity('0.5')).toEqual({ number: 0.5, unit: null });
    expect(parseQuantity('1e3')).toEqual({ number: 1000, unit: null });
    expect(parseQuantity('0x10')).toEqual({ number: 16, unit: null });
    expect(parseQuantity('010')).toEqual({ number: 8, unit: null });
    expect(parseQuantity('+7s')).toEqual({ number: 7, unit: 's' });
  });

  it('rejects what is not a number with a unit', () => {
    for (const text of ['', 'MB', '1 MB x', 'abc', '.']) {
      expect(() => parseQuantity(text)).toThrow(InvalidSettingValueError);
    }
  });
});

describe('memory', () => {
  it('reads memory units (case-sensitive) into bytes', () => {
    expect(parseMemory('128MB')).toBe(128 * 1024 * 1024);
    expect(parseMemory('1.5GB')).toBe(1.5 * 1024 ** 3);
    expect(parseMemory('64kB')).toBe(65536);
    expect(parseMemory('2TB')).toBe(2 * 1024 ** 4);
    expect(parseMemory('100B')).toBe(100);
    expect(parseMemory('4096', { unit: 'kB' })).toBe(4096 * 1024);
    expect(parseMemory('16384', { unit: 'kB', scale: 8 })).toBe(128 * 1024 * 1024);
    expect(() => parseMemory('128mb')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID_VALUE', reason: expect.stringContaining('"kB"') }));
    expect(() => parseMemory('1min')).toThrow(InvalidSettingValueError);
  });

  it('writes bytes in the largest exact unit', () => {
    expect(formatMemory(128 * 1024 * 1024)).toBe('128MB');
    expect(formatMemory(1536 * 1024 * 1024)).toBe('1536MB');
    expect(formatMemory(1024 ** 4)).toBe('1TB');
    expect(formatMemory(65536)).toBe('64kB');
    expect(formatMemory(1000)).toBe('1000B');
    expect(formatMemory(0)).toBe('0');
    expect(() => formatMemory(0.5)).toThrow(InvalidSettingValueError);
    for (const text of ['128MB', '64kB', '3GB', '7B']) expect(formatMemory(parseMemory(text))).toBe(text);
  });
});

describe('time', () => {
  it('reads time units into milliseconds', () => {
    expect(parseTime('1min')).toBe(60_000);
    expect(parseTime('1h')).toBe(3_600_000);
    expect(parseTime('2d')).toBe(172_800_000);
    expect(parseTime('30s')).toBe(30_000);
    expect(parseTime('250ms')).toBe(250);
    expect(parseTime('500us')).toBe(0.5);
    expect(parseTime('-1')).toBe(-1);
    expect(parseTime('10', { unit: 's' })).toBe(10_000);
    expect(() => parseTime('1m')).toThrow(expect.objectContaining({ reason: expect.stringContaining('"min"') }));
  });

  it('writes milliseconds in the largest exact unit', () => {
    expect(formatTime(60_000)).toBe('1min');
    expect(formatTime(90_000)).toBe('90s');
    expect(formatTime(3_600_000)).toBe('1h');
    expect(formatTime(86_400_000)).toBe('1d');
    expect(formatTime(250)).toBe('250ms');
    expect(formatTime(1.5)).toBe('1500us');
    expect(formatTime(-1)).toBe('-1');
    expect(formatTime(0)).toBe('0');
    for (const text of ['1min', '90s', '1h', '250ms', '1500us']) expect(formatTime(parseTime(text))).toBe(text);
  });
});

describe('values quoted as in postgresql.conf', () => {
  it('are unquoted by the file\'s rules first', () => {
    expect(parseTime("'1min'")).toBe(60_000);
    expect(parseTime(" '90s'\t")).toBe(90_000);
    expect(parseTime("'10'", { unit: 's' })).toBe(10_000);
    // `\155` is `m`: escapes are resolved as the server resolves them.
    expect(parseTime("'1\\155in'")).toBe(60_000);
    expect(parseMemory("'128MB'")).toBe(128 * 1024 * 1024);
    expect(parseMemory("' 1.5 GB '")).toBe(1.5 * 1024 ** 3);
    expect(parseQuantity("'0x10'")).toEqual({ number: 16, unit: null });
    expect(parseBoolean("'on'")).toBe(true);
    expect(parseBoolean("'OFF'")).toBe(false);
  });

  it('are refused when what is inside the quotes is refused, and errors name what was passed', () => {
    expect(() => parseTime("'1m'")).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID_VALUE', value: "'1m'", reason: expect.stringContaining('"min"') }));
    expect(() => parseMemory("'128mb'")).toThrow(expect.objectContaining({ value: "'128mb'", reason: expect.stringContaining('"kB"') }));
    expect(() => parseBoolean("' on'")).toThrow(InvalidSettingValueError);
    // Not one quoted token: an unterminated quote, two tokens, a comment after it.
    for (const text of ["'1min", "'1min''", "'1' 'min'", "'1min' # c", "''"]) {
      expect(() => parseTime(text), text).toThrow(InvalidSettingValueError);
    }
  });
});

describe('booleans', () => {
  it('reads on/off/true/false/yes/no/1/0 in any case, and unique prefixes', () => {
    for (const text of ['on', 'ON', 'true', 't', 'TR', 'yes', 'y', '1']) expect(parseBoolean(text)).toBe(true);
    for (const text of ['off', 'of', 'false', 'f', 'no', 'n', 'N', '0']) expect(parseBoolean(text)).toBe(false);
  });

  it('rejects ambiguous and unknown words', () => {
    for (const text of ['o', '', 'onn', 'truex', '2', '01', ' on', 'enable']) {
      expect(() => parseBoolean(text), text).toThrow(InvalidSettingValueError);
    }
  });

  it('writes on and off', () => {
    expect(formatBoolean(true)).toBe('on');
    expect(formatBoolean(false)).toBe('off');
  });
});
