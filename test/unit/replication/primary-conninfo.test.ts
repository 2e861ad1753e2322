import { describe, expect, it } from 'vitest';
import { findPassfilePassword } from '../../../src/replication/primary-conninfo.js';
import { parseConninfo } from '../../../src/replication/index.js';
import { formatPrimaryConninfo } from '../../../src/replication/standby-files.js';

describe('primary_conninfo', () => {
  it('reads keyword/value strings with quoting and escapes, and URIs', () => {
    expect(parseConninfo("host=127.0.0.1 port = 5433 user='re pl' passfile='/a b/p\\'q' application_name=b")).toEqual({
      host: '127.0.0.1', port: '5433', user: 're pl', passfile: "/a b/p'q", application_name: 'b',
    });
    expect(parseConninfo('')).toEqual({});
    expect(parseConninfo('postgresql://rep%20l:pw@[::1]:6000/db?application_name=x')).toEqual({ host: '::1', port: '6000', user: 'rep l', password: 'pw', dbname: 'db', application_name: 'x' });
  });

  it('writes one that reads back the same, with no password', () => {
    const text = formatPrimaryConninfo({ host: '/tmp/sock dir', port: 5432, user: 'replicator', passfile: "/d/it's", applicationName: 'b' });
    expect(text).not.toContain('password');
    expect(parseConninfo(text)).toEqual({ host: '/tmp/sock dir', port: '5432', user: 'replicator', passfile: "/d/it's", application_name: 'b' });
  });

  it('finds a password in a .pgpass text as libpq does: first match, * wildcards, \\ escapes', () => {
    const text = 'other:1:*:u:no\n*:*:*:re\\:pl:p\\\\w:d\n*:*:*:*:later\n';
    expect(findPassfilePassword(text, { host: 'h', port: '5432', database: 'replication', user: 're:pl' })).toBe('p\\w:d');
    expect(findPassfilePassword(text, { host: 'other', port: '1', database: 'x', user: 'u' })).toBe('no');
    expect(findPassfilePassword(text, { host: 'h', port: '1', database: 'x', user: 'v' })).toBe('later');
    expect(findPassfilePassword('# only a comment\n', { host: 'h', port: '1', database: 'x', user: 'v' })).toBeUndefined();
  });
});
