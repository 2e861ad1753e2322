import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { InvalidArgumentError } from '../../../src/errors.js';
import { defaultHba, patroniConfig, type PatroniConfigOptions } from '../../../src/ha/index.js';
import { Installation } from '../../../src/installation/index.js';

const base: PatroniConfigOptions = {
  scope: 'orders',
  name: 'db1',
  dcs: { etcd3: { hosts: ['10.0.0.5:2379', '10.0.0.6:2379'] } },
  dataDirectory: '/var/lib/pg/orders',
  listen: '0.0.0.0:5432',
  connectAddress: 'db1:5432',
  restApi: { listen: '0.0.0.0:8008', connectAddress: 'db1:8008', auth: { username: 'patroni', password: 'rest-secret' } },
  synchronous: true,
  superuser: { password: 'super-secret' },
  replication: { password: 'repl-secret' },
};

function config(overrides: Partial<PatroniConfigOptions> = {}): Record<string, any> {
  return parse(patroniConfig({ ...base, ...overrides })) as Record<string, any>;
}

function thrown(action: () => unknown): InvalidArgumentError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return error as InvalidArgumentError;
  }
  throw new Error('did not throw');
}

describe('patroniConfig', () => {
  it('gives the fields Patroni 3 documents, in YAML', () => {
    const parsed = config();
    expect(parsed).toMatchObject({
      scope: 'orders',
      name: 'db1',
      restapi: { listen: '0.0.0.0:8008', connect_address: 'db1:8008', authentication: { username: 'patroni', password: 'rest-secret' } },
      etcd3: { hosts: ['10.0.0.5:2379', '10.0.0.6:2379'] },
      bootstrap: {
        dcs: { ttl: 30, loop_wait: 10, retry_timeout: 10, synchronous_mode: true, postgresql: { use_pg_rewind: true, use_slots: true } },
        initdb: [{ encoding: 'UTF8' }, 'data-checksums'],
      },
      postgresql: {
        listen: '0.0.0.0:5432',
        connect_address: 'db1:5432',
        data_dir: '/var/lib/pg/orders',
        pgpass: '/var/lib/pg/orders.pgpass',
        authentication: { superuser: { username: 'postgres', password: 'super-secret' }, replication: { username: 'replicator', password: 'repl-secret' } },
      },
    });
    expect(parsed['postgresql'].bin_dir).toBeUndefined();
    expect(parsed['postgresql'].pg_hba).toEqual(defaultHba('postgres', 'replicator'));
    expect(parsed['bootstrap'].pg_hba).toEqual(parsed['postgresql'].pg_hba);
  });

  it('takes bin_dir from the installation, settings into the DCS, timings, a rewind user and hba lines', async () => {
    const installation = await Installation.fromBinDir('/usr/lib/postgresql/15/bin').catch(() => null);
    const parsed = config({
      ...(installation === null ? {} : { installation }),
      settings: { max_connections: 50, 'pg_stat_statements.max': 1000, log_connections: true },
      ttl: 20,
      loopWait: 2,
      retryTimeout: 5,
      rewind: { username: 'rewinder', password: 'rw' },
      hba: ['host all all 10.0.0.0/24 scram-sha-256'],
      socketDirectory: '/run/pg',
    });
    if (installation !== null) expect(parsed['postgresql'].bin_dir).toBe(installation.paths.bindir);
    expect(parsed['bootstrap'].dcs).toMatchObject({ ttl: 20, loop_wait: 2, retry_timeout: 5 });
    expect(parsed['bootstrap'].dcs.postgresql.parameters).toMatchObject({ max_connections: 50, 'pg_stat_statements.max': 1000, log_connections: true, wal_log_hints: 'on' });
    expect(parsed['postgresql'].parameters).toEqual({ unix_socket_directories: '/run/pg' });
    expect(parsed['postgresql'].authentication.rewind).toEqual({ username: 'rewinder', password: 'rw' });
    expect(parsed['postgresql'].pg_hba).toEqual(['host all all 10.0.0.0/24 scram-sha-256']);
  });

  it('double-quotes every string, so no YAML version reads one as anything else', () => {
    const text = patroniConfig({ ...base, superuser: { password: 'yes' }, settings: { log_line_prefix: '%m ' } });
    expect(text).toContain('password: "yes"');
    expect(text).toContain('log_line_prefix: "%m "');
    expect(parse(text, { version: '1.1' })).toEqual(parse(text));
  });

  it('quotes what YAML would read otherwise (a password that looks like a number, a boolean, a comment)', () => {
    for (const password of ['12345', 'yes', 'on', 'Off', 'y', '12:30', '=', '<<', '2001-12-14', '# not a comment', "it's: \"quoted\"", '  spaced  ', '0x1F', '0o17', '1_000', 'null', '~', 'é ✓']) {
      expect(config({ superuser: { password } })['postgresql'].authentication.superuser.password).toBe(password);
    }
  });

  it('leaves the REST API open only when asked with auth: null', () => {
    expect(config({ restApi: { listen: '0.0.0.0:8008', connectAddress: 'db1:8008', auth: null } })['restapi'].authentication).toBeUndefined();
    const error = thrown(() => patroniConfig({ ...base, restApi: { listen: '0.0.0.0:8008', connectAddress: 'db1:8008' } as never }));
    expect(error.message).toMatch(/^Expected `restApi\.auth` to be \{ username, password \}/);
  });

  it('refuses bad input with the expected(...) message shape, never showing a password', () => {
    expect(thrown(() => patroniConfig({ ...base, name: 'db 1' })).message).toBe('Expected `name` to be a name of letters, digits, `_`, `.` and `-`, got `db 1`');
    expect(thrown(() => patroniConfig({ ...base, dataDirectory: 'relative' })).argument).toBe('dataDirectory');
    expect(thrown(() => patroniConfig({ ...base, listen: '0.0.0.0' })).message).toBe('Expected `listen` to be a `host:port` address, got `0.0.0.0`');
    expect(thrown(() => patroniConfig({ ...base, dcs: { consul: { host: 'x' } } as never })).argument).toBe('dcs');
    expect(thrown(() => patroniConfig({ ...base, dcs: { etcd3: { hosts: [] } } })).argument).toBe('dcs.etcd3.hosts');
    expect(thrown(() => patroniConfig({ ...base, dcs: { etcd3: { hosts: ['a:1', 'b'] } } })).argument).toBe('dcs.etcd3.hosts[1]');
    expect(thrown(() => patroniConfig({ ...base, ttl: 10, loopWait: 10, retryTimeout: 10 })).message).toMatch(/^Expected `ttl` to be at least loopWait \+ 2 \* retryTimeout \(30\)/);
    expect(thrown(() => patroniConfig({ ...base, settings: { 'bad name': 1 } })).argument).toBe('settings.bad name');
    expect(thrown(() => patroniConfig({ ...base, hba: ['host all all 0/0 trust\nlocal all all trust'] })).argument).toBe('hba');
    expect(thrown(() => patroniConfig({ ...base, replication: { username: 'postgres', password: 'x' } })).argument).toBe('replication.username');
    const secret = thrown(() => patroniConfig({ ...base, superuser: { password: 'sekrit\nbreak' } }));
    expect(secret.argument).toBe('superuser.password');
    expect(secret.message).not.toContain('sekrit');
    expect(secret.message).toContain('<redacted>');
  });
});
