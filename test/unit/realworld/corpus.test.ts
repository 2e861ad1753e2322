// The real-world corpus: 40 postgresql.conf and 40 pg_hba.conf files from public projects, with
// what PostgreSQL 15 read from each (pg_file_settings, pg_hba_file_rules, `postgres -C`), stored
// by the corpus's own generate.sh. Our reading of each file must be the server's.
//
// The corpus is not part of this repository. It is found, in this order, at
// $PG_CLUSTER_REALWORLD_CORPUS, or at `shared/realworld-corpus` beside the repository root or
// beside one of its parent folders (`../shared/realworld-corpus` for a checkout next to the
// shared folder). Without it the tests skip, saying so in their names. The expectations need no
// server, so this runs with the unit tests.
//
// What a parse cannot know is not a disagreement but an exception, listed with its reason and
// counted in the summary: a parameter PostgreSQL 15 does not have, a value it refuses (locales
// this machine lacks), and a setting it could not apply to a running server.
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigFile, readConfigFileSet } from '../../../src/config/index.js';
import { parseMemory } from '../../../src/config/config-units.js';
import { HbaFile } from '../../../src/hba/index.js';
import { expectedHbaRows, type HbaViewRow } from '../../integration/hba/view-rows.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

function findCorpus(): string | undefined {
  const fromEnv = process.env.PG_CLUSTER_REALWORLD_CORPUS;
  if (fromEnv) {
    // Asked for by name: a wrong path is an error, not a reason to skip.
    if (!existsSync(join(fromEnv, 'README.md'))) throw new Error(`PG_CLUSTER_REALWORLD_CORPUS=${fromEnv} holds no corpus (no README.md)`);
    return resolve(fromEnv);
  }
  for (let dir = repoRoot; ; dir = dirname(dir)) {
    const candidate = join(dir, '..', 'shared', 'realworld-corpus');
    if (existsSync(join(candidate, 'README.md'))) return resolve(candidate);
    if (dirname(dir) === dir) return undefined;
  }
}

const corpus = findCorpus();

interface SettingRow { sourcefile: string; sourceline: number; seqno: number; name: string | null; setting: string | null; applied: boolean; error: string | null }
interface ConfExpectation { server_version: string; file_settings: SettingRow[]; postgres_C_work_mem: { exit_code: number; accepted: boolean; stdout: string; stderr: string } }
interface HbaExpectation { server_version: string; rules: HbaViewRow[] }

function filesOf(kind: 'conf' | 'hba'): string[] {
  if (!corpus) return [];
  return readdirSync(join(corpus, kind)).filter((n) => !n.endsWith('.expected.json')).sort();
}

/** The bytes as HbaFile.load and ConfigFile.load decode them: UTF-8 when valid, else Latin-1. */
function decode(bytes: Buffer): { text: string; encoding: 'utf8' | 'latin1' } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes), encoding: 'utf8' };
  } catch {
    return { text: bytes.toString('latin1'), encoding: 'latin1' };
  }
}

function read<T>(kind: 'conf' | 'hba', name: string): { bytes: Buffer; text: string; encoding: 'utf8' | 'latin1'; expected: T } {
  const bytes = readFileSync(join(corpus!, kind, name));
  return { bytes, ...decode(bytes), expected: JSON.parse(readFileSync(join(corpus!, kind, `${name}.expected.json`), 'utf8')) as T };
}

/** Exceptions found, by kind: what the server did that no parse of the file can tell. */
const exceptions: Array<{ file: string; line: number | null; reason: string }> = [];

describe.skipIf(!corpus)(`the real-world corpus (${corpus ?? 'not found: set PG_CLUSTER_REALWORLD_CORPUS'}), read as PostgreSQL 15 read it`, () => {
  it('holds 40 postgresql.conf and 40 pg_hba.conf files, each with what PostgreSQL 15 read', () => {
    expect(filesOf('conf')).toHaveLength(40);
    expect(filesOf('hba')).toHaveLength(40);
    for (const kind of ['conf', 'hba'] as const) {
      for (const name of filesOf(kind)) expect(read<{ server_version: string }>(kind, name).expected.server_version).toMatch(/^15\./);
    }
  });

  for (const name of filesOf('hba')) {
    it(`pg_hba.conf ${name}: the same rules and options, a diagnostic on every line the server rejects, the bytes back`, () => {
      const { bytes, text, encoding, expected } = read<HbaExpectation>('hba', name);
      const hba = HbaFile.parse(text, { major: 15 });
      expect(Buffer.from(hba.toString(), encoding)).toEqual(bytes);
      // generate.sh ran Debian's 15 (GSSAPI built in) with ssl = on: no hostssl/hostgssenc warnings.
      expect(expectedHbaRows(hba, { ssl: true, gssEncryption: true })).toEqual(expected.rules);
      // The rows say it; this says it again in the words of the issue: a rejected line (an error,
      // or every column NULL) is a diagnostic on that line, an accepted one is not.
      const rejected = expected.rules.filter((r) => r.error !== null || r.type === null).map((r) => r.line_number);
      expect(hba.diagnostics.map((d) => d.line)).toEqual(rejected);
    });
  }

  for (const name of filesOf('conf')) {
    it(`postgresql.conf ${name}: the same assignments, errors and includes, postgres -C explained, the bytes back`, async () => {
      const { bytes, text, encoding, expected } = read<ConfExpectation>('conf', name);
      const conf = ConfigFile.parse(text, { encoding });
      expect(Buffer.from(conf.toString(), encoding)).toEqual(bytes);
      const rows = expected.file_settings.filter((r) => r.sourcefile === name);
      const active = conf.settings.filter((s) => !s.isCommentedOut);
      // None of the 40 has a syntax error; where the server stops reading, we would stop comparing.
      expect(rows.filter((r) => r.error === 'syntax error')).toEqual([]);
      expect(conf.diagnostics).toEqual([]);
      expect(active.map((s) => [s.line, s.key, s.value])).toEqual(rows.filter((r) => r.name !== null).map((r) => [r.sourceline, r.name!.toLowerCase(), r.setting]));
      for (const r of rows.filter((x) => x.error === 'setting could not be applied')) {
        exceptions.push({ file: name, line: r.sourceline, reason: `${r.name}: could not be applied to the running server (postmaster context or locale)` });
      }
      // Rows without a name are include directives that failed: each is one of our includes.
      const unnamed = rows.filter((r) => r.name === null);
      expect(unnamed.map((r) => r.sourceline).every((line) => conf.includes.some((i) => i.line === line))).toBe(true);

      // readConfigFileSet on the file alone, as a data directory's postgresql.conf.
      const dir = mkdtempSync(join(tmpdir(), 'pgct-realworld-'));
      let setErrors: string[];
      try {
        copyFileSync(join(corpus!, 'conf', name), join(dir, 'postgresql.conf'));
        const set = await readConfigFileSet(join(dir, 'postgresql.conf'), { autoConfPath: null });
        const errors = set.entries.filter((e) => e.name == null);
        expect(errors.map((e) => [e.line, String(e.error).replaceAll(`${dir}/`, '')])).toEqual(unnamed.map((r) => [r.sourceline, r.error]));
        expect(set.entries.filter((e) => e.name != null)).toHaveLength(rows.length - unnamed.length);
        setErrors = errors.map((e) => String(e.error));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }

      // postgres -C work_mem: accepted with the value we read, or refused for reasons each line of
      // its log names: an include we report too, or one a parse cannot know (listed as exceptions).
      const outcome = expected.postgres_C_work_mem;
      if (outcome.accepted) {
        expect(setErrors).toEqual([]);
        const workMem = active.filter((s) => s.key === 'work_mem').at(-1);
        expect(outcome.stdout).toBe(String(workMem ? parseMemory(workMem.value, { unit: 'kB' }) / 1024 : 4096));
        return;
      }
      expect(outcome.exit_code).not.toBe(0);
      const logLines = outcome.stderr.split('\n').filter((l) => l.startsWith('LOG:  ') && !l.includes('skipping missing configuration file'));
      expect(logLines.length).toBeGreaterThan(0);
      for (const log of logLines) {
        const unknown = /unrecognized configuration parameter "([^"]+)" in file "[^"]+" line (\d+)/.exec(log);
        const invalid = /invalid value for parameter "([^"]+)": "([^"]*)"/.exec(log);
        if (log.includes('could not open configuration directory')) {
          expect(setErrors.some((e) => e.includes('could not open'))).toBe(true);
        } else if (unknown) {
          expect(active.some((s) => s.key === unknown[1]!.toLowerCase() && s.line === Number(unknown[2]))).toBe(true);
          exceptions.push({ file: name, line: Number(unknown[2]), reason: `${unknown[1]}: a parameter PostgreSQL 15 does not have` });
        } else if (invalid) {
          expect(active.some((s) => s.key === invalid[1]!.toLowerCase() && s.value === invalid[2])).toBe(true);
          exceptions.push({ file: name, line: active.find((s) => s.key === invalid[1]!.toLowerCase())!.line, reason: `${invalid[1]} = '${invalid[2]}': a value the server refuses (no such locale on the machine that made the expectations)` });
        } else {
          expect.fail(`postgres -C refused ${name} for a reason this test does not know: ${log}`);
        }
      }
    });
  }

  it('lists every exception (what only the server can know), counted', () => {
    const byReason = new Map<string, number>();
    for (const e of exceptions) {
      const kind = e.reason.replace(/^[^:]*: /, '');
      byReason.set(kind, (byReason.get(kind) ?? 0) + 1);
    }
    // Printed on purpose: the list is the point of this test (a test file may print; src may not).
    console.info(`realworld exceptions (${exceptions.length}):\n${exceptions.map((e) => `  ${e.file}:${e.line ?? '-'} ${e.reason}`).join('\n')}`);
    expect(Object.fromEntries(byReason)).toEqual({
      'could not be applied to the running server (postmaster context or locale)': expect.any(Number),
      'a parameter PostgreSQL 15 does not have': expect.any(Number),
      'a value the server refuses (no such locale on the machine that made the expectations)': expect.any(Number),
    });
  });
});

describe.skipIf(corpus !== undefined)('the real-world corpus', () => {
  it.skip('is not here (set PG_CLUSTER_REALWORLD_CORPUS, or put it at ../shared/realworld-corpus): its tests are skipped', () => {});
});
