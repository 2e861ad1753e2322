// Who gets into a throwaway cluster (issue 10, items 6, 7 and 8): trust only on the private
// socket, a password over TCP (generated unless given), `auth: 'trust'` only by name; passwords
// reach the server as SCRAM verifiers (nothing in the server log); inspect() and JSON never
// show a password.
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { inspect, promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Installation } from '../../../src/installation/index.js';
import { ConnectionInfo, createTemporaryCluster, waitForCleanup } from '../../../src/throwaway/index.js';
import { systemBindir } from '../../helpers/scratch-server.js';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;
const scratch = mkdtempSync('/tmp/pgct-auth-');
// As root the server runs as `postgres`, which must traverse it.
chmodSync(scratch, 0o755);
const storage = join(scratch, 'root');
const psql = join(systemBindir(), 'psql');
let installation: Installation;

beforeAll(async () => {
  installation = await Installation.fromPgConfig(join(systemBindir(), 'pg_config'));
});
afterAll(async () => {
  await waitForCleanup();
  rmSync(scratch, { recursive: true, force: true });
});

/** psql (-w: never prompt) with `info`'s connection string, as this process or as another OS user (root only). */
async function connects(info: ConnectionInfo, asUser?: string): Promise<{ ok: true; user: string } | { ok: false; stderr: string }> {
  const args = ['-XAtqw', '-c', 'SELECT current_user', info.connectionString()];
  const [file, argv] = asUser === undefined ? [psql, args] : ['runuser', ['-u', asUser, '--', psql, ...args]];
  try {
    const { stdout } = await run(file, argv as string[], { env: { PATH: process.env.PATH } });
    return { ok: true, user: stdout.trim() };
  } catch (error) {
    return { ok: false, stderr: String((error as { stderr?: string }).stderr) };
  }
}

describe('a throwaway cluster on TCP', () => {
  it('without a password gets a generated one: TCP refuses a connection without it and takes it; the private socket stays trusted', async () => {
    await using cluster = await createTemporaryCluster({ installation, storage, tcp: true });
    const tcp = cluster.tcpConnectionInfo!;
    const password = tcp.password!;
    // 24 random bytes, base64url; the same in both forms.
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(cluster.connectionInfo.password).toBe(password);
    expect(await connects(tcp)).toEqual({ ok: true, user: 'postgres' });
    const withoutPassword = new ConnectionInfo(tcp.toParameters());
    expect(await connects(withoutPassword)).toMatchObject({ ok: false, stderr: expect.stringContaining('no password supplied') });
    expect(await connects(new ConnectionInfo({ ...tcp.toParameters(), password: 'guess' }))).toMatchObject({ ok: false, stderr: expect.stringContaining('password authentication failed') });
    expect(await connects(new ConnectionInfo(cluster.connectionInfo.toParameters()))).toEqual({ ok: true, user: 'postgres' });
    // The password is stored as a SCRAM verifier.
    expect(await cluster.query("SELECT left(rolpassword, 14) AS p FROM pg_authid WHERE rolname = 'postgres'")).toEqual([{ p: 'SCRAM-SHA-256$' }]);
  });

  it.skipIf(!isRoot)('without a password refuses another OS user (nobody) over TCP (as root: runuser)', async () => {
    await using cluster = await createTemporaryCluster({ installation, storage, tcp: true });
    const { host, port, user, database } = cluster.tcpConnectionInfo!;
    const withoutPassword = new ConnectionInfo({ host, port, user, database });
    expect(await connects(withoutPassword, 'nobody')).toMatchObject({ ok: false, stderr: expect.stringContaining('no password supplied') });
    // nobody cannot even reach the private socket (a folder of mode 0700).
    expect(await connects(new ConnectionInfo({ ...cluster.connectionInfo, password: undefined }), 'nobody')).toMatchObject({ ok: false });
  });

  it("with `auth: 'trust'` trusts TCP as well, as asked, and carries no password", async () => {
    await using cluster = await createTemporaryCluster({ installation, storage, tcp: true, auth: 'trust' });
    expect(cluster.tcpConnectionInfo!.password).toBeUndefined();
    expect(await connects(cluster.tcpConnectionInfo!)).toEqual({ ok: true, user: 'postgres' });
  });

  it("with `auth: 'scram-sha-256'` and no password asks for a generated one on the socket too", async () => {
    await using cluster = await createTemporaryCluster({ installation, storage, auth: 'scram-sha-256' });
    expect(cluster.connectionInfo.password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(await connects(cluster.connectionInfo)).toEqual({ ok: true, user: 'postgres' });
    expect(await connects(new ConnectionInfo(cluster.connectionInfo.toParameters()))).toMatchObject({ ok: false, stderr: expect.stringContaining('no password supplied') });
    // The Cluster's own connections know it: reload() can ask the server for its report.
    expect(await cluster.reload()).toMatchObject({ checked: true, errors: [] });
  });

  it('refuses an unknown `auth` and trust together with a password, without echoing the password', async () => {
    await expect(createTemporaryCluster({ installation, storage, auth: 'md5' as never })).rejects.toThrow("Expected `auth` to be 'trust' or 'scram-sha-256', got `md5`");
    const error = await createTemporaryCluster({ installation, storage, auth: 'trust', password: 'pw-42-secret' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'InvalidArgumentError', message: "Expected `auth` to be 'scram-sha-256' (or left out) when `password` is given, got `trust`" });
  });
});

describe('a throwaway cluster with a password', () => {
  it("keeps it out of the server log, even with log_statement = 'all' (it is set as a SCRAM verifier)", async () => {
    const password = 'log-me-not-4711';
    await using cluster = await createTemporaryCluster({ installation, storage, password, settings: { log_statement: 'all' }, database: 'app' });
    await cluster.query('SELECT 1');
    const log = readFileSync(cluster.logPath, 'utf8');
    // The statements were logged (so the check below means something), the password was not.
    expect(log).toMatch(/statement: ALTER ROLE postgres PASSWORD 'SCRAM-SHA-256\$4096:/);
    expect(log).toContain('statement: CREATE DATABASE');
    expect(log).not.toContain(password);
  });

  it('never shows it through inspect() or JSON, of the cluster or its connection forms', async () => {
    const password = 'inspect-me-not-0815';
    await using cluster = await createTemporaryCluster({ installation, storage, password, tcp: true });
    const shown = [
      inspect(cluster),
      inspect(cluster, { showHidden: true, depth: Infinity, getters: true }),
      inspect({ cluster }),
      inspect(cluster.connectionInfo, { showHidden: true }),
      JSON.stringify(cluster),
      JSON.stringify({ info: cluster.connectionInfo, tcp: cluster.tcpConnectionInfo }),
    ];
    for (const text of shown) expect(text).not.toContain(password);
    expect(JSON.parse(JSON.stringify(cluster))).toMatchObject({
      directory: cluster.directory,
      dataDirectory: cluster.dataDirectory,
      superuser: 'postgres',
      hasPassword: true,
      connectionInfo: { host: cluster.directory, user: 'postgres', password: '<redacted>' },
      tcpConnectionInfo: { host: 'localhost', password: '<redacted>' },
    });
    expect(inspect(cluster)).toMatch(/^TemporaryCluster \{/);
    // The explicit form still has it, and another process rebuilds a working ConnectionInfo from it.
    const sent = JSON.stringify(cluster.tcpConnectionInfo!.toParameters({ includePassword: true }));
    expect(await connects(ConnectionInfo.from(JSON.parse(sent)))).toEqual({ ok: true, user: 'postgres' });
  });
});
