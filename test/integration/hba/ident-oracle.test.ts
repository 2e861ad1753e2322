// pg_ident_file_mappings (15+) re-reads pg_ident.conf at query time: each corpus file is written
// as the cluster's pg_ident.conf and the view is compared with IdentFile's reading.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdentFile } from '../../../src/hba/index.js';
import { toServerString } from '../../../src/hba/hba-rule.js';
import { npmBindir, startScratchServer, type ScratchServer } from '../../helpers/scratch-server.js';
import { fixtureFiles } from '../../unit/hba/fixtures.js';
import { writeAsServer } from './write-as-server.js';

const corpus = [
  ...fixtureFiles('ident-corpus'),
  ...fixtureFiles('initdb').filter((f) => f.name.startsWith('pg_ident')),
  ...fixtureFiles('samples').filter((f) => f.name.startsWith('pg_ident')),
];

function expectedRows(ident: IdentFile) {
  const rows = [
    ...ident.mappings().map((m) => ({
      line_number: m.line,
      map_name: toServerString(m.map),
      sys_name: toServerString(m.systemUser),
      pg_username: toServerString(m.pgUser),
      error: null as string | null,
    })),
    ...ident.diagnostics.map((d) => ({ line_number: d.line, map_name: null, sys_name: null, pg_username: null, error: d.message })),
  ];
  return rows.sort((a, b) => a.line_number - b.line_number);
}

describe.each([
  { major: 15, bindir: undefined },
  { major: 16, bindir: npmBindir(16) },
  { major: 17, bindir: npmBindir(17) },
  { major: 18, bindir: npmBindir(18) },
])('pg_ident.conf read by PostgreSQL $major and by IdentFile', ({ major, bindir }) => {
  let server: ScratchServer;
  let path: string;

  beforeAll(async () => {
    server = await startScratchServer(bindir ? { bindir } : {});
    path = join(server.dataDir, 'pg_ident.conf');
  });

  afterAll(async () => {
    // stop() removes the whole data directory: no file in it needs restoring first.
    await server?.stop();
  });

  it('has a corpus of at least 20 tricky files besides the samples and what initdb wrote', () => {
    expect(fixtureFiles('ident-corpus').length).toBeGreaterThanOrEqual(20);
  });

  // @file tokens make the server read other files: file-set-oracle.test.ts covers those.
  for (const fixture of corpus.filter((f) => (major < 16 || f.name !== 'include-16.conf') && !f.name.startsWith('at-file'))) {
    it(`agrees on ${fixture.name}`, async () => {
      writeAsServer(path, fixture.text);
      const rows = await server.query('select line_number, map_name, sys_name, pg_username, error from pg_ident_file_mappings order by line_number');
      expect(server.major).toBe(major);
      expect(expectedRows(IdentFile.parse(fixture.text, { major }))).toEqual(rows);
    });
  }
});
