// PostgreSQL 16+ syntax against the npm build of 18: include, include_if_exists and include_dir
// records, regular expressions in the database and user columns, and the rule_number /
// file_name columns. The server follows the includes; HbaFile reports them as entries of their
// own kind, and this test follows them the same way to compare whole views.
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HbaFile, IdentFile, matchRule } from '../../../src/hba/index.js';
import { toServerString } from '../../../src/hba/hba-rule.js';
import { npmBindir, startScratchServer, type ScratchServer } from '../../helpers/scratch-server.js';
import { buildFacts } from './server-facts.js';
import { expectedHbaRows } from './view-rows.js';
import { writeAsServer } from './write-as-server.js';

type Row = Record<string, unknown>;

/** Files an include record names, in the order the server reads them. */
function includedFiles(from: string, include: { kind: string; path: string }): string[] {
  const target = resolve(dirname(from), include.path);
  if (include.kind === 'include') return [target];
  if (include.kind === 'include_if_exists') return existsSync(target) ? [target] : [];
  return readdirSync(target)
    .filter((name) => name.endsWith('.conf') && !name.startsWith('.'))
    .sort()
    .map((name) => join(target, name));
}

function hbaRows(path: string, unsupportedMethods: string[]): Row[] {
  const hba = HbaFile.parse(readFileSync(path, 'utf8'), { major: 18, unsupportedMethods });
  const own = expectedHbaRows(hba, { ssl: false, gssEncryption: false }).map((r) => ({ file_name: path, ...r }) as Row);
  const nested = hba.includes.map((inc) => ({ line: inc.line, rows: includedFiles(path, inc).flatMap((f) => hbaRows(f, unsupportedMethods)) }));
  // Rows of an included file take the place of the include record.
  const out: Row[] = [];
  for (const row of own) {
    for (const n of nested.filter((x) => x.line < (row.line_number as number) && !out.includes(x.rows[0] as Row))) out.push(...n.rows);
    out.push(row);
  }
  for (const n of nested) if (n.rows.length > 0 && !out.includes(n.rows[0]!)) out.push(...n.rows);
  return out;
}

function numbered(rows: Row[]): Row[] {
  let n = 0;
  return rows.map((r) => ({ rule_number: r.error === null ? ++n : null, ...r }));
}

const isRoot = process.getuid?.() === 0;
function mkdirAsServer(path: string): void {
  mkdirSync(path);
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(path, uid, gid);
  }
}

describe('PostgreSQL 18 and HbaFile on 16+ syntax', () => {
  let server: ScratchServer;
  let facts: Awaited<ReturnType<typeof buildFacts>>;
  let hbaPath: string;

  beforeAll(async () => {
    server = await startScratchServer({ bindir: npmBindir(18) });
    facts = await buildFacts(server);
    hbaPath = join(server.dataDir, 'pg_hba.conf');
  });
  afterAll(async () => {
    // stop() removes the whole data directory: no file in it needs restoring first.
    await server?.stop();
  });

  it('agrees on includes, regular expressions, rule numbers and file names', async () => {
    const dir = server.dataDir;
    mkdirAsServer(join(dir, 'conf.d'));
    writeAsServer(join(dir, 'extra.conf'), 'local   db_extra   all   md5\nhost all all 10.0.0.0/8 bogus\n');
    writeAsServer(join(dir, 'conf.d', '02-second.conf'), 'local   second   all   trust\n');
    writeAsServer(join(dir, 'conf.d', '01-first.conf'), '# first\nlocal   first   "/^u,x$"   md5\n');
    writeAsServer(join(dir, 'conf.d', 'ignored.txt'), 'not read\n');
    const main = [
      'local   all   postgres   trust',
      'include extra.conf',
      'include_if_exists missing.conf',
      'include_dir conf.d',
      'local   /^db_[0-9]+$   all   md5',
      'local   "/^(a|b),c$",app   /^adm   scram-sha-256',
      'include',
      'host    all   all   ::1/128   scram-sha-256',
      '',
    ].join('\n');
    writeAsServer(hbaPath, main);
    const rows = await server.query(
      'select rule_number, file_name, line_number, type, database, user_name, address, netmask, auth_method, options, error from pg_hba_file_rules',
    );
    expect(rows.map((r) => [r.file_name, r.line_number])).toEqual([
      [hbaPath, 1],
      [join(dir, 'extra.conf'), 1],
      [join(dir, 'extra.conf'), 2],
      [join(dir, 'conf.d', '01-first.conf'), 2],
      [join(dir, 'conf.d', '02-second.conf'), 1],
      [hbaPath, 5],
      [hbaPath, 6],
      [hbaPath, 7],
      [hbaPath, 8],
    ]);
    expect(numbered(hbaRows(hbaPath, facts.unsupportedMethods))).toEqual(rows);
    const hba = HbaFile.parse(main, { major: 18 });
    expect(hba.includes.map((i) => [i.kind, i.path, i.line])).toEqual([
      ['include', 'extra.conf', 2],
      ['include_if_exists', 'missing.conf', 3],
      ['include_dir', 'conf.d', 4],
    ]);
    expect(matchRule(hba, { type: 'local', database: 'db_42', user: 'x' })).toMatchObject({ status: 'matched', index: 1 });
    expect(matchRule(hba, { type: 'local', database: 'b,c', user: 'admin' })).toMatchObject({ status: 'matched', index: 2 });
  });

  it('agrees on pg_ident.conf includes and map numbers', async () => {
    const dir = server.dataDir;
    const identPath = join(dir, 'pg_ident.conf');
    writeAsServer(join(dir, 'ident-extra.conf'), 'extra   /^(.*)@x$   \\1\nbroken\n');
    writeAsServer(identPath, 'map1 sys1 pg1\ninclude ident-extra.conf\nmap2 "sys 2" "all"\n');
    const rows = await server.query('select map_number, file_name, line_number, map_name, sys_name, pg_username, error from pg_ident_file_mappings');
    const fileRows = (path: string) => {
      const ident = IdentFile.parse(readFileSync(path, 'utf8'), { major: 18 });
      return [
        ...ident.mappings().map((m) => ({ file_name: path, line_number: m.line, map_name: m.map, sys_name: m.systemUser, pg_username: toServerString(m.pgUser), error: null as string | null })),
        ...ident.diagnostics.map((d) => ({ file_name: path, line_number: d.line, map_name: null, sys_name: null, pg_username: null, error: d.message })),
      ].sort((a, b) => a.line_number - b.line_number);
    };
    const main = fileRows(identPath);
    const ours = [main[0]!, ...fileRows(join(dir, 'ident-extra.conf')), main[1]!];
    expect(rows).toHaveLength(4);
    let n = 0;
    expect(ours.map((r) => ({ map_number: r.error === null ? ++n : null, ...r }))).toEqual(rows);
  });
});
