// matchRule against the server's own decision: a cluster listening on a Unix socket and on
// 127.0.0.1 gets a pg_hba.conf whose rules only trust or reject, and every combination of
// user, database and connection type is tried for real and predicted by matchRule.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HbaFile, matchRule, type HbaConnection } from '../../../src/hba/index.js';
import { startScratchServer, type ScratchServer } from '../../helpers/scratch-server.js';
import { writeAsServer } from './write-as-server.js';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const rules = `local   all             postgres                                trust
local   sameuser        all                                     trust
local   app             +admins                                 trust
local   samerole        all                                     trust
local   "all"           all                                     trust
host    app             bob             127.0.0.1/32            trust
host    "my db",app     carol           127.0.0.0 255.0.0.0     trust
host    all             +admins         127.0.0.0/8             reject
hostnossl all           dave            127.0.0.1/32            trust
local   all             all                                     reject
`;

const users = ['alice', 'bob', 'carol', 'dave', 'admins'];
const databases = ['app', 'alice', 'admins', 'all', 'my db', 'postgres'];

describe('matchRule agrees with PostgreSQL 15 on who gets in', () => {
  let server: ScratchServer;
  let port: number;
  const members = new Map<string, boolean>();

  // The helper's query() assumes port 5432; this server listens on its own port.
  async function query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const client = new pg.Client({ host: server.socketDir, port, user: 'postgres', database: 'postgres' });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    port = await freePort();
    server = await startScratchServer({ settings: { listen_addresses: '127.0.0.1', port: String(port) } });
    for (const sql of [
      'create role admins login',
      'create role alice login in role admins',
      'create role bob login',
      'create role carol login',
      'create role dave login',
      'create database app',
      'create database alice',
      'create database admins',
      'create database "all"',
      'create database "my db"',
    ]) {
      await query(sql);
    }
    for (const user of users) {
      for (const role of [...users, ...databases]) {
        const [row] = await query<{ member: boolean }>(
          `with recursive m(oid) as (select oid from pg_roles where rolname = $1
             union select a.roleid from pg_auth_members a join m on a.member = m.oid)
           select exists (select 1 from m join pg_roles r using (oid) where r.rolname = $2) as member`,
          [user, role],
        );
        members.set(`${user} ${role}`, row!.member);
      }
    }
    const path = join(server.dataDir, 'pg_hba.conf');
    writeAsServer(path, rules);
    server.reload();
    // Wait until the new rules are in force: bob may no longer connect locally to postgres.
    for (let i = 0; i < 500 && (await attempt({ type: 'local', user: 'bob', database: 'postgres' })) === 'ok'; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
  });

  afterAll(async () => {
    // stop() removes the whole data directory: no file in it needs restoring first.
    await server?.stop();
  });

  async function attempt(c: Omit<HbaConnection, 'address'>): Promise<string> {
    const client = new pg.Client({
      host: c.type === 'local' ? server.socketDir : '127.0.0.1',
      port,
      user: c.user,
      database: c.database,
      ssl: false,
    });
    try {
      await client.connect();
      return 'ok';
    } catch (error) {
      const message = (error as Error).message;
      if (message.includes('pg_hba.conf rejects connection')) return 'reject';
      if (message.includes('no pg_hba.conf entry')) return 'no entry';
      return message;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  it('predicts every attempt', async () => {
    const hba = HbaFile.parse(rules, { major: 15 });
    expect(hba.diagnostics).toEqual([]);
    const outcomes: string[] = [];
    for (const type of ['local', 'host'] as const) {
      for (const user of users) {
        for (const database of databases) {
          const connection: HbaConnection = { type, user, database, ...(type === 'host' ? { address: '127.0.0.1' } : {}) };
          const m = matchRule(hba, connection, {
            resolve: (q) => (q.kind === 'member' ? members.get(`${q.user} ${q.role}`) : undefined),
          });
          const predicted = m.status === 'matched' ? (m.rule.method === 'trust' ? 'ok' : 'reject') : m.status === 'no-match' ? 'no entry' : `unresolved ${JSON.stringify(m)}`;
          const actual = await attempt(connection);
          outcomes.push(`${type} ${user}@${database}: ${actual}`);
          expect(`${type} ${user}@${database}: ${predicted}`).toBe(`${type} ${user}@${database}: ${actual}`);
        }
      }
    }
    // The matrix exercises every outcome.
    expect(outcomes.filter((o) => o.endsWith(': ok')).length).toBeGreaterThan(5);
    expect(outcomes.filter((o) => o.endsWith(': reject')).length).toBeGreaterThan(5);
    expect(outcomes.filter((o) => o.endsWith(': no entry')).length).toBeGreaterThan(5);
  });
});
