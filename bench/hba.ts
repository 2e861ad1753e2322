// Benchmark of src/hba: parse + print, and 1,000 inserts, on a 5,000-rule pg_hba.conf; and
// parse of one record continued over physical lines (`host all all 127.0.0.1/32 trust \`) of
// 0.25 to 2 MB (issue 10, item 12).
//
// Run it: npm run bench -- hba   (bench/run.sh compiles it with tsc, then runs it with node)
//
// Prints medians over several runs (wall clock of this process; compare figures from one run).
import { performance } from 'node:perf_hooks';
import { HbaFile, matchRule } from '../src/hba/index.js';

function makeFile(rules: number): string {
  const lines = ['# TYPE  DATABASE        USER            ADDRESS                 METHOD', ''];
  for (let i = 0; i < rules; i++) {
    if (i % 10 === 0) lines.push(`# block ${i / 10}`);
    if (i % 7 === 0) lines.push(`local   db${i}            user${i}                                 peer`);
    else lines.push(`host    db${i},shared     user${i}           10.${(i >> 8) & 255}.${i & 255}.0/24           scram-sha-256`);
  }
  lines.push('host    all             all             all                     reject', '');
  return lines.join('\n');
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function time(fn: () => void): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

/** A small deterministic generator, so every run inserts at the same places. */
function lcg(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const text = makeFile(5000);
const runs = 7;
const parsePrint: number[] = [];
for (let r = 0; r < runs; r++) {
  parsePrint.push(
    time(() => {
      const hba = HbaFile.parse(text);
      if (hba.toString() !== text) throw new Error('round trip failed');
    }),
  );
}

const inserts: number[] = [];
let finalLength = 0;
for (let r = 0; r < runs; r++) {
  const hba = HbaFile.parse(text);
  const random = lcg(42);
  inserts.push(
    time(() => {
      for (let i = 0; i < 1000; i++) {
        const at = Math.floor(random() * (hba.length + 1));
        hba.insert(at, { type: 'host', database: `new${i}`, user: 'app', address: `192.168.${i % 256}.0/24`, method: 'scram-sha-256' });
      }
    }),
  );
  finalLength = hba.length;
}

const hba = HbaFile.parse(text);
const finds = median(Array.from({ length: runs }, () => time(() => hba.index({ database: 'db4999' }, { contains: true }))));
const matches = median(Array.from({ length: runs }, () => time(() => matchRule(hba, { type: 'host', database: 'x', user: 'y', address: '8.8.8.8' }))));

const kib = Buffer.byteLength(text) / 1024;
console.log(`file: ${hba.length} rules, ${text.split('\n').length} lines, ${kib.toFixed(0)} KiB; median of ${runs} runs`);
console.log(`parse + print:         ${median(parsePrint).toFixed(1)} ms`);
console.log(`1,000 inserts:         ${median(inserts).toFixed(1)} ms (${((median(inserts) / 1000) * 1000).toFixed(0)} µs each; ${finalLength} rules after)`);
console.log(`index() scanning all:  ${finds.toFixed(1)} ms`);
console.log(`matchRule (last rule): ${matches.toFixed(1)} ms`);

// One long continued record. A run over 5 s is not repeated (the quadratic code before the fix
// took minutes at 2 MB): its one time is printed.
const LINE = 'host all all 127.0.0.1/32 trust \\\n';
for (const mb of [0.25, 0.5, 1, 2]) {
  const record = `${LINE.repeat(Math.ceil((mb * 1024 * 1024) / LINE.length))}host all all 127.0.0.1/32 trust\n`;
  const times: number[] = [];
  for (let r = 0; r < runs && (times.length === 0 || times[0]! < 5000); r++) {
    times.push(
      time(() => {
        if (HbaFile.parse(record).toString() !== record) throw new Error('round trip failed');
      }),
    );
  }
  const ms = median(times);
  const bytes = Buffer.byteLength(record);
  console.log(`${`one ${mb} MB record:`.padEnd(23)}${ms.toFixed(1)} ms, ${(bytes / 1e6 / (ms / 1000)).toFixed(1)} MB/s (${bytes.toLocaleString('en')} bytes, ${times.length} run${times.length === 1 ? '' : 's'})`);
}
