import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.js';
import { HaConnectionInfo } from '../../../src/ha/index.js';

const hosts = [
  { name: 'pg1', host: '127.0.0.1', port: 5001 },
  { name: 'pg2', host: '127.0.0.1', port: 5002 },
  { name: 'pg3', host: '::1', port: 5003 },
];

function info(roles: { leader: string | null; replicas: string[] }): HaConnectionInfo {
  return new HaConnectionInfo({ hosts, user: 'postgres', database: 'postgres', password: 'p@ss/w:rd', roles: () => roles });
}

describe('HaConnectionInfo', () => {
  it('uri(): every member, libpq multi-host form, credentials percent-encoded, IPv6 in brackets', () => {
    expect(info({ leader: 'pg2', replicas: [] }).uri()).toBe(
      'postgresql://postgres:p%40ss%2Fw%3Ard@127.0.0.1:5001,127.0.0.1:5002,[::1]:5003/postgres?target_session_attrs=read-write',
    );
    expect(info({ leader: null, replicas: [] }).uri({ targetSessionAttrs: 'standby', database: 'app db' })).toMatch(/\/app%20db\?target_session_attrs=standby$/);
  });

  it('clientConfig(): the leader for read-write and primary, a replica for read-only and standby', () => {
    const roles = { leader: 'pg2', replicas: ['pg3', 'pg1'] };
    expect(info(roles).clientConfig()).toEqual({ host: '127.0.0.1', port: 5002, user: 'postgres', database: 'postgres', password: 'p@ss/w:rd' });
    expect(info(roles).clientConfig({ targetSessionAttrs: 'primary' }).port).toBe(5002);
    expect(info(roles).clientConfig({ targetSessionAttrs: 'read-only' }).port).toBe(5003);
    expect(info(roles).clientConfig({ targetSessionAttrs: 'standby', database: 'app' })).toMatchObject({ port: 5003, database: 'app' });
    expect(info({ leader: 'pg2', replicas: [] }).clientConfig({ targetSessionAttrs: 'prefer-standby' }).port).toBe(5002);
    expect(info({ leader: null, replicas: [] }).clientConfig().port).toBe(5001);
  });

  it('follows the roles it is given on each call (the HaCluster keeps them current)', () => {
    const roles = { leader: 'pg1', replicas: ['pg2'] };
    const connection = info(roles);
    expect(connection.clientConfig().port).toBe(5001);
    roles.leader = 'pg2';
    roles.replicas = ['pg1'];
    expect(connection.clientConfig().port).toBe(5002);
  });

  it('redacts the password in JSON and refuses unknown targets', () => {
    expect(JSON.stringify(info({ leader: null, replicas: [] }))).not.toContain('p@ss');
    expect(() => info({ leader: null, replicas: [] }).uri({ targetSessionAttrs: 'master' as never })).toThrow(InvalidArgumentError);
    expect(() => info({ leader: null, replicas: [] }).clientConfig({ targetSessionAttrs: 'master' as never })).toThrow(/^Expected `targetSessionAttrs` to be one of `any`, `read-write`/);
  });
});
