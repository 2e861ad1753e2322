// Regular expressions the server cannot compile, against the server. PostgreSQL compiles `/regex`
// tokens with its own engine (Spencer's ARE) as it reads pg_hba.conf (16+) and pg_ident.conf
// (system user, every major); the parser reports an error only where it is certain that both
// that engine and JavaScript's RegExp refuse the pattern. The table says, for each pattern, what
// the server does and whether we report it; the server is asked about every row, so each
// documented disagreement is a fact of this build. A seeded batch of random patterns then checks
// that we never report what the server accepts, nor another message than the server's.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HbaFile, IdentFile, matchRule } from '../../../src/hba/index.js';
import { startScratchServer, type ScratchServer } from '../../helpers/scratch-server.js';
import { writeAsServer } from './write-as-server.js';

/** How a pattern fares: the server's pg_regerror text (null: it compiles), and whether we report it. */
interface Case {
  pattern: string;
  server: string | null;
  reported: boolean;
}

const EPAREN = 'parentheses () not balanced';
const EBRACK = 'brackets [] not balanced';
const BADRPT = 'quantifier operand invalid';
const BADBR = 'invalid repetition count(s)';
const ERANGE = 'invalid character range';
const EESCAPE = 'invalid escape \\ sequence';

const cases: Case[] = [
  // Both engines refuse: reported, with the server's message.
  { pattern: '(', server: EPAREN, reported: true },
  { pattern: 'a)', server: EPAREN, reported: true },
  { pattern: '^(x', server: EPAREN, reported: true },
  { pattern: '[a', server: EBRACK, reported: true },
  { pattern: '[a\\]', server: EBRACK, reported: true },
  { pattern: '*a', server: BADRPT, reported: true },
  { pattern: 'a**', server: BADRPT, reported: true },
  { pattern: '(a|*b)', server: BADRPT, reported: true },
  { pattern: '^*', server: BADRPT, reported: true },
  { pattern: 'a{2}{3}', server: BADRPT, reported: true },
  { pattern: '(?<=a)*', server: BADRPT, reported: true },
  { pattern: 'a{2,1}', server: BADBR, reported: true },
  { pattern: '[z-a]', server: ERANGE, reported: true },
  { pattern: '[a--]', server: ERANGE, reported: true },
  { pattern: 'a\\', server: EESCAPE, reported: true },
  // Both compile.
  { pattern: '^db_[0-9]+$', server: null, reported: false },
  { pattern: '^(a|b),c$', server: null, reported: false },
  { pattern: '[[:alpha:]]+', server: null, reported: false },
  { pattern: 'a{2,3}', server: null, reported: false },
  { pattern: '(?:ab)+', server: null, reported: false },
  { pattern: 'x*?', server: null, reported: false },
  { pattern: '[]a]', server: null, reported: false },
  { pattern: '\\d+\\.\\w', server: null, reported: false },
  { pattern: 'a{255}', server: null, reported: false },
  { pattern: '(?=a)a(?<!b)', server: null, reported: false },
  // PostgreSQL refuses, JavaScript compiles: not reported (the server rejects the line).
  { pattern: 'a{256}', server: BADBR, reported: false },
  { pattern: 'a{2', server: 'braces {} not balanced', reported: false },
  { pattern: '[]', server: EBRACK, reported: false },
  { pattern: '[^]', server: EBRACK, reported: false },
  { pattern: '[[:alpha:]', server: EBRACK, reported: false },
  { pattern: '[[:foo:]]', server: 'invalid character class', reported: false },
  { pattern: '(?=a)*', server: BADRPT, reported: false },
  { pattern: '(?<n>a)', server: BADRPT, reported: false },
  { pattern: '[a-b-c]', server: ERANGE, reported: false },
  { pattern: '\\k', server: EESCAPE, reported: false },
  { pattern: '\\p{L}', server: EESCAPE, reported: false },
  { pattern: '\\1', server: 'invalid backreference number', reported: false },
  // Both refuse, but the scanner stops at a construct it does not model: not reported.
  { pattern: '(?P<n>a)', server: 'invalid embedded option', reported: false },
  { pattern: '(?', server: BADRPT, reported: false },
  // PostgreSQL compiles, JavaScript refuses: not reported; matchRule asks about them.
  { pattern: '(?i)abc', server: null, reported: false },
  { pattern: '***=(', server: null, reported: false },
  { pattern: '***:(?i)a', server: null, reported: false },
  { pattern: '\\b*', server: null, reported: false },
  { pattern: '(?#note)a', server: null, reported: false },
];

const quoted = (pattern: string): string => `"/${pattern.replaceAll('"', '""')}"`;

/** A deterministic batch of short random patterns over the characters that matter to both engines. */
function randomPatterns(seed: number, count: number): string[] {
  const alphabet = ['(', ')', '[', ']', '{', '}', '*', '+', '?', '|', '^', '$', '\\', 'a', 'z', '-', ',', '0', '2', '3', ':', '=', '<', '!', '[:alpha:]', '(?:', '(?=', '(?<=', 'd', 'w', 'k', 'é'];
  let state = seed;
  const next = (n: number): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state >>> 8) % n;
  };
  const found = new Set<string>();
  while (found.size < count) {
    let pattern = '';
    const length = 1 + next(7);
    for (let i = 0; i < length; i++) pattern += alphabet[next(alphabet.length)];
    found.add(pattern);
  }
  return [...found];
}

/** What the server says of each line (null: it read the line), by line number. */
async function serverErrors(server: ScratchServer, view: 'pg_hba_file_rules' | 'pg_ident_file_mappings'): Promise<Map<number, string | null>> {
  const rows = await server.query<{ line_number: number; error: string | null }>(`select line_number, error from ${view}`);
  return new Map(rows.map((r) => [r.line_number, r.error]));
}

const npmBin = (major: number): string => join(process.cwd(), 'node_modules', `pg-bin-${major}`, 'native', 'bin');

describe.each([
  { major: 15, bindir: undefined },
  { major: 16, bindir: npmBin(16) },
  { major: 18, bindir: npmBin(18) },
])('regular expressions read by PostgreSQL $major and by the parser', ({ major, bindir }) => {
  let server: ScratchServer;
  beforeAll(async () => {
    server = await startScratchServer(bindir ? { bindir } : {});
  });
  afterAll(async () => {
    // stop() removes the whole data directory: no file in it needs restoring first.
    await server?.stop();
  });

  it('has at least 8 patterns of each kind', () => {
    expect(server.major).toBe(major);
    expect(cases.filter((c) => c.reported).length).toBeGreaterThanOrEqual(8);
    expect(cases.filter((c) => c.server === null).length).toBeGreaterThanOrEqual(8);
    expect(cases.filter((c) => c.server !== null && !c.reported).length).toBeGreaterThanOrEqual(8);
  });

  it('agrees with pg_ident_file_mappings on system users, pattern by pattern', async () => {
    const text = cases.map((c) => `map ${quoted(c.pattern)} pg\n`).join('');
    writeAsServer(join(server.dataDir, 'pg_ident.conf'), text);
    const errors = await serverErrors(server, 'pg_ident_file_mappings');
    const ours = IdentFile.parse(text, { major }).diagnostics;
    cases.forEach((c, i) => {
      const line = i + 1;
      const expected = c.server === null ? null : `invalid regular expression "${c.pattern}": ${c.server}`;
      expect({ pattern: c.pattern, server: errors.get(line) }).toEqual({ pattern: c.pattern, server: expected });
      const diagnostic = ours.find((d) => d.line === line);
      expect({ pattern: c.pattern, ours: diagnostic }).toEqual({
        pattern: c.pattern,
        ours: c.reported ? { code: 'IDENT_INVALID_REGEX', line, column: 5, message: expected, raw: text.split('\n')[i] } : undefined,
      });
    });
  });

  if (major >= 16) {
    it('agrees with pg_hba_file_rules on database and user columns, pattern by pattern', async () => {
      const text = cases.map((c, i) => (i % 2 === 0 ? `local ${quoted(c.pattern)} all trust\n` : `local all ${quoted(c.pattern)} trust\n`)).join('');
      writeAsServer(join(server.dataDir, 'pg_hba.conf'), text);
      const errors = await serverErrors(server, 'pg_hba_file_rules');
      const ours = HbaFile.parse(text, { major }).diagnostics;
      cases.forEach((c, i) => {
        const line = i + 1;
        const expected = c.server === null ? null : `invalid regular expression "${c.pattern}": ${c.server}`;
        expect({ pattern: c.pattern, server: errors.get(line) }).toEqual({ pattern: c.pattern, server: expected });
        const diagnostic = ours.find((d) => d.line === line);
        expect({ pattern: c.pattern, code: diagnostic?.code, column: diagnostic?.column, message: diagnostic?.message }).toEqual(
          c.reported
            ? { pattern: c.pattern, code: 'HBA_INVALID_REGEX', column: i % 2 === 0 ? 7 : 11, message: expected }
            : { pattern: c.pattern, code: undefined, column: undefined, message: undefined },
        );
      });
      // What JavaScript cannot compile, matchRule asks about instead of guessing.
      const hba = HbaFile.parse(`local ${quoted('(?i)abc')} all trust\n`, { major });
      expect(matchRule(hba, { type: 'local', database: 'ABC', user: 'u' })).toMatchObject({ status: 'unresolved', question: { kind: 'regex', pattern: '/(?i)abc', value: 'ABC' } });
    });
  }

  it('never reports a pattern the server compiles, nor another message than its own, on random patterns', async () => {
    const patterns = randomPatterns(major, 1500);
    // Every major compiles pg_ident.conf's system users; 16+ pg_hba.conf's database column too.
    const hba = major >= 16;
    const text = patterns.map((p) => (hba ? `local ${quoted(p)} all trust\n` : `map ${quoted(p)} pg\n`)).join('');
    writeAsServer(join(server.dataDir, hba ? 'pg_hba.conf' : 'pg_ident.conf'), text);
    const errors = await serverErrors(server, hba ? 'pg_hba_file_rules' : 'pg_ident_file_mappings');
    const ours = new Map((hba ? HbaFile.parse(text, { major }) : IdentFile.parse(text, { major })).diagnostics.map((d) => [d.line, d.message]));
    const wrong = patterns.filter((p, i) => ours.has(i + 1) && ours.get(i + 1) !== errors.get(i + 1));
    expect(wrong).toEqual([]);
    const refused = patterns.filter((p, i) => errors.get(i + 1) !== null).length;
    // What the scanner gives up on (see the table) stays a small part of what the server refuses.
    expect(ours.size).toBeGreaterThan(refused * 0.85);
    expect(refused).toBeGreaterThan(500);
  });
});
