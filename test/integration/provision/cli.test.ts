// `pg-cluster provision` through main(argv, io): the passwords print as <redacted> unless
// --show-password, a repeat prints the same credentials (the default store under
// $XDG_STATE_HOME), --allow lets the client in over TCP.
import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { captureIo } from '../../unit/cli/capture-io.js';
import { startProvisionServer, tryQuery, type ProvisionServer } from './fixtures.js';

let s: ProvisionServer;
beforeAll(async () => {
  s = await startProvisionServer();
});
afterAll(async () => s?.cleanup());

describe('pg-cluster provision', () => {
  it('prints the grant with the passwords redacted, shows them only with --show-password, and --allow authorises the client', async () => {
    const env = { ...process.env, XDG_STATE_HOME: s.stateDir };
    const io = captureIo(env);
    expect(await main(['provision', '--client', 'cliapp', '--roles', 'a_role,b_role', '--extensions', 'citext', '--data-dir', s.w.dataDirectory, '--superuser', 'postgres', '--allow', '127.0.0.1'], io)).toBe(0);
    expect(io.err()).toBe('');
    expect(io.out()).toContain('password:        <redacted>\n');
    expect(io.out()).toContain('schema password: <redacted>\n');
    expect(io.out()).toContain(`uri:             postgresql://cliapp@127.0.0.1:${s.port}/cliapp\n`);
    const file = join(s.stateDir, 'pg-cluster', 'credentials.json');
    expect(lstatSync(file).mode & 0o777).toBe(0o600);
    const stored = Object.values(JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>);
    for (const password of stored) expect(io.out()).not.toContain(password);

    const json = captureIo(env);
    expect(await main(['provision', '--client', 'cliapp', '--roles', 'a_role,b_role', '--extensions', 'citext', '--data-dir', s.w.dataDirectory, '--superuser', 'postgres', '--json'], json)).toBe(0);
    expect(JSON.parse(json.out())).toMatchObject({ user: 'cliapp', password: '<redacted>', schemaPassword: '<redacted>', roles: ['a_role', 'b_role'], state: 'standalone' });
    for (const password of stored) expect(json.out()).not.toContain(password);

    const shown = captureIo(env);
    expect(await main(['provision', '--client', 'cliapp', '--roles', 'a_role,b_role', '--extensions', 'citext', '--data-dir', s.w.dataDirectory, '--superuser', 'postgres', '--json', '--show-password'], shown)).toBe(0);
    const grant = JSON.parse(shown.out()) as { uri: string; password: string; schemaPassword: string };
    expect(stored).toEqual(expect.arrayContaining([grant.password, grant.schemaPassword]));
    expect(await tryQuery(grant.uri)).toEqual({ ok: true, rows: [{ user: 'cliapp', database: 'cliapp' }] });
  });

  it('through libpq’s environment; --allow then needs --data-dir (exit 2)', async () => {
    const options = await s.w.cluster.connectionOptions();
    const env = { ...process.env, XDG_STATE_HOME: s.stateDir, PGHOST: options.host, PGPORT: String(options.port), PGUSER: options.user, PGDATABASE: 'postgres' };
    const io = captureIo(env);
    expect(await main(['provision', '--client', 'envapp'], io)).toBe(0);
    expect(io.out()).toContain(`host:            ${options.host}\n`);
    expect(io.out()).toContain('password:        <redacted>\n');
    const refused = captureIo(env);
    expect(await main(['provision', '--client', 'envapp', '--allow', '127.0.0.1'], refused)).toBe(2);
    expect(refused.err()).toContain('--allow needs --data-dir');
    const missing = captureIo(env);
    expect(await main(['provision', '--client', 'x', '--extensions', 'no_such_ext'], missing)).toBe(1);
    expect(missing.err()).toContain('[EXTENSION_NOT_AVAILABLE]');
  });

  it('a bad --allow address is refused (exit 2) before anything is provisioned', async () => {
    const io = captureIo({ ...process.env, XDG_STATE_HOME: s.stateDir });
    expect(await main(['provision', '--client', 'badallow', '--data-dir', s.w.dataDirectory, '--superuser', 'postgres', '--allow', '10.0.0.999'], io)).toBe(2);
    expect(io.err()).toContain('--allow expects an IP address or a CIDR range');
    const client = await s.w.cluster.connect();
    try {
      const { rows } = await client.query("select count(*)::int as n from pg_roles where rolname like 'badallow%'");
      expect(rows).toEqual([{ n: 0 }]);
    } finally {
      await client.end();
    }
  });
});
