// A pg_dump plain-format file of a real schema (functions of every body style, views, triggers,
// sequences, a rule, COPY data with tabs, newlines, backslashes, semicolons and `\.`) loads into
// an empty database through the built-in runner and through psql, and the result is the same
// as the source: pg_dump of the loaded database gives back the dump it was loaded from.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSql, runSql } from '../../../src/sql/index.js';
import { npmBindir, startScratchServer, systemBindir, type ScratchServer } from '../../helpers/scratch-server.js';

let server: ScratchServer;
let folder: string;
let dumpFile: string;
let sourceDump: string;

const schema = `
CREATE SCHEMA "Weird; Schema";
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN positive AS integer CHECK (VALUE > 0);
CREATE SEQUENCE ticket_seq START 100 INCREMENT 5;
CREATE TABLE people (
  id serial PRIMARY KEY,
  name text NOT NULL,
  mood mood DEFAULT 'ok',
  score positive,
  note text DEFAULT E'line one\\nline two; with \\\\ backslash',
  ticket integer DEFAULT nextval('ticket_seq'),
  updated timestamptz
);
CREATE TABLE "Weird; Schema"."odd ""name""" (k text PRIMARY KEY, v jsonb);
CREATE TABLE audit (id bigserial PRIMARY KEY, who text, what text);
CREATE INDEX people_name ON people (lower(name));
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  NEW.updated := '2020-01-01 00:00:00+00';  -- a comment; in a body
  INSERT INTO audit (who, what) VALUES (NEW.name, $q$touched; $$ $q$);
  RETURN NEW;
END
$fn$;
CREATE TRIGGER people_touch BEFORE INSERT OR UPDATE ON people FOR EACH ROW EXECUTE FUNCTION touch();
CREATE FUNCTION add_one(x integer) RETURNS integer LANGUAGE sql IMMUTABLE
BEGIN ATOMIC
  SELECT x + 1;
END;
CREATE FUNCTION classify(x integer) RETURNS text LANGUAGE sql
BEGIN ATOMIC
  SELECT CASE WHEN x > 10 THEN 'big; really' ELSE 'small' END;
END;
CREATE PROCEDURE bump(n integer) LANGUAGE sql
BEGIN ATOMIC
  UPDATE people SET score = score + n;
  INSERT INTO audit (who, what) VALUES ('bump', 'done');
END;
CREATE VIEW happy_people AS SELECT id, name FROM people WHERE mood = 'happy';
CREATE MATERIALIZED VIEW scores AS SELECT name, add_one(score) AS next FROM people;
CREATE RULE audit_delete AS ON DELETE TO people DO ALSO (
  INSERT INTO audit (who, what) VALUES (OLD.name, 'deleted; one');
  INSERT INTO audit (who, what) VALUES (OLD.name, 'deleted; two')
);
COMMENT ON TABLE people IS 'People; with a comment''s quote';
INSERT INTO people (name, mood, score, note) VALUES
  ('ann', 'happy', 1, E'tab\\there'),
  ('bob; drop', 'sad', 20, E'back\\\\slash \\\\. and\\n\\\\.\\nnewline'),
  ('\\.', 'ok', 3, 'dot'),
  ('ünï😀', 'happy', 4, NULL);
INSERT INTO "Weird; Schema"."odd ""name""" VALUES ('a;b', '{"x": "y;z", "q": "\\\\."}');
SELECT setval('ticket_seq', 500);
REFRESH MATERIALIZED VIEW scores;
`;

function pgDump(database: string): string {
  const text = execFileSync(join(systemBindir(), 'pg_dump'), ['-h', server.socketDir, '-U', 'postgres', '--no-owner', database], { encoding: 'utf8' });
  // \restrict keys are random per run (pg_dump 15.14+): compare without them.
  return text.replace(/^\\(un)?restrict \S+$/gm, '\\$1restrict <key>');
}

beforeAll(async () => {
  server = await startScratchServer();
  folder = mkdtempSync('/tmp/pgct-sqldump-');
  await server.query('CREATE DATABASE source');
  await runSql({ host: server.socketDir, port: 5432, user: 'postgres', database: 'source' }, schema);
  sourceDump = pgDump('source');
  dumpFile = join(folder, 'dump.sql');
  writeFileSync(dumpFile, sourceDump);
});

afterAll(async () => {
  await server?.stop();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

describe('a pg_dump plain-format file', () => {
  it('holds what makes it hard: COPY data, BEGIN ATOMIC bodies, dollar quotes and \\restrict', () => {
    expect(sourceDump).toContain('COPY public.people (');
    expect(sourceDump).toMatch(/BEGIN ATOMIC/);
    expect(sourceDump).toContain('AS $_$');
    expect(sourceDump).toMatch(/^\\restrict <key>$/m);
  });

  for (const via of ['node', 'psql'] as const) {
    it(`loads into an empty database via ${via}, and dumps back the same`, async () => {
      const database = `loaded_${via}`;
      await server.query(`CREATE DATABASE ${database} TEMPLATE template0`);
      const config = { host: server.socketDir, port: 5432, user: 'postgres', database };
      const result = await loadSql(config, dumpFile, { via, psql: join(systemBindir(), 'psql') });
      expect(result.files).toEqual([dumpFile]);
      if (via === 'node') expect(result.statements).toBeGreaterThan(40);
      expect(pgDump(database)).toBe(sourceDump);
      // And the objects work: the trigger, the rule, the BEGIN ATOMIC procedure, the sequence.
      await server.query('CALL bump(1)', [], database);
      await server.query("DELETE FROM people WHERE name = 'ann'", [], database);
      const [row] = await server.query("SELECT (SELECT count(*) FROM audit)::int AS audits, classify(20) AS c, nextval('ticket_seq')::int AS t", [], database);
      // 4 copied, 4 by the trigger on bump's UPDATE, 1 by bump itself, 2 by the rule on DELETE.
      expect(row).toEqual({ audits: 4 + 4 + 1 + 2, c: 'big; really', t: 505 });
    });
  }

  it('loads into PostgreSQL 18 (the npm server binaries) via node, objects working', async () => {
    const newer = await startScratchServer({ bindir: npmBindir(18) });
    try {
      expect(newer.major).toBe(18);
      await loadSql({ host: newer.socketDir, port: 5432, user: 'postgres', database: 'postgres' }, dumpFile);
      await newer.query('CALL bump(1)');
      const [row] = await newer.query("SELECT (SELECT count(*) FROM audit)::int AS audits, classify(20) AS c, (SELECT note FROM people WHERE name = 'bob; drop') AS note");
      expect(row).toEqual({ audits: 4 + 4 + 1, c: 'big; really', note: 'back\\slash \\. and\n\\.\nnewline' });
    } finally {
      await newer.stop();
    }
  });
});

