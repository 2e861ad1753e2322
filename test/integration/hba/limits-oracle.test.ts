// The server is the oracle for its buffer limits: before 16 a token over MAX_TOKEN - 1 bytes
// makes its line an error, and before 14 a physical line is read MAX_LINE - 1 bytes at a time,
// each full piece an error and the rest a line of its own (a rule hidden after 20 KB of comment
// is a rule to PostgreSQL 13). Each text is written as the cluster's pg_hba.conf and
// pg_hba_file_rules compared with our reading; for 13, also after edits next to a piece.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HbaFile } from '../../../src/hba/index.js';
import { npmBindir, startScratchServer, type ScratchServer } from '../../helpers/scratch-server.js';
import { limitCases } from '../../unit/hba/limit-cases.js';
import { expectedHbaRows } from './view-rows.js';
import { writeAsServer } from './write-as-server.js';

describe.each([
  { major: 15, bindir: undefined },
  { major: 13, bindir: npmBindir(13) },
  { major: 14, bindir: npmBindir(14) },
  { major: 16, bindir: npmBindir(16) },
  { major: 18, bindir: npmBindir(18) },
])('pg_hba.conf at the buffer limits, read by PostgreSQL $major and by HbaFile', ({ major, bindir }) => {
  let server: ScratchServer;

  beforeAll(async () => {
    server = await startScratchServer(bindir ? { bindir } : {});
  });

  afterAll(async () => {
    await server?.stop();
  });

  const rowsOf = async (text: string) => {
    writeAsServer(join(server.dataDir, 'pg_hba.conf'), text);
    return server.query('select line_number, type, database, user_name, address, netmask, auth_method, options, error from pg_hba_file_rules order by line_number');
  };

  it(`runs against major ${major}`, () => {
    expect(server.major).toBe(major);
  });

  for (const [name, text] of Object.entries(limitCases)) {
    it(`agrees on ${name}`, async () => {
      const hba = HbaFile.parse(text, { major });
      expect(hba.toString()).toBe(text);
      expect(expectedHbaRows(hba, { ssl: false, gssEncryption: false })).toEqual(await rowsOf(text));
    });
  }

  it('agrees after inserting before, and popping, a rule read from the rest of a long line', async () => {
    const hba = HbaFile.parse(limitCases['a rule after 20,479 bytes of comment']!, { major });
    hba.insert(0, { type: 'local', database: 'db1', user: 'u1', method: 'trust' });
    expect(expectedHbaRows(HbaFile.parse(hba.toString(), { major }), { ssl: false, gssEncryption: false })).toEqual(expectedHbaRows(hba, { ssl: false, gssEncryption: false }));
    expect(expectedHbaRows(hba, { ssl: false, gssEncryption: false })).toEqual(await rowsOf(hba.toString()));
    if (major === 13) hba.pop(1);
    expect(expectedHbaRows(hba, { ssl: false, gssEncryption: false })).toEqual(await rowsOf(hba.toString()));
  });
});
