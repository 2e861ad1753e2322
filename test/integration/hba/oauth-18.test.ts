// OAuth rules (18) are checked against the server's oauth_validator_libraries: each corpus file is
// read by PostgreSQL 18 started with one validator library and with two, and by HbaFile told the
// same list. (The main oracle covers the default, an empty list, which rejects every oauth rule.)
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HbaFile } from '../../../src/hba/index.js';
import { npmBindir, startScratchServer, type ScratchServer } from '../../helpers/scratch-server.js';
import { fixtureFiles } from '../../unit/hba/fixtures.js';
import { buildFacts } from './server-facts.js';
import { expectedHbaRows } from './view-rows.js';
import { writeAsServer } from './write-as-server.js';

const files = fixtureFiles('corpus').filter((f) => ['oauth-validators-18.conf', 'option-values.conf'].includes(f.name));

describe.each(['a', 'a,b'])('pg_hba.conf oauth rules with oauth_validator_libraries = %s, read by PostgreSQL 18 and by HbaFile', (libraries) => {
  let server: ScratchServer;
  let facts: Awaited<ReturnType<typeof buildFacts>>;

  beforeAll(async () => {
    server = await startScratchServer({ bindir: npmBindir(18), settings: { oauth_validator_libraries: libraries } });
    facts = await buildFacts(server);
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('reads the list the server has', () => {
    expect(files).toHaveLength(2);
    expect(facts.oauthValidatorLibraries).toEqual(libraries.split(','));
  });

  for (const fixture of files) {
    it(`agrees on ${fixture.name}`, async () => {
      writeAsServer(join(server.dataDir, 'pg_hba.conf'), fixture.text);
      const rows = await server.query(
        'select line_number, type, database, user_name, address, netmask, auth_method, options, error from pg_hba_file_rules order by line_number',
      );
      const oauthValidatorLibraries = facts.oauthValidatorLibraries!;
      const hba = HbaFile.parse(fixture.text, { major: 18, unsupportedMethods: facts.unsupportedMethods, oauthValidatorLibraries });
      expect(expectedHbaRows(hba, { ssl: false, gssEncryption: facts.gssEncryption, oauthValidatorLibraries })).toEqual(rows);
    });
  }
});
