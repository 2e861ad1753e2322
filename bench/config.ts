// Benchmark of the postgresql.conf editor on a 10,000-line file, and on one line of 5 MB of
// backslashes inside quotes (issue 10, item 12).
//
// Run it: npm run bench -- config   (bench/run.sh compiles it with tsc, then runs it with node)
//
// Prints, for each operation, the median and best time per operation over the measured runs,
// and the throughput in MB/s of the file's size per median operation. The long line is parsed in
// a fresh node process per case, which reports its time and its peak RSS (getrusage maxrss)
// before and after the parse.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigFile } from '../src/config/index.js';

const here = dirname(fileURLToPath(import.meta.url));
// The bundle runs from /tmp; find the sample next to the source when it can, else build one.
function sampleLines(): string[] {
  for (const base of [join(here, '..'), process.cwd()]) {
    try {
      return readFileSync(join(base, 'test/fixtures/config/samples/postgresql-15.conf.sample'), 'utf8').split('\n');
    } catch {
      // try the next place
    }
  }
  return ['# a comment line', "#work_mem = 4MB\t\t\t\t# min 64kB", ''];
}

/** 10,000 lines: the PostgreSQL 15 sample over and over, with every 10th line an active setting. */
function makeFile(lineCount: number): string {
  const sample = sampleLines();
  const lines: string[] = [];
  for (let i = 0; lines.length < lineCount; i++) {
    if (i % 10 === 0) lines.push(`bench.setting_${i} = '${i} value'\t\t# comment ${i}`);
    else lines.push(sample[i % sample.length]!);
  }
  return `${lines.join('\n')}\n`;
}

function measure(name: string, bytes: number, runs: number, op: () => unknown): void {
  for (let i = 0; i < 5; i++) op();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    op();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  const best = times[0]!;
  const mbPerSecond = bytes / 1e6 / (median / 1000);
  process.stdout.write(
    `${name.padEnd(34)} median ${median.toFixed(2).padStart(8)} ms/op   best ${best.toFixed(2).padStart(8)} ms/op   ${mbPerSecond.toFixed(1).padStart(6)} MB/s\n`,
  );
}

/** One line: `x = '` and 5 MB of backslashes, then a quote (even: the value is 2.5 MB of them; odd: the quote is escaped). */
function makeLongLine(shape: string): string {
  const count = 5_000_000 + (shape === 'odd' ? 1 : 0);
  return `x = '${'\\'.repeat(count)}'\n`;
}

if (process.argv[2] === '--long-line') {
  const text = makeLongLine(process.argv[3]!);
  const before = process.resourceUsage().maxRSS;
  const start = process.hrtime.bigint();
  const conf = ConfigFile.parse(text);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (conf.toString() !== text) throw new Error('round trip failed');
  process.stdout.write(JSON.stringify({ ms, before: before / 1024, after: process.resourceUsage().maxRSS / 1024, diagnostics: conf.diagnostics.length }));
  process.exit(0);
}

const text = makeFile(10_000);
const bytes = Buffer.byteLength(text);
const commentedOut = ConfigFile.parse(text)
  .settings.filter((s) => s.isCommentedOut)
  .map((s) => s.key);
process.stdout.write(`file: 10,000 lines, ${(bytes / 1e6).toFixed(3)} MB; node ${process.version}\n`);

measure('parse + print', bytes, 50, () => {
  if (ConfigFile.parse(text).toString() !== text) throw new Error('round trip failed');
});

const parsed = ConfigFile.parse(text);
measure('print only', bytes, 50, () => parsed.toString());

measure('parse + 100 edits + print', bytes, 30, () => {
  const conf = ConfigFile.parse(text);
  for (let i = 0; i < 100; i++) {
    if (i % 3 === 0) conf.set(`bench.setting_${i * 10}`, `${i}MB`); // rewrite an active line
    else if (i % 3 === 1) conf.set(commentedOut[i % commentedOut.length]!, `${i}`); // uncomment one
    else conf.set(`bench.new_${i}`, `it's ${i}`); // append
  }
  return conf.toString();
});

for (const shape of ['even', 'odd']) {
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--long-line', shape], { encoding: 'utf8', maxBuffer: 1 << 20 });
  const { ms, before, after, diagnostics } = JSON.parse(out) as { ms: number; before: number; after: number; diagnostics: number };
  process.stdout.write(
    `${`5 MB of \\ in quotes (${shape})`.padEnd(34)} ${ms.toFixed(0).padStart(8)} ms        peak RSS ${after.toFixed(0).padStart(5)} MB (${before.toFixed(0)} MB before the parse; ${diagnostics} diagnostic${diagnostics === 1 ? '' : 's'})\n`,
  );
}
