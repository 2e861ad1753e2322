// pg-cluster tmp's server options and the command's connection: --set/-c, --extension, --tcp
// (PGHOST=127.0.0.1), --ssl (a self-signed certificate, PGSSLMODE=require), progress with
// --verbose, `--` mistakes, and 125 when the cluster cannot be made. Through the compiled command.
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { useCompiledCli } from './compile-throwaway.js';

const run = promisify(execFile);
const storage = mkdtempSync('/tmp/pgct-tmpopt-');
chmodSync(storage, 0o755);
const env = { ...process.env, PG_CLUSTER_STORAGE: join(storage, 'root') };
const mainJs = useCompiledCli();
const isRoot = process.getuid?.() === 0;

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function tmp(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, [mainJs(), 'tmp', ...args], { env: { ...env, ...extraEnv } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

function expectNoClusterLeft(): void {
  expect(readdirSync(join(storage, 'root', 'clusters'))).toEqual([]);
}

afterAll(() => {
  rmSync(storage, { recursive: true, force: true });
});

describe('pg-cluster tmp options', () => {
  it('--set and -c pass server settings; --extension creates extensions', async () => {
    const sql = "SELECT current_setting('work_mem') || ',' || current_setting('application_name') || ',' || current_setting('log_min_duration_statement') || ',' || (SELECT string_agg(extname, ' ' ORDER BY extname) FROM pg_extension)";
    const outcome = await tmp(['--set', 'work_mem=8MB', '-c', 'application_name=a=b', '-c', 'log_min_duration_statement=250', '--extension', 'pgcrypto', '--extension', 'hstore', '--', 'psql', '-XAtc', sql]);
    expect(outcome).toMatchObject({ code: 0, stderr: '' });
    // application_name is the client's own, set by psql; a=b shows that a value may hold `=`: checked with postgres -C below.
    expect(outcome.stdout.trim()).toMatch(/^8MB,psql,250ms,hstore pgcrypto plpgsql$/);
    const shown = await tmp(['-c', 'cluster_name=a=b', '--', 'psql', '-XAtc', 'SHOW cluster_name']);
    expect(shown.stdout.trim()).toBe('a=b');
    expectNoClusterLeft();
  });

  it('refuses a --set without `=` and a bad setting name as usage errors (exit 2), an unknown setting as a failure to make the cluster (125)', async () => {
    expect(await tmp(['--set', 'work_mem', '--', 'true'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--set expects name=value, got `work_mem`') });
    expect(await tmp(['-c', '=1', '--', 'true'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--set expects name=value, got `=1`') });
    const unknown = await tmp(['-c', 'no_such_setting=1', '--', 'true']);
    expect(unknown.code).toBe(125);
    expect(unknown.stderr).toMatch(/^pg-cluster: [^]*unrecognized configuration parameter "no_such_setting" \[INVALID_SETTING\]\n$/);
    expectNoClusterLeft();
  });

  it('--tcp gives the command the TCP form: PGHOST=127.0.0.1, with the generated password, and it connects over TCP', async () => {
    const outcome = await tmp(['--tcp', '--', 'sh', '-c', 'echo "$PGHOST ${PGSSLMODE-nossl}"; psql -XAtwc "SELECT host(inet_server_addr())"']);
    expect(outcome).toMatchObject({ code: 0, stderr: '' });
    expect(outcome.stdout.trim().split('\n')).toEqual(['127.0.0.1 nossl', '127.0.0.1']);
    expectNoClusterLeft();
  });

  it('--tcp --ssl: node-postgres connects with sslmode=require over 127.0.0.1, and pg_stat_ssl says TLS', async () => {
    const script = `
      const pg = require('pg');
      const fs = require('fs');
      (async () => {
        // libpq's meaning of sslmode=require (encrypt, do not verify the self-signed certificate).
        const client = new pg.Client({ connectionString: 'postgresql://' + process.env.PGUSER + '@127.0.0.1:' + process.env.PGPORT + '/postgres?sslmode=' + process.env.PGSSLMODE + '&uselibpqcompat=true', password: process.env.PGPASSWORD });
        await client.connect();
        const { rows } = await client.query("SELECT ssl, version, host(inet_server_addr()) AS addr, current_setting('ssl_key_file') AS key FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
        await client.end();
        const key = fs.statSync(rows[0].key);
        console.log(JSON.stringify({ ...rows[0], env: { host: process.env.PGHOST, sslmode: process.env.PGSSLMODE }, keyMode: (key.mode & 0o777).toString(8), keyUid: key.uid }));
      })().catch((error) => { console.error(error); process.exit(1); });`;
    const outcome = await tmp(['--tcp', '--ssl', '--', process.execPath, '-e', script]);
    expect(outcome.code, outcome.stderr).toBe(0);
    const seen = JSON.parse(outcome.stdout) as { ssl: boolean; version: string; addr: string; env: Record<string, string>; keyMode: string; keyUid: number; key: string };
    expect(seen).toMatchObject({ ssl: true, addr: '127.0.0.1', env: { host: '127.0.0.1', sslmode: 'require' }, keyMode: '600' });
    expect(seen.version).toMatch(/^TLSv1\.[23]$/);
    // The key belongs to the server's user: postgres as root, else us.
    const { stdout: postgresUid } = await run('id', ['-u', isRoot ? 'postgres' : String(process.getuid!())]);
    expect(seen.keyUid).toBe(Number(postgresUid.trim()));
    expectNoClusterLeft();
  });

  it('--ssl alone implies --tcp, and psql with PGSSLMODE=require gets TLS', async () => {
    const outcome = await tmp(['--ssl', '--', 'psql', '-XAtwc', 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()']);
    expect(outcome).toMatchObject({ code: 0, stdout: 't\n' });
    expectNoClusterLeft();
  });

  it('--ssl without openssl on PATH: OPENSSL_NOT_FOUND, the command never runs (125), nothing left', async () => {
    // A PATH with every program of /usr/bin but openssl (the cleanup needs find, the copy cp).
    const bin = mkdtempSync(join(storage, 'bin-'));
    for (const name of readdirSync('/usr/bin')) if (name !== 'openssl') symlinkSync(join('/usr/bin', name), join(bin, name));
    const outcome = await tmp(['--ssl', '--', 'sh', '-c', 'echo ran'], { PATH: bin, PG_CONFIG: '/usr/lib/postgresql/15/bin/pg_config' });
    expect(outcome.code).toBe(125);
    expect(outcome.stdout).toBe('');
    expect(outcome.stderr).toMatch(/^pg-cluster: No `openssl` program on PATH.*\[OPENSSL_NOT_FOUND\]\n$/);
    expectNoClusterLeft();
  });

  it('a word before `--` says to put `--` before the command (exit 2); `--` alone is an error', async () => {
    const stray = await tmp(['psql', '-XAtc', 'SELECT 1']);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toBe('pg-cluster: `psql` is not an option of tmp: put `--` before the command (pg-cluster tmp [options] -- psql -XAtc SELECT 1)\nRun `pg-cluster tmp --help` for usage.\n');
    const afterOption = await tmp(['--tcp', 'psql']);
    expect(afterOption).toMatchObject({ code: 2, stderr: expect.stringContaining('put `--` before the command') });
    const alone = await tmp(['--']);
    expect(alone).toMatchObject({ code: 2, stderr: 'pg-cluster: `--` must be followed by a command to run\nRun `pg-cluster tmp --help` for usage.\n' });
    expectNoClusterLeft();
  });

  it('the command\'s own status passes through; 125 only when the cluster could not be made', async () => {
    expect((await tmp(['--', 'sh', '-c', 'exit 125'])).code).toBe(125);
    expect((await tmp(['--', 'sh', '-c', 'exit 1'])).code).toBe(1);
    const bad = await tmp(['--major', '99', '--', 'sh', '-c', 'echo ran']);
    expect(bad).toMatchObject({ code: 125, stdout: '' });
    expect(bad.stderr).toMatch(/^pg-cluster: .*99/);
    // Without a command, a cluster that cannot be made is a plain failure: 1.
    expect((await tmp(['--major', '99'])).code).toBe(1);
  });

  it('--verbose prints what a cold start does on stderr; without it (stderr no terminal) nothing', async () => {
    const cold = { PG_CLUSTER_STORAGE: join(storage, 'cold') };
    // Another initdb option set: a template of its own, built now (cold).
    const verbose = await tmp(['--verbose', '--', 'true'], { ...cold });
    expect(verbose.code, verbose.stderr).toBe(0);
    expect(verbose.stderr).toMatch(/^pg-cluster: building the template \d+-[0-9a-f]+ \(initdb, once per installation and options\)\npg-cluster: running initdb for \S+\/data\npg-cluster: copying the template into \S+\/data\n$/);
    const warm = await tmp(['--verbose', '--', 'true'], { ...cold });
    expect(warm).toMatchObject({ code: 0, stderr: '' });
    const quiet = await tmp(['--', 'true'], { PG_CLUSTER_STORAGE: join(storage, 'cold2') });
    expect(quiet).toMatchObject({ code: 0, stderr: '' });
  });
});
