// The file layer against the server: each corpus file is written as the cluster's pg_hba.conf or
// pg_ident.conf next to the files its `@file` tokens and include records name
// (test/fixtures/hba/at-files), and what readHbaFileSet / readIdentFileSet read from disk is
// compared with pg_hba_file_rules / pg_ident_file_mappings row for row, in the server's reading
// order: `@file` lists expanded, missing files reported with the server's message, includes
// followed (16+), regular expressions compiled (16+).
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HbaFile, matchRule, readHbaFileSet, readIdentFileSet } from '../../../src/hba/index.js';
import { startScratchServer, type ScratchServer } from '../../helpers/scratch-server.js';
import { fixtureFiles, fixturesRoot } from '../../unit/hba/fixtures.js';
import { buildFacts } from './server-facts.js';
import { expectedIdentSetRows, expectedSetRows } from './view-rows.js';
import { writeAsServer } from './write-as-server.js';

const hbaCorpus = fixtureFiles('corpus');
const identCorpus = fixtureFiles('ident-corpus');

const npmBin = (major: number): string => join(process.cwd(), 'node_modules', `pg-bin-${major}`, 'native', 'bin');

const HBA_COLUMNS = 'line_number, type, database, user_name, address, netmask, auth_method, options, error';
const IDENT_COLUMNS = 'line_number, map_name, sys_name, pg_username, error';

describe.each([
  { major: 13, bindir: npmBin(13) },
  { major: 14, bindir: npmBin(14) },
  { major: 15, bindir: undefined },
  { major: 16, bindir: npmBin(16) },
  { major: 17, bindir: npmBin(17) },
  { major: 18, bindir: npmBin(18) },
])('files read by PostgreSQL $major and by the file layer', ({ major, bindir }) => {
  let server: ScratchServer;
  let facts: Awaited<ReturnType<typeof buildFacts>>;
  let hbaPath: string;
  let identPath: string;
  // The view lists rows in reading order; 16 added the file and the rule (map) number.
  const hbaSql = `select ${major >= 16 ? 'rule_number, file_name, ' : ''}${HBA_COLUMNS} from pg_hba_file_rules`;
  const identSql = `select ${major >= 16 ? 'map_number, file_name, ' : ''}${IDENT_COLUMNS} from pg_ident_file_mappings`;

  beforeAll(async () => {
    server = await startScratchServer(bindir ? { bindir } : {});
    facts = await buildFacts(server);
    hbaPath = join(server.dataDir, 'pg_hba.conf');
    identPath = join(server.dataDir, 'pg_ident.conf');
    // Readable by the server's user: files 0644, folders 0755.
    cpSync(join(fixturesRoot, 'at-files'), server.dataDir, { recursive: true });
  });

  afterAll(async () => {
    // stop() removes the whole data directory: no file in it needs restoring first.
    await server?.stop();
  });

  it(`runs against major ${major}`, () => {
    expect(server.major).toBe(major);
    expect(hbaCorpus.map((f) => f.name)).toEqual(expect.arrayContaining(['at-file.conf', 'at-file-recursion-16.conf', 'regex-errors-16.conf', 'include-16.conf']));
  });

  // Before 16 an @file that lists itself makes the whole view fail: tested on its own below.
  for (const fixture of hbaCorpus.filter((f) => major >= 16 || f.name !== 'at-file-recursion-16.conf')) {
    it(`pg_hba.conf: ${fixture.name}`, async () => {
      writeAsServer(hbaPath, fixture.text);
      const rows = await server.query(hbaSql);
      const { oauthValidatorLibraries } = facts;
      const oauth = oauthValidatorLibraries ? { oauthValidatorLibraries } : {};
      const set = await readHbaFileSet(hbaPath, { major, unsupportedMethods: facts.unsupportedMethods, ...oauth });
      expect(expectedSetRows(set, { ssl: false, gssEncryption: facts.gssEncryption, ...oauth })).toEqual(rows);
    });
  }

  // pg_ident_file_mappings is new in 15.
  for (const fixture of major >= 15 ? identCorpus : []) {
    it(`pg_ident.conf: ${fixture.name}`, async () => {
      writeAsServer(identPath, fixture.text);
      const rows = await server.query(identSql);
      const set = await readIdentFileSet(identPath, { major });
      expect(expectedIdentSetRows(set)).toEqual(rows);
    });
  }

  it('expands @file lists, names the file each value came from, and reports missing files as the server does', async () => {
    const text = hbaCorpus.find((f) => f.name === 'at-file.conf')!.text;
    writeAsServer(hbaPath, text);
    const set = await readHbaFileSet(hbaPath, { major });
    const dir = server.dataDir;
    const rule = (line: number) => set.rules.find((r) => r.line === line);
    const error = (line: number) => set.diagnostics.find((d) => d.line === line);
    expect(rule(2)).toMatchObject({
      database: ['db1', 'db2', 'db3', '"all"', 'x', 'app'],
      user: ['alice', '+admins', '"+ops"', 'all'],
      sources: { database: [...Array(5).fill(join(dir, 'dbs.list')), hbaPath], user: Array(4).fill(join(dir, 'users.list')) },
    });
    // Nested lists are read from the folder of the file naming them.
    expect(rule(3)?.database).toEqual(['n1', 'n2']);
    expect(rule(3)?.sources.database).toEqual([join(dir, 'sub/nested.list'), join(dir, 'sub/deeper.list')]);
    expect(rule(4)).toMatchObject({ database: ['"@dbs.list"'], user: ['spaced'] });
    expect(rule(14)?.address).toBe('127.0.0.1/32');
    expect(rule(15)?.method).toBe('trust');
    // An empty file leaves nothing in its field, so the fields after it move up.
    expect(error(8)).toMatchObject({ code: 'HBA_INVALID_LINE', message: 'end-of-line before authentication method' });
    const missing = join(dir, 'not-there.list');
    expect(error(11)).toEqual({
      code: 'AUTH_FILE_UNREADABLE',
      file: hbaPath,
      line: 11,
      column: 9,
      message:
        major >= 16
          ? `could not open file "${missing}": No such file or directory`
          : `could not open secondary authentication file "@not-there.list" as "${missing}": No such file or directory`,
      raw: 'local   @not-there.list       all                  trust',
    });
    // 16+ stops at 10 nested files; 15 has no limit.
    if (major >= 16) {
      expect(error(20)).toMatchObject({ code: 'AUTH_FILE_DEPTH_EXCEEDED', message: `could not open file "${join(dir, 'chain/c11.list')}": maximum nesting depth exceeded` });
      expect(rule(21)?.database).toEqual(['c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8', 'c9', 'c10', 'c11']);
      expect(rule(18)?.database).toEqual(['db1', 'db2', 'db3', '"all"', 'x']);
      expect(error(17)).toMatchObject({ code: 'HBA_INVALID_REGEX', message: 'invalid regular expression "a(": parentheses () not balanced' });
    } else {
      expect(rule(20)?.database).toEqual(['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8', 'c9', 'c10', 'c11']);
      expect(rule(18)?.database).toEqual(['include', 'dbs.list']);
      expect(rule(17)?.database).toEqual(['/a(']);
    }
    // matchRule reads expanded lists from a file set, and asks about them given the file alone.
    expect(matchRule(set, { type: 'local', database: 'db2', user: 'alice' })).toMatchObject({ status: 'matched', rule: { line: 2 } });
    expect(matchRule(set, { type: 'local', database: 'n2', user: 'bob' })).toMatchObject({ status: 'matched', rule: { line: 3 } });
    const alone = HbaFile.parse(text, { major });
    expect(matchRule(alone, { type: 'local', database: 'db2', user: 'alice' })).toMatchObject({ status: 'unresolved', question: { kind: 'file', file: 'dbs.list' } });
  });

  // 13 does not fail cleanly: the backend crashes.
  if (major >= 14 && major < 16) {
    it('fails to read a pg_hba.conf whose @file lists itself, where readHbaFileSet reports the recursion', async () => {
      writeAsServer(hbaPath, hbaCorpus.find((f) => f.name === 'at-file-recursion-16.conf')!.text);
      await expect(server.query(hbaSql)).rejects.toThrow(/exceeded maxAllocatedDescs .* while trying to open file/);
      const set = await readHbaFileSet(hbaPath, { major });
      expect(set.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([['AUTH_FILE_RECURSION', 2, 9]]);
    });
  }
});
