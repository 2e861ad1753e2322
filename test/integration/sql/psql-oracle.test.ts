// psql as the oracle of the splitter: `psql -e` echoes every query it sends, exactly, each
// followed by a newline. For tricky scripts, and for scripts fast-check generates from the
// characters that matter, the statements splitSql finds (as psql would send them,
// psqlQueryText) must be what psql sent.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { psqlQueryText, scanSql, splitSql } from '../../../src/sql/sql-lexer.js';
import { startScratchServer, systemBindir, type ScratchServer } from '../../helpers/scratch-server.js';

const run = promisify(execFile);
let server: ScratchServer;
let folder: string;
let sample = 0;

beforeAll(async () => {
  server = await startScratchServer();
  folder = mkdtempSync('/tmp/pgct-sqloracle-');
});

afterAll(async () => {
  await server?.stop();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

/** What psql sends for `script`, each query followed by a newline (errors do not stop it). */
async function psqlSends(script: string): Promise<string> {
  const file = join(folder, `s${++sample}.sql`);
  writeFileSync(file, script);
  const { stdout } = await run(join(systemBindir(), 'psql'), ['-X', '-q', '-e', '-o', '/dev/null', '-h', server.socketDir, '-U', 'postgres', '-d', 'postgres', '-f', file], {
    env: { ...process.env, PGOPTIONS: '-c statement_timeout=2000' },
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

/** What the splitter says psql sends, following `SET standard_conforming_strings` as the runner does. */
function weSend(script: string): string {
  const state = { standardConformingStrings: true };
  let sent = '';
  for (const segment of scanSql(script, state)) {
    if (segment.kind !== 'statement') continue;
    sent += `${psqlQueryText(segment.text, state).text}\n`;
    const set = /^set standard_conforming_strings = (on|off);$/.exec(segment.text);
    if (set) state.standardConformingStrings = set[1] === 'on';
  }
  return sent;
}

const corpus: Record<string, string> = {
  'comments and blank lines': '-- lead; in\n\nselect 1;  select 2 -- tail; x\n\n  , 3;\n/* a /* nested; */ b */ select 4;\n\n\nselect\n\n5\n',
  'strings of every kind': "select 'a;''b', E'c\\';d', e'\\\\', B'1', X'1F', N'x;y', U&'d\\0061;t', \"q;\"\"r\";\nselect 2;",
  'dollar quotes': 'select $$a;b$$, $t$ $$ ; $u$ $t$, $1a$x$1a$;\nselect 2;',
  'BEGIN ATOMIC bodies': [
    'create function f_oracle(x int) returns int language sql',
    'begin atomic',
    '  select 1;',
    '  select case when x > 0 then x else 0 end;',
    'end;',
    'create or replace procedure p_oracle() language sql begin atomic select 1; end;',
    'begin; select 1; commit;',
  ].join('\n'),
  'rules in parentheses': 'create table r_t (x int);\ncreate table r_log (x int);\ncreate rule r_r as on insert to r_t do also (insert into r_log values (1); insert into r_log values (2));\nselect 3;',
  'standard_conforming_strings off then on': "set standard_conforming_strings = off;\nselect 'a\\'; b';\nset standard_conforming_strings = on;\nselect 'c\\';\n",
  'psql variables are left alone': "select :foo, :'bar';\nselect 1::int;",
  'unterminated at the end': "select 1;\nselect 'abc;\n\nselect 2;\n",
  'blank lines inside quotes are kept': "select 'a\n\nb', $$c\n\n$$, \"d\n\ne\";\nselect /* x\n\ny */ 1;",
  'CRLF line ends': 'select 1;\r\n\r\nselect\r\n2;\r\n',
};

describe('splitSql against psql', () => {
  for (const [name, script] of Object.entries(corpus)) {
    it(`sends what psql sends: ${name}`, async () => {
      expect(weSend(script)).toBe(await psqlSends(script));
    });
  }

  it('sends what psql sends, for generated scripts', async () => {
    // Top-level backslashes (psql meta-commands) and COPY are left out: psql runs those itself.
    const pieces = ["'", '"', '$$', '$a$', ';', '\\', '\n', '\n\n', '--', '/*', '*/', 'E', "E'", '(', ')', ' ', 'x', 'begin', 'end', 'case', 'create function', 'atomic', '1', 'select'];
    const scripts = fc
      .array(fc.constantFrom(...pieces), { maxLength: 30 })
      .map((parts) => parts.join(''))
      .filter((script) => !splitSql(script).some((segment) => segment.kind === 'meta-command'));
    await fc.assert(
      fc.asyncProperty(scripts, async (script) => {
        expect(weSend(script)).toBe(await psqlSends(script));
      }),
      { numRuns: 120 },
    );
  });
});
