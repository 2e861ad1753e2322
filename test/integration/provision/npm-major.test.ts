// provision() on an npm server binary (PostgreSQL 16: no psql, pg_controldata or pg_config), a
// TemporaryCluster as the target, and the credentials store keyed by the server's system
// identifier: a new cluster on the same port never inherits an old one's passwords.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTemporaryCluster } from '../../../src/throwaway/index.js';
import { allowClient, disallowClient, provision, serverState } from '../../../src/provision/index.js';
import { npmInstallation, rejection } from '../cluster/fixtures.js';
import { startProvisionServer, tryQuery, type ProvisionServer } from './fixtures.js';

let s: ProvisionServer;
beforeAll(async () => {
  s = await startProvisionServer(npmInstallation(16));
});
afterAll(async () => s?.cleanup());

describe('provision() on PostgreSQL 16 (npm binaries)', () => {
  it('provisions, authorises over TCP, resets roles, and the login user uses the schema user’s tables', async () => {
    const grant = await provision(s.w.cluster, { client: 'app16', roles: ['r1', 'r2'], extensions: ['citext', 'pg_trgm'], credentials: s.store });
    expect(grant).toMatchObject({ host: '127.0.0.1', port: s.port, user: 'app16', database: 'app16', state: 'standalone' });
    expect(await tryQuery(grant.clientConfig())).toMatchObject({ ok: false, code: '28000' });
    await allowClient(s.w.cluster, { database: 'app16', user: 'app16', address: '127.0.0.1' });
    await allowClient(s.w.cluster, { database: 'app16', user: 'app16_schema', address: '127.0.0.1' });
    expect(await tryQuery(grant.schemaConnection().uri(), 'CREATE TABLE t (v citext)')).toMatchObject({ ok: true });
    expect(await tryQuery(grant.uri(), "INSERT INTO t VALUES ('X') RETURNING v")).toEqual({ ok: true, rows: [{ v: 'X' }] });
    const again = await provision(s.w.cluster, { client: 'app16', roles: ['r2'], extensions: ['citext', 'pg_trgm'], credentials: s.store });
    expect(again.password).toBe(grant.password);
    expect(await s.query('SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid WHERE m.member = $1::regrole', ['app16'])).toEqual([{ rolname: 'r2' }]);
    await disallowClient(s.w.cluster, { database: 'app16', user: 'app16', address: '127.0.0.1' });
    expect(await tryQuery(grant.clientConfig())).toMatchObject({ ok: false, code: '28000' });
    expect(await serverState(s.w.cluster)).toBe('standalone');
  });

  it('a line the server refuses (gss: the npm binaries are built without GSSAPI, which the editor cannot know) is HBA_RULE_REFUSED and the file is restored byte for byte', async () => {
    await provision(s.w.cluster, { client: 'gssapp', credentials: s.store });
    const before = (await s.w.cluster.hba()).toString();
    const error = await rejection(allowClient(s.w.cluster, { database: 'gssapp', user: 'gssapp', address: '127.0.0.1', method: 'gss' }));
    expect(error).toMatchObject({ name: 'ProvisionError', code: 'HBA_RULE_REFUSED', message: expect.stringContaining('not supported by this build') });
    expect((await s.w.cluster.hba()).toString()).toBe(before);
    expect(await s.query("SELECT count(*)::int AS n FROM pg_hba_file_rules WHERE error IS NOT NULL")).toEqual([{ n: 0 }]);
  });
});

describe('a TemporaryCluster as the target, and passwords keyed by system identifier', () => {
  it('provisions on a throwaway cluster; a new cluster on the same port does not inherit the old one’s password', async () => {
    const first = await createTemporaryCluster({ tcp: true });
    let port: number;
    let password: string;
    try {
      const grant = await provision(first, { client: 'reused', credentials: s.store });
      port = grant.port;
      password = grant.password;
      expect(grant.host).not.toMatch(/^\//); // over TCP, the address clients are authorised for
      expect(grant.socket?.host).toBe(first.connectionInfo.host);
    } finally {
      await first.dispose();
    }
    const second = await createTemporaryCluster({ port });
    try {
      const grant = await provision(second, { client: 'reused', credentials: s.store });
      expect(grant.port).toBe(port);
      expect(grant.password).not.toBe(password);
      expect(grant.passwordReset).toBe(false);
      const [row] = await second.query<{ id: string }>('SELECT system_identifier::text AS id FROM pg_control_system()');
      expect(await s.store.get(`${row!.id}/reused`)).toBe(grant.password);
    } finally {
      await second.dispose();
    }
    expect(await rejection(provision(second, { client: 'reused', credentials: s.store }))).toMatchObject({ code: 'TARGET_UNREACHABLE' });
  });
});
