// The server is the oracle: for each file of a corpus, what `pg_file_settings` lists is what
// readConfigFileSet reads (name, value, file, line, error, in order); and after edits made with
// ConfigFile, what the server reads is what we wrote.
import { execFileSync } from 'node:child_process';
import { chownSync, copyFileSync, existsSync, lchownSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigFile, readConfigFileSet } from '../../../src/config/index.js';
import { corpus, type CorpusCase } from '../../fixtures/config/oracle-corpus.js';
import { npmBindir, type ScratchServer, startScratchServer } from '../../helpers/scratch-server.js';

const isRoot = process.getuid?.() === 0;
const owner = isRoot
  ? {
      uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
      gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
    }
  : undefined;

interface Row {
  file: string | null;
  line: number;
  name: string | null;
  setting: string | null;
  error: string | null;
}

function own(path: string): void {
  if (owner) chownSync(path, owner.uid, owner.gid);
}

// Generated documents: real syntax, near misses and junk, on every line ending. Only custom names
// (`corpus.*`) and names that are syntax errors are used, so the server's only complaints are
// syntax errors, which the reader must predict exactly.
const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 8 });
const genName = fc.constantFrom('corpus.a', 'CORPUS.A', 'corpus.b', 'corpus.c_d', 'corpus.é', 'bad-name', 'a.b.c', '1x', 'x$', 'corpus.');
const genSpace = fc.constantFrom('', ' ', '  ', '\t', ' \t', '\r', '\f');
const genBare = fc.constantFrom('4MB', '-1', '0.5', '.5', '.', '1e3', '1.5e3', '1.5GB', 'on', 'en_US.UTF-8', '/tmp', '0x1F', '0x', 'a.b', '*', 'x-y', 'a:b/c', '+', 'ü');
const genQuoted = fc
  .array(fc.oneof(printable, fc.constantFrom("''", '\\\\', "\\'", '\\n', '\\t', '\\101', '\\7', '\\0', '#', '\\', "'")), { maxLength: 4 })
  .map((parts) => `'${parts.join('')}'`);
const genComment = fc.oneof(fc.constant(''), printable.map((s) => `#${s}`));
const genAssignment = fc
  .tuple(genSpace, fc.constantFrom('', '', '#'), genName, genSpace, fc.constantFrom('=', '', ' = ', '=='), genSpace, fc.oneof(genBare, genQuoted), genSpace, genComment)
  .map((parts) => parts.join(''));
const genCleanAssignment = fc
  .tuple(fc.constantFrom('', '  ', '#'), fc.constantFrom('corpus.a', 'Corpus.B', 'corpus.c', 'corpus.d'), fc.constantFrom(' = ', '=', ' ', '\t'), fc.oneof(fc.constantFrom('4MB', '-1', '.5', 'on', 'en_US.UTF-8', '0x1F'), genQuoted), fc.constantFrom('', ' # c', '#'))
  .map((parts) => parts.join(''));
const genLine = fc.oneof({ weight: 5, arbitrary: genCleanAssignment }, { weight: 3, arbitrary: genAssignment }, { weight: 1, arbitrary: genComment }, { weight: 1, arbitrary: printable });
const genDocument = fc
  .tuple(fc.constantFrom('', '', '', '\uFEFF'), fc.array(fc.tuple(genLine, fc.constantFrom('\n', '\r\n')), { minLength: 1, maxLength: 8 }), fc.boolean())
  .map(([bom, lines, isEnded]) => {
    const text = bom + lines.map(([l, e]) => l + e).join('');
    return isEnded ? text : text.replace(/\r?\n$/, '');
  });

// PostgreSQL 15 (the system's) is the oracle the issue names; the npm builds of every other
// supported major show that the reader is right for them too (given `major`: 13 and 14 keep `..`
// inside include paths).
const servers: Array<[string, string | undefined]> = [
  ['15', undefined],
  ['13', npmBindir(13)],
  ['14', npmBindir(14)],
  ['16', npmBindir(16)],
  ['17', npmBindir(17)],
  ['18', npmBindir(18)],
];

describe.each(servers)('PostgreSQL %s', (_major, bindir) => {
  let server: ScratchServer;
  let mainPath: string;
  let autoPath: string;
  let originalMain: string;
  let originalAuto: string;
  const written: string[] = [];

  function writeCase(testCase: CorpusCase): void {
    for (const path of written.splice(0)) rmSync(path, { recursive: true, force: true });
    const data = server.dataDir;
    for (const [relative, content] of Object.entries(testCase.files)) {
      const path = join(data, relative);
      const top = join(data, relative.split('/')[0]!);
      if (relative !== 'postgresql.conf' && !written.includes(top)) written.push(top);
      rmSync(path, { recursive: true, force: true });
      if (content === null) {
        mkdirSync(path, { recursive: true });
        own(path);
        continue;
      }
      if (typeof content === 'object') {
        mkdirSync(dirname(path), { recursive: true });
        symlinkSync(content.symlink, path);
        if (owner) lchownSync(path, owner.uid, owner.gid);
        continue;
      }
      mkdirSync(dirname(path), { recursive: true });
      own(dirname(path));
      writeFileSync(path, content.replaceAll('@DATA@', data), { mode: 0o600 });
      own(path);
    }
    writeFileSync(autoPath, testCase.auto ?? originalAuto, { mode: 0o600 });
    own(autoPath);
  }

  async function serverReading(): Promise<Row[]> {
    const rows = await server.query<{ sourcefile: string | null; sourceline: number; name: string | null; setting: string | null; error: string | null }>(
      'select sourcefile, sourceline, seqno, name, setting, applied, error from pg_file_settings order by seqno',
    );
    // Rows without a file are about the running server (a postmaster setting the file no longer
    // sets "cannot be changed without restarting"), not about what the files say.
    return rows
      .filter((r) => r.sourcefile !== null)
      .map((r) => ({ file: r.sourcefile, line: r.sourceline, name: r.name, setting: r.setting, error: r.error }));
  }

  // The server follows links; pg-cluster reads through one only when told to (see
  // test/unit/fs/symlinks.test.ts): the comparison is made with followSymlinks, and the default
  // reading of a case with a link to a real file is checked to refuse it (below).
  async function ourReading(): Promise<Row[]> {
    const set = await readConfigFileSet(mainPath, { autoConfPath: autoPath, major: server.major, followSymlinks: true });
    return set.entries.map((e) => ({ file: e.file, line: e.line, name: e.name, setting: e.value, error: e.error }));
  }

  async function refusedLinks(): Promise<string[]> {
    const set = await readConfigFileSet(mainPath, { autoConfPath: autoPath, major: server.major });
    return set.entries.filter((e) => e.code === 'CONFIG_INCLUDE_IS_SYMLINK').map((e) => e.file ?? '');
  }

  beforeAll(async () => {
    server = await startScratchServer(bindir === undefined ? {} : { bindir });
    mainPath = join(server.dataDir, 'postgresql.conf');
    autoPath = join(server.dataDir, 'postgresql.auto.conf');
    originalMain = readFileSync(mainPath, 'utf8');
    originalAuto = readFileSync(autoPath, 'utf8');
    copyFileSync(mainPath, `${mainPath}.orig`);
  });

  afterAll(async () => {
    if (server === undefined) return;
    for (const path of written.splice(0)) rmSync(path, { recursive: true, force: true });
    writeFileSync(mainPath, originalMain);
    writeFileSync(autoPath, originalAuto);
    await server.stop();
  });

  describe('pg_file_settings agrees with readConfigFileSet', () => {
    it('has a corpus of at least 20 files', () => {
      expect(corpus.length).toBeGreaterThanOrEqual(20);
    });

    it.each(corpus.map((c) => [c.name, c] as const))('%s', async (_name, testCase) => {
      writeCase(testCase);
      const theirs = await serverReading();
      // Only what a file reader can know: no complaint about unknown names or invalid values.
      expect(theirs.filter((r) => r.error === 'unrecognized configuration parameter' || r.error === 'setting could not be applied')).toEqual([]);
      expect(await ourReading()).toEqual(theirs);
      // A dangling link is nothing to read, for the server and for us; a link to a file is refused.
      const linksToFiles = Object.entries(testCase.files).filter(
        ([relative, content]) => content !== null && typeof content === 'object' && existsSync(join(dirname(join(server.dataDir, relative)), content.symlink)),
      );
      expect((await refusedLinks()).length > 0).toBe(linksToFiles.length > 0);
    });

    it('reads initdb’s own file the same way', async () => {
      writeCase({ name: 'initdb', files: { 'postgresql.conf': originalMain } });
      const theirs = await serverReading();
      expect(theirs.length).toBeGreaterThan(5);
      expect(await ourReading()).toEqual(theirs);
    });
  });

  describe('after edits, the server reads what ConfigFile wrote', () => {
    const edits: Array<[string, (conf: ConfigFile) => void, Record<string, string | undefined>]> = [
      [
        'set existing, commented-out and new settings, with quotes and backslashes',
        (conf) => {
          conf.set('work_mem', '16MB');
          conf.set('search_path', '"$user", public');
          conf.set('application_name', `it's \\here`);
          conf.set('statement_timeout', '5min');
          conf.set('corpus.new', 'a b # not a comment');
          conf.set('Corpus.Path', '/var/run/x');
        },
        { work_mem: '16MB', search_path: '"$user", public', application_name: `it's \\here`, statement_timeout: '5min', 'corpus.new': 'a b # not a comment', 'corpus.path': '/var/run/x' },
      ],
      [
        'unset comments out, unset with remove deletes',
        (conf) => {
          conf.unset('work_mem');
          conf.unset('datestyle', { remove: true });
        },
        { work_mem: undefined, datestyle: undefined, max_wal_size: '1GB' },
      ],
      [
        'update many at once',
        (conf) => {
          conf.update({ lock_timeout: 1000, 'corpus.flag': true, log_min_duration_statement: '250ms', min_wal_size: null });
        },
        { lock_timeout: '1000', 'corpus.flag': 'on', log_min_duration_statement: '250ms', min_wal_size: undefined },
      ],
    ];

    it.each(edits)('%s', async (_name, edit, expected) => {
      writeCase({ name: 'initdb', files: { 'postgresql.conf': originalMain } });
      const conf = await ConfigFile.load(mainPath);
      const before = statSync(mainPath);
      edit(conf);
      await conf.save();
      // save() keeps the owner and mode of the file it replaces.
      const after = statSync(mainPath);
      expect([after.uid, after.gid, after.mode]).toEqual([before.uid, before.gid, before.mode]);
      expect(readFileSync(mainPath, 'utf8')).toBe(conf.toString());
      const theirs = await serverReading();
      expect(theirs.filter((r) => r.error !== null)).toEqual([]);
      expect(await ourReading()).toEqual(theirs);
      const effective = new Map<string, string | null>();
      for (const row of theirs) if (row.name !== null) effective.set(row.name.toLowerCase(), row.setting);
      for (const [name, value] of Object.entries(expected)) {
        expect(effective.get(name.toLowerCase())).toBe(value);
        expect(conf.get(name)).toBe(value);
      }
    });

    it('a setting from an included file: the error points where the server reads it; inMainFile wins', async () => {
      writeCase({
        name: 'included',
        files: { 'postgresql.conf': `${originalMain}include_dir 'conf.d'\n`, 'conf.d': null, 'conf.d/tuning.conf': '# tuning\nwork_mem = 32MB\n' },
      });
      const conf = await ConfigFile.load(mainPath);
      const row = (await serverReading()).findLast((r) => r.name === 'work_mem')!;
      expect(row.setting).toBe('32MB');
      expect(() => conf.set('work_mem', '48MB')).toThrow(expect.objectContaining({ code: 'CONFIG_SET_IN_INCLUDED_FILE', file: row.file, line: row.line }));
      conf.set('work_mem', '48MB', { inMainFile: true });
      await conf.save();
      const theirs = await serverReading();
      expect(await ourReading()).toEqual(theirs);
      expect(theirs.findLast((r) => r.name === 'work_mem')?.setting).toBe('48MB');
    });

    it('a Latin-1 file: the server reads its bytes as we read them, and an edit keeps the other lines\' bytes', async () => {
      writeCase({ name: 'initdb', files: { 'postgresql.conf': originalMain } });
      const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');
      // A comment, a value, a name and an octal escape (`\\351`, the byte 0xE9), all Latin-1.
      const extra = "# r\xe9glages de l'\xe9quipe\ncorpus.latin = 'caf\xe9'  # \xe0 v\xe9rifier\ncorpus.octal = 'caf\\351'\ncorpus.\xe9t\xe9 = on\nwork_mem = 4MB\n";
      const original = Buffer.concat([Buffer.from(originalMain, 'utf8'), latin1(extra)]);
      writeFileSync(mainPath, original);
      own(mainPath);

      // Both sides as bytes: node-postgres would decode the server's Latin-1 bytes as UTF-8.
      const serverBytes = async (): Promise<Array<[string | null, number, string | null, string | null, string | null]>> =>
        (
          await server.query<{ sourcefile: string | null; sourceline: number; name: string | null; setting: string | null; error: string | null }>(
            "select sourcefile, sourceline, encode(textsend(name), 'hex') as name, encode(textsend(setting), 'hex') as setting, error from pg_file_settings order by seqno",
          )
        )
          .filter((r) => r.sourcefile !== null)
          .map((r) => [r.sourcefile, r.sourceline, r.name, r.setting, r.error]);
      const ourBytes = async (): Promise<Array<[string | null, number, string | null, string | null, string | null]>> =>
        (await readConfigFileSet(mainPath, { autoConfPath: autoPath, major: server.major })).entries.map((e) => [
          e.file,
          e.line,
          e.name === null ? null : latin1(e.name).toString('hex'),
          e.value === null ? null : latin1(e.value).toString('hex'),
          e.error,
        ]);
      const hex = (text: string): string => latin1(text).toString('hex');

      const theirs = await serverBytes();
      expect(theirs.filter((r) => r[2] === hex('corpus.latin') || r[2] === hex('corpus.octal')).map((r) => r[3])).toEqual([hex('caf\xe9'), hex('caf\xe9')]);
      expect(theirs.some((r) => r[2] === hex('corpus.\xe9t\xe9'))).toBe(true);
      expect(await ourBytes()).toEqual(theirs);

      const conf = await ConfigFile.load(mainPath);
      expect(conf.encoding).toBe('latin1');
      expect([conf.get('corpus.latin'), conf.get('corpus.octal'), conf.get('corpus.été')]).toEqual(['café', 'café', 'on']);
      conf.set('work_mem', '9MB').set('corpus.new', 'naïve à souhait');
      expect(() => conf.set('corpus.euro', '5 €')).toThrow(expect.objectContaining({ code: 'CONFIG_NOT_ENCODABLE' }));
      await conf.save();
      const lines = (bytes: Buffer): string[] => bytes.toString('latin1').split('\n');
      const written = lines(readFileSync(mainPath));
      const before = lines(original);
      // Only the edited line differs; the new one is appended, in Latin-1.
      expect(written.filter((line, i) => line !== before[i])).toEqual(['work_mem = 9MB', "corpus.new = 'na\xefve \xe0 souhait'", '']);
      const after = await serverBytes();
      expect(await ourBytes()).toEqual(after);
      expect(after.findLast((r) => r[2] === hex('corpus.new'))?.[3]).toBe(hex('na\xefve \xe0 souhait'));
      expect(after.findLast((r) => r[2] === hex('work_mem'))?.[3]).toBe(hex('9MB'));
      expect(after.filter((r) => r[4] !== null)).toEqual([]);
    });

    it('edits of the whole corpus read back the same in the server', async () => {
      // Single-file cases (postgresql.auto.conf would override the main file, as it should).
      for (const testCase of corpus.filter((c) => c.auto === undefined && Object.keys(c.files).every((f) => f === 'postgresql.conf'))) {
        writeCase(testCase);
        const conf = await ConfigFile.load(mainPath);
        if (conf.diagnostics.some((d) => d.severity === 'error')) continue;
        conf.set('corpus.edited', `it's ${testCase.name}`);
        conf.set('work_mem', '7MB');
        await conf.save();
        const theirs = await serverReading();
        expect(await ourReading(), testCase.name).toEqual(theirs);
        const last = new Map(theirs.filter((r) => r.name !== null).map((r) => [r.name!.toLowerCase(), r.setting]));
        expect(last.get('corpus.edited'), testCase.name).toBe(`it's ${testCase.name}`);
        expect(last.get('work_mem'), testCase.name).toBe('7MB');
      }
    });
  });

  describe('generated documents: pg_file_settings agrees with readConfigFileSet', () => {
    const documents = fc.sample(genDocument, { numRuns: 300, seed: 20261123 });

    it('generates documents with syntax errors and with settings', () => {
      const parsed = documents.map((d) => ConfigFile.parse(d));
      expect(parsed.filter((c) => c.diagnostics.some((d) => d.severity === 'error')).length).toBeGreaterThan(50);
      expect(parsed.filter((c) => c.entries().length > 1).length).toBeGreaterThan(50);
    });

    it('reads all 300 the same way as the server', async () => {
      const mismatches: Array<{ text: string; ours: Row[]; theirs: Row[] }> = [];
      for (const text of documents) {
        writeCase({ name: 'generated', files: { 'postgresql.conf': text } });
        const theirs = await serverReading();
        expect(theirs.filter((r) => r.error !== null && r.error !== 'syntax error')).toEqual([]);
        const ours = await ourReading();
        if (!isDeepStrictEqual(ours, theirs)) mismatches.push({ text, ours, theirs });
      }
      expect(mismatches.slice(0, 3)).toEqual([]);
    });
  });
});
