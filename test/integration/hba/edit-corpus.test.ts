// After edits of every corpus file, the server reads what we wrote: each tricky pg_hba.conf and
// pg_ident.conf is edited (a rule set in place, one inserted before the first, one appended, the
// last popped), written as the cluster's file, and pg_hba_file_rules / pg_ident_file_mappings are
// compared with what the edited document holds. Lines the server rejected before stay the only
// ones it rejects.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HbaFile, IdentFile } from '../../../src/hba/index.js';
import { toServerString } from '../../../src/hba/hba-rule.js';
import { npmBindir, startScratchServer, type ScratchServer } from '../../helpers/scratch-server.js';
import { fixtureFiles } from '../../unit/hba/fixtures.js';
import { buildFacts } from './server-facts.js';
import { expectedHbaRows } from './view-rows.js';
import { writeAsServer } from './write-as-server.js';

const hbaCorpus = fixtureFiles('corpus');
const identCorpus = fixtureFiles('ident-corpus');

/** Strips what only our reading has (comments) so that rules compare with a re-reading. */
function shapes<T extends { comments?: unknown }>(items: T[]): Array<Omit<T, 'comments'>> {
  return items.map(({ comments: _comments, ...rest }) => rest);
}

describe.each([
  { major: 15, bindir: undefined },
  { major: 18, bindir: npmBindir(18) },
])('edited corpus files read by PostgreSQL $major', ({ major, bindir }) => {
  let server: ScratchServer;
  let hbaPath: string;
  let identPath: string;
  let facts: Awaited<ReturnType<typeof buildFacts>>;

  beforeAll(async () => {
    server = await startScratchServer(bindir ? { bindir } : {});
    hbaPath = join(server.dataDir, 'pg_hba.conf');
    identPath = join(server.dataDir, 'pg_ident.conf');
    facts = await buildFacts(server);
  });

  afterAll(async () => {
    // stop() removes the whole data directory: no file in it needs restoring first.
    await server?.stop();
  });

  it('has at least 20 files of each kind to edit', () => {
    expect(server.major).toBe(major);
    expect(hbaCorpus.length).toBeGreaterThanOrEqual(20);
    expect(identCorpus.length).toBeGreaterThanOrEqual(20);
  });

  // Include directives make 16+ read other files, @file tokens every major: oracle-16.test.ts and
  // file-set-oracle.test.ts cover them.
  const readsOtherFiles = (name: string): boolean => (major >= 16 && name === 'include-16.conf') || name.startsWith('at-file');
  for (const fixture of hbaCorpus.filter((f) => !readsOtherFiles(f.name))) {
    it(`pg_hba.conf: ${fixture.name}`, async () => {
      const { oauthValidatorLibraries } = facts;
      const oauth = oauthValidatorLibraries ? { oauthValidatorLibraries } : {};
      const options = { major, unsupportedMethods: facts.unsupportedMethods, ...oauth };
      const hba = HbaFile.parse(fixture.text, options);
      const errorsBefore = hba.diagnostics.length;
      if (hba.length > 0) {
        const first = hba.at(0)!;
        hba.set(0, { ...first, user: ['edited', 'with space', ...first.user.filter((u) => u !== 'edited')] });
        hba.insertBefore({ type: first.type }, { type: 'local', database: 'all', user: 'blocked', method: 'reject', comments: ['# no entry for blocked'] });
      }
      if (hba.length > 2) hba.pop(-1);
      hba.append({ type: 'host', database: ['app', '"all"'], user: '+admins', address: '10.1.0.0', netmask: '255.255.0.0', method: 'scram-sha-256' });
      const text = hba.toString();
      writeAsServer(hbaPath, text);
      const rows = await server.query(
        'select line_number, type, database, user_name, address, netmask, auth_method, options, error from pg_hba_file_rules order by line_number',
      );
      const reread = HbaFile.parse(text, options);
      expect(shapes(reread.rules())).toEqual(shapes(hba.rules()));
      expect(expectedHbaRows(reread, { ssl: false, gssEncryption: facts.gssEncryption, ...oauth })).toEqual(rows);
      expect(reread.diagnostics.length).toBe(errorsBefore);
    });
  }

  for (const fixture of identCorpus.filter((f) => !readsOtherFiles(f.name))) {
    it(`pg_ident.conf: ${fixture.name}`, async () => {
      const ident = IdentFile.parse(fixture.text, { major });
      const errorsBefore = ident.diagnostics.length;
      if (ident.length > 0) ident.set(0, { ...ident.at(0)!, pgUser: 'edited user' });
      if (ident.length > 2) ident.pop(-1);
      ident.append({ map: 'added', systemUser: '/^(.*)@example\\.com$', pgUser: '\\1', comments: ['# mail users'] });
      const text = ident.toString();
      writeAsServer(identPath, text);
      const rows = await server.query('select line_number, map_name, sys_name, pg_username, error from pg_ident_file_mappings order by line_number');
      const reread = IdentFile.parse(text, { major });
      expect(shapes(reread.mappings())).toEqual(shapes(ident.mappings()));
      const expected = [
        ...reread.mappings().map((m) => ({ line_number: m.line, map_name: toServerString(m.map), sys_name: toServerString(m.systemUser), pg_username: toServerString(m.pgUser), error: null as string | null })),
        ...reread.diagnostics.map((d) => ({ line_number: d.line, map_name: null, sys_name: null, pg_username: null, error: d.message })),
      ].sort((a, b) => a.line_number - b.line_number);
      expect(expected).toEqual(rows);
      expect(reread.diagnostics.length).toBe(errorsBefore);
      expect(rows.filter((r) => r.map_name === 'added')).toEqual([{ line_number: ident.at(-1)!.line, map_name: 'added', sys_name: '/^(.*)@example\\.com$', pg_username: '\\1', error: null }]);
    });
  }
});
