import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTemporaryCluster, loadSql, runSql } from '../../../../src/index.js';

const root = await mkdtemp('/tmp/pgct-example-');
await mkdir(join(root, 'migrations'));
await writeFile(
  join(root, 'migrations', '001_schema.sql'),
  `-- Tables, a function with a dollar-quoted body, and seed rows as pg_dump writes them.
CREATE TABLE authors (id serial PRIMARY KEY, name text NOT NULL);
CREATE FUNCTION shout(t text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  RETURN upper(t) || '!';  -- semicolons in here do not end the statement
END
$$;
COPY authors (name) FROM stdin;
Ada; Countess of Lovelace
Grace Hopper
\\.
`,
);
await writeFile(join(root, 'migrations', '002_view.sql'), 'CREATE VIEW loud AS SELECT shout(name) AS name FROM authors;\n');

const cluster = await createTemporaryCluster();
try {
  // A folder runs its *.sql files in name order; a glob ('migrations/*.sql') works the same.
  const result = await loadSql(cluster, 'migrations', { cwd: root });
  console.log(result.files.map((file) => file.slice(root.length + 1)), result.statements);

  // SQL text with several statements, on a client, a pool or anything with clientConfig().
  await runSql(cluster, "INSERT INTO authors (name) VALUES ('Edsger'); UPDATE authors SET name = name || ' W.' WHERE name = 'Edsger';");
  console.log(await cluster.query('SELECT name FROM loud ORDER BY name'));
} finally {
  await cluster.dispose();
  await rm(root, { recursive: true });
}
