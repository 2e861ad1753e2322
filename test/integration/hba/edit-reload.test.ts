// After edits, the server reads what we wrote (pg_hba_file_rules, pg_ident_file_mappings agree,
// no errors), and a reload (SIGHUP) applies it while the server keeps accepting connections.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HbaFile, IdentFile } from '../../../src/hba/index.js';
import { toServerString } from '../../../src/hba/hba-rule.js';
import { startScratchServer, type ScratchServer } from '../../helpers/scratch-server.js';
import { expectedHbaRows } from './view-rows.js';

async function connectAs(server: ScratchServer, user: string): Promise<'ok' | string> {
  const client = new pg.Client({ host: server.socketDir, user, database: 'postgres' });
  try {
    await client.connect();
    await client.query('select 1');
    return 'ok';
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function waitFor<T>(probe: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let i = 0; ; i++) {
    const value = await probe();
    if (done(value) || i >= 500) return value;
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('edited pg_hba.conf and pg_ident.conf on a running PostgreSQL 15', () => {
  let server: ScratchServer;
  beforeAll(async () => {
    server = await startScratchServer();
    await server.query('create role blocked login');
  });
  afterAll(async () => server?.stop());

  it('reads what we wrote, and a reload applies it', async () => {
    const path = join(server.dataDir, 'pg_hba.conf');
    const before = statSync(path);
    expect(await connectAs(server, 'blocked')).toBe('ok');

    const hba = await HbaFile.load(path, { major: 15 });
    expect(hba.diagnostics).toEqual([]);
    hba.insertBefore({ type: 'local', database: 'all' }, { type: 'local', database: 'all', user: 'blocked', method: 'reject', comments: ['# no entry for blocked'] });
    hba.insertAfter({ type: 'host', address: '127.0.0.1/32' }, { type: 'host', database: ['app', 'my db'], user: '+admins', address: '10.0.0.0', netmask: '255.0.0.0', method: 'scram-sha-256' });
    hba.append({ type: 'host', database: 'all', user: 'all', address: '.example.com', method: 'ldap', options: { ldapserver: 'ldap.example.com', ldapbasedn: 'dc=example, dc=com' } });
    hba.set(hba.index({ type: 'host', address: '::1/128', database: 'all' }), { ...hba.find({ address: '::1/128' })!, method: 'md5' });
    hba.pop(hba.index({ database: 'replication', address: '::1/128' }));
    await hba.save();

    const after = statSync(path);
    expect([after.uid, after.gid, after.mode]).toEqual([before.uid, before.gid, before.mode]);

    const rows = await server.query('select line_number, type, database, user_name, address, netmask, auth_method, options, error from pg_hba_file_rules order by line_number');
    expect(rows.every((r) => r.error === null)).toBe(true);
    expect(expectedHbaRows(HbaFile.parse(hba.toString(), { major: 15 }), { ssl: false, gssEncryption: true })).toEqual(rows);

    server.reload();
    const refused = await waitFor(() => connectAs(server, 'blocked'), (r) => r !== 'ok');
    expect(refused).toMatch(/pg_hba\.conf rejects connection .* user "blocked"/);
    expect(await connectAs(server, 'postgres')).toBe('ok');
  });

  it('reads the pg_ident.conf we wrote', async () => {
    const path = join(server.dataDir, 'pg_ident.conf');
    const ident = await IdentFile.load(path, { major: 15 });
    ident.append({ map: 'omicron', systemUser: '/^(.*)@example\\.com$', pgUser: '\\1', comments: ['# mail users'] });
    ident.append({ map: 'omicron', systemUser: 'robert', pgUser: 'bob' });
    ident.append({ map: 'my map', systemUser: 'a"b', pgUser: 'all' });
    await ident.save();
    const rows = await server.query('select line_number, map_name, sys_name, pg_username, error from pg_ident_file_mappings order by line_number');
    expect(rows).toEqual(
      ident.mappings().map((m) => ({ line_number: m.line, map_name: toServerString(m.map), sys_name: m.systemUser, pg_username: m.pgUser, error: null })),
    );
    server.reload();
    expect(await waitFor(() => connectAs(server, 'postgres'), (r) => r === 'ok')).toBe('ok');
  });
});
