// Who gets into a cluster made by init() with the default authentication (issue 10, item 6):
// without a password peer on the socket, mapped so that the OS user who ran init(), root and
// the server's OS user log in as the superuser and nobody else does, and reject over TCP; with a
// password scram-sha-256 on both. The server's own views say what it read.
import { execFile } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { inspect, promisify } from 'node:util';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { systemBindir } from '../../helpers/scratch-server.js';
import { freePort, isRoot, useWorkspaces, type Workspace } from './fixtures.js';

const run = promisify(execFile);
const psql = join(systemBindir(), 'psql');
const workspace = useWorkspaces();
const me = userInfo().username;

/** psql -w (never prompts) to `host`, as this process or (as root) as another OS user. */
async function connects(host: string, port: number, options: { asUser?: string; password?: string; user?: string } = {}): Promise<{ ok: true; user: string } | { ok: false; stderr: string }> {
  const args = ['-XAtqw', '-h', host, '-p', String(port), '-U', options.user ?? 'postgres', '-d', 'postgres', '-c', 'SELECT current_user'];
  const [file, argv] = options.asUser === undefined ? [psql, args] : ['runuser', ['-u', options.asUser, '--', psql, ...args]];
  try {
    const { stdout } = await run(file, argv as string[], { env: { PATH: process.env.PATH, ...(options.password !== undefined ? { PGPASSWORD: options.password } : {}) } });
    return { ok: true, user: stdout.trim() };
  } catch (error) {
    return { ok: false, stderr: String((error as { stderr?: string }).stderr) };
  }
}

/** A default init() (superuser `postgres`), started on 127.0.0.1 and a socket any OS user can reach. */
async function started(w: Workspace, init: Parameters<Workspace['cluster']['init']>[0] = {}): Promise<number> {
  await w.cluster.init({ user: 'postgres', locale: 'C', noSync: true, ...init });
  const port = await freePort();
  await w.cluster.start({ settings: { ...w.settings, listen_addresses: '127.0.0.1', port } });
  // Every OS user may reach the socket (the folder start() made): what keeps them out must be the authentication.
  chmodSync(w.root, 0o755);
  chmodSync(w.socketDir, 0o755);
  return port;
}

describe('init() without a password', () => {
  it('lets this OS user in over the socket as the superuser, through the ident map, and rejects TCP', async () => {
    const w = workspace();
    const port = await started(w);
    expect(await connects(w.socketDir, port)).toEqual({ ok: true, user: 'postgres' });
    expect(await connects('127.0.0.1', port)).toMatchObject({ ok: false, stderr: expect.stringContaining('pg_hba.conf rejects connection for host "127.0.0.1"') });
    // The SDK's own connections work the same way.
    expect(await w.cluster.reload()).toMatchObject({ checked: true, errors: [] });
    const client = new pg.Client(await w.cluster.connectionOptions());
    await client.connect();
    try {
      const rules = await client.query("SELECT type, auth_method AS method, options FROM pg_hba_file_rules WHERE type = 'local' ORDER BY line_number");
      expect(rules.rows).toEqual([
        { type: 'local', method: 'peer', options: ['map=pg_cluster'] },
        { type: 'local', method: 'peer', options: ['map=pg_cluster'] },
      ]);
      const hostMethods = await client.query("SELECT DISTINCT auth_method AS method FROM pg_hba_file_rules WHERE type = 'host'");
      expect(hostMethods.rows).toEqual([{ method: 'reject' }]);
      const mappings = await client.query('SELECT map_name, sys_name, pg_username FROM pg_ident_file_mappings ORDER BY line_number');
      const serverUser = isRoot ? 'postgres' : me;
      const expected = [...new Set([me, 'root', serverUser])].map((sys) => ({ map_name: 'pg_cluster', sys_name: sys, pg_username: 'postgres' }));
      expect(mappings.rows).toEqual(expected);
    } finally {
      await client.end();
    }
  });

  it.skipIf(!isRoot)('refuses another OS user (nobody) over the socket and over TCP; root and the server user (postgres) get in (as root: runuser)', async () => {
    const w = workspace();
    const port = await started(w);
    expect(await connects(w.socketDir, port, { asUser: 'nobody' })).toMatchObject({ ok: false, stderr: expect.stringContaining('Peer authentication failed for user "postgres"') });
    // Not as a role of its own name either: peer lets no OS user in but those mapped.
    expect(await connects(w.socketDir, port, { asUser: 'nobody', user: 'nobody' })).toMatchObject({ ok: false, stderr: expect.stringContaining('Peer authentication failed') });
    expect(await connects('127.0.0.1', port, { asUser: 'nobody' })).toMatchObject({ ok: false, stderr: expect.stringContaining('pg_hba.conf rejects connection') });
    expect(await connects(w.socketDir, port, { asUser: 'root' })).toEqual({ ok: true, user: 'postgres' });
    expect(await connects(w.socketDir, port, { asUser: 'postgres' })).toEqual({ ok: true, user: 'postgres' });
  });

  it('keeps what the caller chose: authLocal and authHost are given to initdb as they are, and no map is written', async () => {
    const w = workspace();
    const port = await started(w, { authLocal: 'trust', authHost: 'trust' });
    expect(await connects('127.0.0.1', port)).toEqual({ ok: true, user: 'postgres' });
    const client = new pg.Client(await w.cluster.connectionOptions());
    await client.connect();
    try {
      expect((await client.query('SELECT DISTINCT auth_method AS method, options FROM pg_hba_file_rules')).rows).toEqual([{ method: 'trust', options: null }]);
      expect((await client.query('SELECT count(*)::int AS n FROM pg_ident_file_mappings')).rows).toEqual([{ n: 0 }]);
    } finally {
      await client.end();
    }
  });
});

describe('init() with a password', () => {
  it('asks for it with scram-sha-256 on the socket and over TCP; inspect() and toJSON() of the cluster never show it', async () => {
    const w = workspace();
    const password = 'init-pw-31337';
    const port = await started(w, { password });
    for (const host of [w.socketDir, '127.0.0.1']) {
      expect(await connects(host, port)).toMatchObject({ ok: false, stderr: expect.stringContaining('no password supplied') });
      expect(await connects(host, port, { password })).toEqual({ ok: true, user: 'postgres' });
    }
    expect(await w.cluster.reload()).toMatchObject({ checked: true });
    for (const text of [inspect(w.cluster), inspect(w.cluster, { showHidden: true, depth: Infinity, getters: true }), JSON.stringify(w.cluster), JSON.stringify({ nested: w.cluster })]) {
      expect(text).not.toContain(password);
    }
    expect(w.cluster.toJSON()).toEqual({ dataDirectory: w.dataDirectory, version: 'PostgreSQL 15', major: 15, superuser: 'postgres', hasPassword: true });
    expect(inspect(w.cluster)).toMatch(/^Cluster \{/);
  });
});

