// The server is the oracle: PostgreSQL re-reads pg_hba.conf each time pg_hba_file_rules is
// queried, so each corpus file is written as the cluster's pg_hba.conf and the view is compared
// with our reading of the same bytes. System 15 first, then the npm builds of 13 and 18.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HbaFile } from '../../../src/hba/index.js';
import { npmBindir, startScratchServer, type ScratchServer } from '../../helpers/scratch-server.js';
import { fixtureFiles } from '../../unit/hba/fixtures.js';
import { expectedHbaRows } from './view-rows.js';
import { writeAsServer } from './write-as-server.js';
import { buildFacts } from './server-facts.js';

const corpus = [...fixtureFiles('corpus'), ...fixtureFiles('initdb').filter((f) => f.name.startsWith('pg_hba'))];

describe.each([
  { major: 15, bindir: undefined },
  { major: 13, bindir: npmBindir(13) },
  { major: 14, bindir: npmBindir(14) },
  { major: 16, bindir: npmBindir(16) },
  { major: 17, bindir: npmBindir(17) },
  { major: 18, bindir: npmBindir(18) },
])('pg_hba.conf read by PostgreSQL $major and by HbaFile', ({ major, bindir }) => {
  let server: ScratchServer;
  let hbaPath: string;
  let facts: Awaited<ReturnType<typeof buildFacts>>;

  beforeAll(async () => {
    server = await startScratchServer(bindir ? { bindir } : {});
    hbaPath = join(server.dataDir, 'pg_hba.conf');
    facts = await buildFacts(server);
  });

  afterAll(async () => {
    // stop() removes the whole data directory: no file in it needs restoring first.
    await server?.stop();
  });

  it(`runs against major ${major}`, () => {
    expect(server.major).toBe(major);
    expect(corpus.length).toBeGreaterThanOrEqual(20);
  });

  // Include directives make 16+ read other files: tested on their own in oracle-16.test.ts. @file
  // tokens make every major read other files: file-set-oracle.test.ts reads those through the file layer.
  for (const fixture of corpus.filter((f) => (major < 16 || f.name !== 'include-16.conf') && !f.name.startsWith('at-file'))) {
    it(`agrees on ${fixture.name}`, async () => {
      writeAsServer(hbaPath, fixture.text);
      const rows = await server.query(
        'select line_number, type, database, user_name, address, netmask, auth_method, options, error from pg_hba_file_rules order by line_number',
      );
      const { oauthValidatorLibraries } = facts;
      const hba = HbaFile.parse(fixture.text, { major, unsupportedMethods: facts.unsupportedMethods, ...(oauthValidatorLibraries ? { oauthValidatorLibraries } : {}) });
      const ours = expectedHbaRows(hba, { ssl: false, gssEncryption: facts.gssEncryption, ...(oauthValidatorLibraries ? { oauthValidatorLibraries } : {}) });
      expect(ours).toEqual(rows);
    });
  }
});
