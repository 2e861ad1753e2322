// The value helpers read values as the server does: what it accepts, we read to the same amount
// (compared through the server's own display of the value); what it refuses, we refuse.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMemory, formatTime, parseBoolean, parseMemory, parseTime } from '../../../src/config/index.js';
import { type ScratchServer, startScratchServer } from '../../helpers/scratch-server.js';

let server: ScratchServer;

beforeAll(async () => {
  server = await startScratchServer();
});

afterAll(async () => {
  await server?.stop();
});

/** The value as the server shows it after setting `name` to `value`, or the error message. */
async function serverSets(name: string, value: string): Promise<{ shown: string } | { error: string }> {
  try {
    const [row] = await server.query<{ shown: string }>('select set_config($1, $2, false) as shown', [name, value]);
    return { shown: row!.shown };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

describe('memory values (work_mem, in kB)', () => {
  const accepted = ['64kB', '1MB', '1.5MB', '2GB', '1024', '0x400', '0100', '4096 kB', ' 8MB ', '1e3', '1TB'];
  it.each(accepted)('%j: the server accepts it and we read the same amount', async (value) => {
    const result = await serverSets('work_mem', value);
    expect(result).toHaveProperty('shown');
    const shown = (result as { shown: string }).shown;
    expect(parseMemory(value, { unit: 'kB' })).toBe(parseMemory(shown, { unit: 'kB' }));
  });

  it.each(['128mb', '1 MB x', 'MB', '12XB', '1min'])('%j: the server refuses it and so do we', async (value) => {
    expect(await serverSets('work_mem', value)).toHaveProperty('error');
    expect(() => parseMemory(value, { unit: 'kB' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID_VALUE' }));
  });

  it('what formatMemory writes, the server reads back to the same amount', async () => {
    for (const bytes of [64 * 1024, 3 * 1024 ** 2, 1536 * 1024 ** 2, 1024 ** 4]) {
      const result = await serverSets('work_mem', formatMemory(bytes));
      expect(parseMemory((result as { shown: string }).shown, { unit: 'kB' })).toBe(bytes);
    }
  });
});

describe('time values (statement_timeout, in ms)', () => {
  it.each(['1min', '90s', '250ms', '1h', '2d', '1000', '1.5s', '5000us'])('%j: the server accepts it and we read the same amount', async (value) => {
    const result = await serverSets('statement_timeout', value);
    const shown = (result as { shown: string }).shown;
    expect(parseTime(value)).toBe(parseTime(shown));
  });

  it.each(['1m', '5 sec', 'soon', '1H'])('%j: the server refuses it and so do we', async (value) => {
    expect(await serverSets('statement_timeout', value)).toHaveProperty('error');
    expect(() => parseTime(value)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID_VALUE' }));
  });

  it('what formatTime writes, the server reads back to the same amount', async () => {
    for (const ms of [250, 90_000, 3_600_000, 86_400_000]) {
      const result = await serverSets('statement_timeout', formatTime(ms));
      expect(parseTime((result as { shown: string }).shown)).toBe(ms);
    }
  });
});

describe('booleans (enable_seqscan)', () => {
  it.each(['on', 'OFF', 'true', 't', 'tr', 'FALSE', 'f', 'yes', 'y', 'no', 'n', '1', '0', 'of'])('%j: read as the server reads it', async (value) => {
    const result = await serverSets('enable_seqscan', value);
    expect(parseBoolean(value)).toBe((result as { shown: string }).shown === 'on');
  });

  it.each(['o', '2', 'truex', 'onn', 'enable', ''])('%j: the server refuses it and so do we', async (value) => {
    expect(await serverSets('enable_seqscan', value)).toHaveProperty('error');
    expect(() => parseBoolean(value)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID_VALUE' }));
  });
});

describe('values quoted as written in postgresql.conf', () => {
  /** What pg_file_settings reads from `name = token` at the end of postgresql.conf. */
  async function serverReadsLine(name: string, token: string): Promise<{ setting: string; error: string | null }> {
    const path = join(server.dataDir, 'postgresql.conf');
    const original = readFileSync(path);
    try {
      writeFileSync(path, `${original.toString('utf8')}${name} = ${token}\n`);
      const rows = await server.query<{ setting: string; error: string | null }>(
        'select setting, error from pg_file_settings where name = $1 order by seqno desc limit 1',
        [name],
      );
      return rows[0]!;
    } finally {
      writeFileSync(path, original);
    }
  }

  const accepted: Array<[string, string, (text: string) => number | boolean]> = [
    ['statement_timeout', "'1min'", (t) => parseTime(t)],
    ['statement_timeout', "'1\\155in'", (t) => parseTime(t)],
    ['work_mem', "' 8MB '", (t) => parseMemory(t, { unit: 'kB' })],
    ['work_mem', "'0x400'", (t) => parseMemory(t, { unit: 'kB' })],
    ['enable_seqscan', "'OFF'", (t) => parseBoolean(t)],
  ];
  it.each(accepted)('%s = %s: we read the same amount as the server reads from the file', async (name, token, parse) => {
    const read = await serverReadsLine(name, token);
    expect(read.error).toBeNull();
    const shown = await serverSets(name, read.setting);
    expect(shown).toHaveProperty('shown');
    expect(parse(token)).toBe(parse((shown as { shown: string }).shown));
  });

  it.each([
    ['statement_timeout', "'1m'", (t: string) => parseTime(t)],
    ['work_mem', "'128mb'", (t: string) => parseMemory(t, { unit: 'kB' })],
    ['enable_seqscan', "'o'", (t: string) => parseBoolean(t)],
  ])('%s = %s: the server cannot apply it and we refuse it', async (name, token, parse) => {
    expect(await serverReadsLine(name, token)).toMatchObject({ error: 'setting could not be applied' });
    expect(() => parse(token)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID_VALUE' }));
  });
});
