// Benchmark: loadSql() of a large SQL file through the built-in runner and through psql, on a
// throwaway cluster of the default installation; and splitSql() alone.
//
//     npm run bench -- sql-files [--rounds 5] [--statements 20000]     (bench/run.sh sql-files)
//
// Not a test: it asserts nothing. The file holds `--statements` statements (CREATE TABLE with an
// index, INSERTs, UPDATEs, plpgsql functions with dollar quotes, comments) in one transaction,
// as migrations and dumps usually are, then a COPY … FROM stdin of 50,000 rows. Each round loads
// it into a fresh database by each path (in turns, so both see the same machine load) and
// reports medians: statements per second (the COPY counted as one statement, timed apart as
// rows per second), and the lexer's own speed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadSql, splitSql } from '../src/sql/index.js';
import { createTemporaryCluster } from '../src/throwaway/index.js';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index === -1 ? fallback : Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} takes a positive integer`);
  return value;
}
const rounds = option('rounds', 5);
const statementCount = option('statements', 20_000);
const copyRows = 50_000;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

function statementsFile(): string {
  const parts: string[] = ['BEGIN;'];
  let made = 1;
  for (let table = 0; made < statementCount - 1; table++) {
    parts.push(`-- table ${table}; its index, a function and rows`);
    parts.push(`CREATE TABLE t${table} (id serial PRIMARY KEY, name text NOT NULL, note text DEFAULT E'it\\'s; fine');`);
    parts.push(`CREATE INDEX t${table}_name ON t${table} (lower(name));`);
    parts.push(`CREATE FUNCTION f${table}(x int) RETURNS int LANGUAGE plpgsql AS $fn$\nBEGIN\n  RETURN x + ${table}; -- $$ and ; inside\nEND\n$fn$;`);
    made += 3;
    for (let row = 0; row < 16 && made < statementCount - 1; row++, made++) {
      parts.push(row % 4 === 3 ? `UPDATE t${table} SET note = 'n; ${row}' WHERE id = ${row};` : `INSERT INTO t${table} (name) VALUES ('row ${row}; "quoted"');`);
    }
  }
  parts.push('COMMIT;');
  return `${parts.join('\n')}\n`;
}

function copyFile(): string {
  const rows: string[] = ['CREATE TABLE bulk (id int, name text, note text);', 'COPY bulk FROM stdin;'];
  for (let row = 0; row < copyRows; row++) rows.push(`${row}\tname ${row}; with a semicolon\tnote\\twith a tab`);
  rows.push('\\.');
  return `${rows.join('\n')}\n`;
}

const folder = mkdtempSync(join(tmpdir(), 'pgct-bench-sql-'));
const statementsPath = join(folder, 'statements.sql');
const copyPath = join(folder, 'copy.sql');
const statementsText = statementsFile();
writeFileSync(statementsPath, statementsText);
writeFileSync(copyPath, copyFile());
const counted = splitSql(statementsText).filter((segment) => segment.kind === 'statement').length;

const cluster = await createTemporaryCluster();
const results: Record<string, number[]> = {};
const record = (name: string, value: number): void => {
  (results[name] ??= []).push(value);
};
try {
  const psql = cluster.installation.paths.psql;
  const vias = psql === null ? (['node'] as const) : (['node', 'psql'] as const);
  let database = 0;
  for (let round = 0; round < rounds; round++) {
    for (const via of vias) {
      const name = `bench_${via}_${database++}`;
      await cluster.query(`CREATE DATABASE ${name}`);
      const target = cluster.connectionInfo.withDatabase(name).clientConfig();
      let started = performance.now();
      await loadSql(target, statementsPath, { via, ...(psql ? { psql } : {}) });
      record(`${via}: statements/s`, counted / ((performance.now() - started) / 1000));
      started = performance.now();
      await loadSql(target, copyPath, { via, ...(psql ? { psql } : {}) });
      record(`${via}: COPY rows/s`, copyRows / ((performance.now() - started) / 1000));
      await cluster.query(`DROP DATABASE ${name}`);
    }
    const started = performance.now();
    splitSql(statementsText);
    record('splitSql: MB/s', statementsText.length / 1e6 / ((performance.now() - started) / 1000));
  }
  console.log(
    `loadSql() on PostgreSQL ${cluster.installation.versionInfo.major}, ${cpus().length} cores, median of ${rounds} rounds; ` +
      `${counted} statements (${(statementsText.length / 1e6).toFixed(1)} MB) in one transaction, COPY of ${copyRows} rows` +
      (psql === null ? ' (no psql in this installation: node only)' : ''),
  );
  for (const [name, values] of Object.entries(results)) {
    console.log(`${name.padEnd(24)} ${Math.round(median(values)).toString().padStart(10)}   (min ${Math.round(Math.min(...values))}, max ${Math.round(Math.max(...values))})`);
  }
} finally {
  await cluster.dispose();
  rmSync(folder, { recursive: true, force: true });
}
