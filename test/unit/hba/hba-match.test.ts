import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.js';
import { HbaFile, matchRule } from '../../../src/hba/index.js';

const hba = HbaFile.parse(`local   all             postgres                peer
local   sameuser        all                     md5
local   replication     all                     trust
host    "all"           all     0.0.0.0/0       reject
host    app,web         app     10.0.0.0/8      scram-sha-256
host    all             all     192.168.1.0 255.255.255.0 md5
hostssl all             +admins 2001:db8::/32   cert
hostnossl all           all     2001:db8::/32   reject
host    all             all     .example.com    md5
host    all             all     samenet         md5
host    all             all     all             reject
`);

const lineOf = (m: ReturnType<typeof matchRule>) => (m.status === 'no-match' ? undefined : m.rule.line);

describe('matchRule', () => {
  it('takes the first rule that matches type, address, database and user', () => {
    expect(lineOf(matchRule(hba, { type: 'local', database: 'x', user: 'postgres' }))).toBe(1);
    expect(lineOf(matchRule(hba, { type: 'local', database: 'bob', user: 'bob' }))).toBe(2);
    expect(matchRule(hba, { type: 'local', database: 'x', user: 'bob' })).toEqual({ status: 'no-match' });
    expect(lineOf(matchRule(hba, { type: 'host', database: 'web', user: 'app', address: '10.20.30.40' }))).toBe(5);
    expect(lineOf(matchRule(hba, { type: 'host', database: 'db', user: 'u', address: '192.168.1.77' }))).toBe(6);
  });

  it('knows that replication connections match only the replication keyword', () => {
    expect(lineOf(matchRule(hba, { type: 'local', database: 'postgres', user: 'bob', replication: true }))).toBe(3);
    expect(lineOf(matchRule(hba, { type: 'local', database: 'replication', user: 'bob' }))).toBe(undefined);
  });

  it('treats a quoted keyword as a name', () => {
    expect(lineOf(matchRule(hba, { type: 'host', database: 'all', user: 'u', address: '1.2.3.4' }))).toBe(4);
    expect(lineOf(matchRule(hba, { type: 'host', database: 'app', user: 'app', address: '10.0.0.1' }))).toBe(5);
  });

  it('checks SSL and address families', () => {
    const ask = () => false;
    const admins = (q: { kind: string }) => q.kind === 'member';
    expect(lineOf(matchRule(hba, { type: 'hostssl', database: 'd', user: 'u', address: '2001:db8::1' }, { resolve: admins }))).toBe(7);
    expect(lineOf(matchRule(hba, { type: 'hostssl', database: 'd', user: 'u', address: '2001:db8::1' }, { resolve: ask }))).toBe(11);
    expect(lineOf(matchRule(hba, { type: 'host', database: 'd', user: 'u', address: '2001:db8::1' }))).toBe(8);
    // An IPv4 rule never matches an IPv6 client, not even a v4-mapped one.
    expect(lineOf(matchRule(hba, { type: 'host', database: 'd', user: 'u', address: '::ffff:192.168.1.77' }, { resolve: ask }))).toBe(11);
  });

  it('asks about what it cannot know, and stops there without an answer', () => {
    const m = matchRule(hba, { type: 'hostssl', database: 'd', user: 'ann', address: '2001:db8::5' });
    expect(m).toMatchObject({ status: 'unresolved', index: 6, question: { kind: 'member', user: 'ann', role: 'admins' } });
    const asked: unknown[] = [];
    const resolve = (q: unknown) => (asked.push(q), false);
    expect(lineOf(matchRule(hba, { type: 'host', database: 'd', user: 'u', address: '8.8.8.8' }, { resolve }))).toBe(11);
    expect(asked).toEqual([
      { kind: 'hostname', hostname: '.example.com', address: '8.8.8.8' },
      { kind: 'samenet', address: '8.8.8.8' },
    ]);
    expect(lineOf(matchRule(hba, { type: 'host', database: 'd', user: 'u', address: '8.8.8.8' }, { resolve: (q) => q.kind === 'samenet' }))).toBe(10);
  });

  it('matches regular expressions from 16 on, and names before', () => {
    const text = 'local /^tenant_[0-9]+$ all trust\nlocal all all reject\n';
    expect(lineOf(matchRule(HbaFile.parse(text, { major: 16 }), { type: 'local', database: 'tenant_42', user: 'u' }))).toBe(1);
    expect(lineOf(matchRule(HbaFile.parse(text, { major: 15 }), { type: 'local', database: 'tenant_42', user: 'u' }))).toBe(2);
  });

  it('refuses a connection it cannot read', () => {
    expect(() => matchRule(hba, { type: 'host', database: 'd', user: 'u', address: 'example.com' })).toThrow(InvalidArgumentError);
    expect(() => matchRule(hba, { type: 'tcp' as never, database: 'd', user: 'u' })).toThrow(InvalidArgumentError);
  });
});
