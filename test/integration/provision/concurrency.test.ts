// Two processes provisioning the same client at once (issue 11, Concurrency): the advisory lock
// makes them take turns, so both succeed with one user, one database and one password.
// The children run the package compiled with the build settings into a temporary folder.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProvisionServer, type ProvisionServer } from './fixtures.js';

const run = promisify(execFile);
let buildDir: string;
let dist: string;
const child = `
const { provision, ConnectionInfo, FileCredentialsStore } = await import(process.env.PGC_DIST);
const grant = await provision(ConnectionInfo.from(JSON.parse(process.env.PGC_TARGET)), {
  client: 'racer', roles: ['race_role'], extensions: ['citext', 'pg_trgm'], credentials: new FileCredentialsStore(process.env.PGC_STORE),
});
process.stdout.write(JSON.stringify({ ...grant.toParameters({ includePassword: true }), schemaPassword: grant.schemaPassword }));
`;

let s: ProvisionServer;
beforeAll(async () => {
  buildDir = mkdtempSync('/tmp/pgct-provision-build-');
  await run('npx', ['tsc', '-p', 'tsconfig.build.json', '--outDir', join(buildDir, 'dist')], { cwd: process.cwd() });
  symlinkSync(join(process.cwd(), 'node_modules'), join(buildDir, 'node_modules'));
  dist = join(buildDir, 'dist', 'index.js');
  s = await startProvisionServer();
}, 120_000);
afterAll(async () => {
  await s?.cleanup();
  if (buildDir !== undefined) rmSync(buildDir, { recursive: true, force: true });
});

describe('provision() from two processes at once', () => {
  it('ends with one user, one database, one password and no error (three rounds)', async () => {
    const options = await s.w.cluster.connectionOptions();
    const env = {
      PATH: process.env.PATH,
      PGC_DIST: dist,
      PGC_TARGET: JSON.stringify({ host: options.host, port: options.port, user: options.user, database: 'postgres' }),
      PGC_STORE: s.store.path,
    };
    for (let round = 0; round < 3; round++) {
      await s.query('DROP DATABASE IF EXISTS racer');
      await s.query('DROP ROLE IF EXISTS racer');
      await s.query('DROP ROLE IF EXISTS racer_schema');
      const results = await Promise.all([0, 1].map(() => run(process.execPath, ['--input-type=module', '-e', child], { env })));
      const [a, b] = results.map((result) => JSON.parse(result.stdout));
      expect(a).toEqual(b);
      expect(a).toMatchObject({ user: 'racer', database: 'racer' });
      expect(await s.query("SELECT rolname FROM pg_roles WHERE rolname LIKE 'rac%' ORDER BY 1")).toEqual([{ rolname: 'race_role' }, { rolname: 'racer' }, { rolname: 'racer_schema' }]);
      expect(await s.query("SELECT count(*)::int AS n FROM pg_database WHERE datname = 'racer'")).toEqual([{ n: 1 }]);
      expect(await s.query("SELECT extname FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 1", [], 'racer')).toEqual([{ extname: 'citext' }, { extname: 'pg_trgm' }]);
      expect(await s.store.get(`${(await s.query<{ id: string }>('SELECT system_identifier::text AS id FROM pg_control_system()'))[0]!.id}/racer`)).toBe(a.password);
    }
  });
});
