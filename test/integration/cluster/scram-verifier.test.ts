// computeScramVerifier against the server and libpq: a role whose password is set as the
// verifier computed here logs in over TCP with scram-sha-256 by its password, typed to psql
// (libpq SASLprep's it as the server expects). Passwords that SASLprep maps, normalizes, or
// refuses (then its raw bytes count) are the cases where a verifier computed carelessly fails.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applySaslPrep, computeScramVerifier } from '../../../src/cluster/index.js';
import { quoteIdentifier, quoteLiteral } from '../../../src/throwaway/index.js';
import { systemBindir } from '../../helpers/scratch-server.js';
import { freePort, workspace, type Workspace } from './fixtures.js';

const run = promisify(execFile);
const psql = join(systemBindir(), 'psql');
let w: Workspace;
let port: number;
let admin: pg.Client;

beforeAll(async () => {
  w = workspace();
  await w.cluster.init({ user: 'postgres', password: 'admin-pw', authLocal: 'trust', authHost: 'scram-sha-256', locale: 'C', noSync: true });
  port = await freePort();
  await w.cluster.start({ settings: { ...w.settings, listen_addresses: '127.0.0.1', port } });
  admin = new pg.Client(await w.cluster.connectionOptions());
  await admin.connect();
});
afterAll(async () => {
  await admin?.end();
  await w?.cleanup();
});

async function psqlLogin(role: string, password: string): Promise<string> {
  const { stdout } = await run(psql, ['-XAtqw', '-h', '127.0.0.1', '-p', String(port), '-U', role, '-d', 'postgres', '-c', 'SELECT current_user'], {
    env: { PATH: process.env.PATH, PGPASSWORD: password },
  });
  return stdout.trim();
}

async function roleWithVerifier(role: string, verifier: string): Promise<void> {
  await admin.query(`CREATE ROLE ${quoteIdentifier(role)} LOGIN PASSWORD ${quoteLiteral(verifier)}`);
  // Stored as given: the server hashed nothing.
  expect((await admin.query('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [role])).rows).toEqual([{ rolpassword: verifier }]);
}

describe('a password set as computeScramVerifier(password)', () => {
  it.each([
    ['ascii', 'correct horse battery staple', 'ASCII, taken as it is'],
    ['umlauts', 'pässwörd', 'non-ASCII, NFKC leaves it'],
    ['nbsp', 'pass\u00a0word', 'a non-ASCII space SASLprep maps to U+0020'],
    ['refused', '\u00a0pass😀', 'SASLprep refuses it (U+1F600 is unassigned in Unicode 3.2): the raw bytes count'],
  ])('logs in over TCP with scram-sha-256 through psql (%s: %s)', async (name, password, _why) => {
    const role = `scram_${name}`;
    await roleWithVerifier(role, computeScramVerifier(password));
    expect(await psqlLogin(role, password)).toBe(role);
    await expect(psqlLogin(role, `${password}x`)).rejects.toMatchObject({ stderr: expect.stringContaining('password authentication failed') });
  });

  it('is the SASLprep form: a password that prepares alike logs in, and the refused one only as its raw bytes', async () => {
    // Decomposed umlauts compose to the same password; a plain space for U+00A0 too.
    await roleWithVerifier('scram_nfd', computeScramVerifier('pässwörd'));
    expect(await psqlLogin('scram_nfd', 'pa\u0308sswo\u0308rd')).toBe('scram_nfd');
    await roleWithVerifier('scram_space', computeScramVerifier('pass\u00a0word'));
    expect(await psqlLogin('scram_space', 'pass word')).toBe('scram_space');
    // Had the refused password been hashed in its mapped form (a space for U+00A0), libpq, which
    // sends the raw bytes, could not log in with it: the mapped form itself is what fails.
    expect(applySaslPrep('\u00a0pass😀')).toBeNull();
    await roleWithVerifier('scram_raw', computeScramVerifier('\u00a0pass😀'));
    await expect(psqlLogin('scram_raw', ' pass😀')).rejects.toMatchObject({ stderr: expect.stringContaining('password authentication failed') });
  });

  it('logs in through node-postgres too, which SASLprep-maps and normalizes as libpq does', async () => {
    for (const [role, password] of [['scram_pg_ascii', 's3cret'], ['scram_pg_umlauts', 'pässwörd'], ['scram_pg_nbsp', 'pass\u00a0word']] as const) {
      await roleWithVerifier(role, computeScramVerifier(password));
      const client = new pg.Client({ host: '127.0.0.1', port, user: role, database: 'postgres', password });
      await client.connect();
      expect((await client.query('SELECT current_user AS me')).rows).toEqual([{ me: role }]);
      await client.end();
    }
    // What docs/cluster.md says of it: node-postgres maps and normalizes a password SASLprep
    // refuses instead of sending its raw bytes, so such a password with a mapped character fails there.
    await roleWithVerifier('scram_pg_refused', computeScramVerifier('\u00a0pass😀'));
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'scram_pg_refused', database: 'postgres', password: '\u00a0pass😀' });
    await expect(client.connect()).rejects.toThrow(/password authentication failed/);
  });
});
