import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { topologyConnectionInfo, toServerState } from '../../../src/replication/index.js';
import { ConnectionInfo } from '../../../src/throwaway/index.js';

const tcp = [
  { host: 'db1', port: 5432, user: 'app', database: 'my db', password: 'p@ss' },
  { host: '::1', port: 5433, user: 'app', database: 'my db', password: 'p@ss' },
];

describe('topologyConnectionInfo', () => {
  it('gives the multi-host URI, keyword/value string and environment of libpq', () => {
    const topology = topologyConnectionInfo(tcp);
    expect(topology.uri()).toBe('postgresql://app:p%40ss@db1:5432,[::1]:5433/my%20db?target_session_attrs=read-write');
    expect(topology.uri({ targetSessionAttrs: 'prefer-standby' })).toBe('postgresql://app:p%40ss@db1:5432,[::1]:5433/my%20db?target_session_attrs=prefer-standby');
    expect(topology.connectionString({ targetSessionAttrs: 'any' })).toBe("host=db1,::1 port=5432,5433 user=app dbname='my db' password=p@ss target_session_attrs=any");
    expect(topology.env({ targetSessionAttrs: 'standby' })).toEqual({ PGHOST: 'db1,::1', PGPORT: '5432,5433', PGUSER: 'app', PGDATABASE: 'my db', PGPASSWORD: 'p@ss', PGTARGETSESSIONATTRS: 'standby' });
  });

  it('puts every host in the query when one is a Unix socket; database defaults to postgres', () => {
    const topology = topologyConnectionInfo([{ host: '/tmp/a', port: 1, user: 'u' }, new ConnectionInfo({ host: '127.0.0.1', port: 2, user: 'u', database: 'postgres' })]);
    expect(topology.uri({ targetSessionAttrs: 'primary' })).toBe('postgresql:///postgres?host=%2Ftmp%2Fa,127.0.0.1&port=1,2&user=u&target_session_attrs=primary');
  });

  it('never shows the password, and refuses what one connection cannot carry', () => {
    const topology = topologyConnectionInfo(tcp);
    expect(JSON.stringify(topology)).not.toContain('p@ss');
    expect(inspect(topology)).not.toContain('p@ss');
    expect(() => topologyConnectionInfo([])).toThrow(/Expected `nodes` to be a non-empty array/);
    expect(() => topologyConnectionInfo([tcp[0]!, { ...tcp[1]!, password: 'other' }])).toThrow(/one user, database and password/);
    expect(() => topologyConnectionInfo([tcp[0]!, { ...tcp[1]!, password: 'other' }])).not.toThrow(/other/);
    expect(() => topologyConnectionInfo([42 as never])).toThrow(/Expected `nodes\[0\]` to be a ConnectionInfo/);
    expect(() => topology.uri({ targetSessionAttrs: 'master' as never })).toThrow('Expected `targetSessionAttrs` to be one of any, read-write, read-only, primary, standby, prefer-standby, got `master`');
  });
});

describe('state words', () => {
  it('takes the charm’s words and the aliases primary and standby', () => {
    expect(['standalone', 'master', 'hot standby', 'primary', 'standby', 'leader'].map(toServerState)).toEqual(['standalone', 'master', 'hot standby', 'master', 'hot standby', undefined]);
  });
});
